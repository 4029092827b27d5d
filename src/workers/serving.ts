/**
 * A worker's connection pipeline, built once its app is loaded: accept on the master's sockets,
 * count each connection in the cap, then (as configured) the PROXY protocol gate, TLS with ALPN or
 * h2c prior knowledge, and the HTTP front that runs the app's listener.
 */
import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { NodeListener } from '../app/load.js';
import type { Config, WorkerSelf } from '../config/types.js';
import { HttpFront } from '../http/server.js';
import type { ProxyGate } from '../http/proxy-protocol.js';
import { tlsEnabled, type TlsMaterial } from '../http/tls-material.js';
import type { TlsTerminator } from '../http/tls.js';
import type { AccessLog } from '../logging/access-log.js';
import type { ErrorLog } from '../logging/error-log.js';
import { Acceptors } from './acceptor.js';
import { ConnectionCap, type CapEntry } from './connection-cap.js';
import type { RequestStats } from './request-stats.js';
import { exposeRunning } from './running.js';
import type { StatsdTally } from './statsd-tally.js';

/** On a raw TLS connection: its entry in the connection cap, handed over to the TLS socket after the handshake. */
const CAP_ENTRY = Symbol('tunicorn.capEntry');
type RawTls = Socket & { [CAP_ENTRY]?: CapEntry };

export interface ServingOptions {
  config: Config;
  log: ErrorLog;
  self: WorkerSelf;
  binds: number;
  listener: NodeListener;
  upgradeTarget: EventEmitter | null;
  access: AccessLog | null;
  stats: RequestStats | null;
  statsd: StatsdTally | null;
  /** The TLS material the master sent (waits for it when it has not come yet). */
  tlsMaterial: () => Promise<TlsMaterial>;
  onRequestDone: () => void;
  onAccepted: () => void;
  requestHandle: (bind: number) => void;
  onListenError: (bind: number, err: NodeJS.ErrnoException) => void;
}

export interface Serving {
  front: HttpFront;
  cap: ConnectionCap;
  acceptors: Acceptors;
  gate: ProxyGate | null;
  terminator: TlsTerminator | null;
}

export async function startServing(o: ServingOptions): Promise<Serving> {
  const { config, log } = o;
  const h2 = config.http_protocols.includes('h2') ? (await import('../http/h2.js')).H2Front : null;
  const front = new HttpFront({
    H2Front: h2,
    config,
    listener: o.listener,
    log,
    access: o.access,
    worker: o.self,
    upgradeTarget: o.upgradeTarget,
    stats: o.stats,
    statsd: o.statsd,
    onRequestDone: o.onRequestDone,
  });
  exposeRunning(() => front.running());
  let gate: ProxyGate | null = null;
  if (config.proxy_protocol !== 'off') {
    const { ProxyGate } = await import('../http/proxy-protocol.js');
    gate = new ProxyGate({ mode: config.proxy_protocol, allow: config.proxy_allow_ips, log, timeoutMs: front.server.headersTimeout, tls: tlsEnabled(config) });
  }
  let cap: ConnectionCap | null = null;
  const terminator = tlsEnabled(config) ? await tlsTerminator(o, front, !!gate, () => cap!) : null;
  let handOver = terminator ? (socket: Socket) => terminator.admit(socket) : (socket: Socket) => front.accept(socket);
  if (!terminator && config.http2_cleartext === 'prior-knowledge' && config.http_protocols.includes('h2')) {
    const [{ priorKnowledge }, { trustCheck }] = await Promise.all([import('../http/h2c.js'), import('../http/forwarded.js')]);
    handOver = priorKnowledge({ trusted: trustCheck(config.forwarded_allow_ips), log, h1: (socket) => front.accept(socket), h2: (socket) => front.acceptH2(socket) });
  }
  let lastShedLog = 0;
  let acceptors: Acceptors | null = null;
  const theCap = (cap = new ConnectionCap({
    cap: config.worker_class === 'sync' ? 1 : config.worker_connections,
    pause: () => acceptors!.pause(),
    resume: () => acceptors!.resume(),
    onShed: (n) => {
      // At most one line a second: under a slow-client flood this fires constantly.
      if (Date.now() - lastShedLog < 1000) return;
      lastShedLog = Date.now();
      const k = theCap.shedByKind;
      log.warning(
        `worker_connections (${config.worker_connections}) reached: closed ${n} connection(s) waiting on slow or idle clients (${theCap.shedTotal} so far: ${k.headers} slow headers, ${k.body} slow bodies, ${k.read} slow reads, ${k.idle} idle keep-alive)`,
      );
    },
  }));
  acceptors = new Acceptors({
    binds: o.binds,
    backlog: config.backlog,
    onConnection: (socket: Socket) => {
      o.onAccepted();
      const entry = theCap.add(socket, !!terminator);
      if (terminator) (socket as RawTls)[CAP_ENTRY] = entry;
      if (gate) gate.admit(socket, handOver);
      else handOver(socket);
    },
    requestHandle: o.requestHandle,
    openConnections: () => theCap.size,
    onAcceptError: (err) => log.warning(`accept() failed: ${err.code ?? err.message}; still accepting`),
    onListenError: o.onListenError,
  });
  return { front, cap: theCap, acceptors, gate, terminator };
}

/** TLS in front of the HTTP front: ALPN picks h2 or HTTP/1.1 (or refuses a client without h2 when h1 is off). */
async function tlsTerminator(o: ServingOptions, front: HttpFront, proxied: boolean, cap: () => ConnectionCap): Promise<TlsTerminator> {
  const [{ TlsTerminator }, { carryPeer }] = await Promise.all([import('../http/tls.js'), import('../http/proxy-protocol.js')]);
  const h1 = o.config.http_protocols.includes('h1');
  return new TlsTerminator({
    config: o.config,
    material: await o.tlsMaterial(),
    log: o.log,
    handshakeTimeoutMs: front.server.headersTimeout,
    onSecure: (secure, raw: RawTls) => {
      const entry = raw[CAP_ENTRY];
      if (entry) cap().secured(entry, secure);
      if (proxied) carryPeer(raw, secure);
      if (secure.alpnProtocol === 'h2') front.acceptH2(secure);
      else if (h1) front.accept(secure);
      // http_protocols is h2 alone: a client without ALPN is not served HTTP/1.1.
      else secure.destroy();
    },
  });
}
