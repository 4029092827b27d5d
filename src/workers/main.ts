/**
 * A worker process: loads the app once, accepts on the master's listening sockets, serves HTTP,
 * reports heartbeats, and retires after max_requests. Started by the master with fork().
 */
import { randomInt } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { inspect } from 'node:util';
import { installListenCapture } from '../app/capture-listen.js';
import { AppLoadError, loadApp, type NodeListener } from '../app/load.js';
import type { Dispatcher } from '../python/dispatch.js';
import type { UpstreamInfo } from '../python/upstream.js';
import { ConfigError } from '../config/errors.js';
import type { Config, WorkerSelf } from '../config/types.js';
import { HttpFront } from '../http/server.js';
import type { ProxyGate } from '../http/proxy-protocol.js';
import { tlsEnabled, type TlsMaterial } from '../http/tls-material.js';
import type { TlsTerminator } from '../http/tls.js';
import { runHook } from '../config/run-hook.js';
import type { AccessLog } from '../logging/access-log.js';
import { ErrorLog } from '../logging/error-log.js';
import { Acceptors } from './acceptor.js';
import { ConnectionCap, type CapEntry } from './connection-cap.js';
import { readBoot } from './boot.js';
import { RequestStats } from './request-stats.js';
import { StatsdTally } from './statsd-tally.js';
import { switchOwner } from './privileges.js';
import { WORKER_BOOT_ERROR, type MasterMessage, type WorkerMessage } from './protocol.js';
import { exposeRunning } from './running.js';
import { isSourceFile } from '../loader/import.js';
import { adopt, Handoff, handoffSupported, refuse } from './handoff.js';

/** On a raw TLS connection: its entry in the connection cap, handed over to the TLS socket after the handshake. */
const CAP_ENTRY = Symbol('tunicorn.capEntry');
type RawTls = Socket & { [CAP_ENTRY]?: CapEntry };

const send = (msg: WorkerMessage) => {
  if (process.connected) process.send!(msg);
};

async function main(): Promise<void> {
  const boot = readBoot();
  let config: Config = boot.config;
  process.title = `tunicorn: worker [${config.proc_name ?? boot.appSpec}]`;
  const log = new ErrorLog({ target: config.errorlog, level: config.loglevel, format: config.log_format });
  let access: AccessLog | null = null;
  const self: WorkerSelf = { pid: process.pid, age: boot.age, config, log, requests: 0 };

  // Handles may arrive while the app loads: keep them until the worker can serve.
  const pending: Array<[number, object]> = [];
  let acceptors: Acceptors | null = null;
  let front: HttpFront | null = null;
  let stopping = false;
  let retiring = false;
  let cap: ConnectionCap | null = null;
  let gate: ProxyGate | null = null;
  /** Hands idle connections to the master (retiring, or rebalancing); made when first needed. */
  let handoff: Handoff | null = null;
  /** Serves a connection another worker handed off (set once the worker serves). */
  let adoptHandle: ((handle: object) => void) | null = null;
  const connections = () => cap?.size ?? 0;
  let accepted = 0;
  let dispatcher: Dispatcher | null = null;
  let upstreams: UpstreamInfo[] | null = null;
  // TLS material comes over IPC (the master read the files), before the listening sockets.
  // The newest wins: a renewal may arrive while the app loads, after the material sent at spawn.
  let terminator: TlsTerminator | null = null;
  let tlsMaterial: TlsMaterial | null = null;
  let materialArrived = () => {};

  // Figures for the master's /metrics, only when it serves them.
  const stats = config.status_bind ? new RequestStats() : null;
  // statsd counts, sent to the master with each heartbeat (src/status/statsd/service.ts sends the lines).
  const statsd = config.statsd_host ? new StatsdTally() : null;
  if (statsd) log.onCount = (kind) => statsd.logged(kind);
  const NO_SHED = { headers: 0, body: 0, read: 0, idle: 0 };
  const heartbeat = (): WorkerMessage => ({
    type: 'heartbeat',
    requests: self.requests,
    connections: connections(),
    ...(stats ? { figures: stats.figures(front?.inflightCount ?? 0, cap?.shedByKind ?? NO_SHED) } : {}),
    ...(statsd ? { statsd: statsd.take() } : {}),
  });

  const exit = (code: number) => {
    if (code === 0) log.info(`Worker exiting (pid: ${process.pid})`);
    if (config.worker_exit) runHook(log, 'worker_exit', () => config.worker_exit!(null, self));
    access?.flush();
    log.flush();
    // A last heartbeat, so the master's request totals include this worker's final requests. After
    // handoffs it also waits for the master to have taken the last handle (messages queue behind it).
    if ((!stats && !statsd && !handoff?.sent) || !process.connected) process.exit(code);
    const timer = setTimeout(() => process.exit(code), 500);
    process.send!(heartbeat(), () => {
      clearTimeout(timer);
      process.exit(code);
    });
  };

  /**
   * Stop accepting and exit once in-flight requests are done. `shutdown`: idle connections close
   * now. `handOff` (retiring, a replacement serves): idle connections go to the master instead.
   */
  const stop = (shutdown: boolean, handOff = false) => {
    if (stopping) {
      if (shutdown) {
        handoff?.end();
        front?.drain(true);
        gate?.closeWaiting();
        terminator?.closeHandshaking();
      }
      return;
    }
    stopping = true;
    let accepting = true;
    const closeListeners = () => {
      acceptors?.stop();
      accepting = false;
    };
    // On shutdown, connections still in the listen queue are taken and served, not reset. libuv
    // takes one per listener per turn of the loop: turn until a turn takes none (for 1 s at most).
    if (shutdown) {
      const until = Date.now() + 1000;
      let seen = -1;
      const turn = () => {
        if (accepted === seen || Date.now() > until) return closeListeners();
        seen = accepted;
        setImmediate(turn);
      };
      setImmediate(turn);
    } else closeListeners();
    const moving = handOff && !shutdown ? mover() : null;
    if (moving) {
      front!.handOff((socket) => moving.offer(socket));
      moving.sweep(cap!.sockets());
    } else front?.drain(shutdown);
    if (shutdown) {
      gate?.closeWaiting();
      terminator?.closeHandshaking();
    }
    const deadline = Date.now() + config.graceful_timeout * 1000;
    const poll = setInterval(() => {
      const busy = front?.inflightCount ?? 0;
      if (busy === 0 && connections() === 0 && !accepting) {
        clearInterval(poll);
        exit(0);
      } else if (Date.now() >= deadline) {
        clearInterval(poll);
        if (busy > 0) log.warning(`Graceful timeout (${config.graceful_timeout}s): cutting ${busy} request(s) still running: ${[...front!.inflight].map((r) => `${r.req.method} ${r.req.url}`).join(', ')}`);
        exit(0);
      }
    }, 25);
  };

  /** The connection mover, where connections can move: plain HTTP/1.1 only (a descriptor carries neither a TLS session nor a PROXY header's peer). */
  const mover = (): Handoff | null => {
    if (handoff || !front || !cap || terminator || gate || !handoffSupported(front.server)) return handoff;
    return (handoff = new Handoff(front.server, (handle, done) => {
      if (!process.connected) return done(new Error('no master'));
      process.send!({ type: 'handoff' } satisfies WorkerMessage, handle as never, undefined, done);
    }));
  };

  const retire = (reason: string) => {
    if (retiring || stopping) return;
    retiring = true;
    send({ type: 'retiring', reason });
  };

  process.on('message', (msg: MasterMessage, handle?: object) => {
    if (msg.type === 'listen' && handle) {
      if (acceptors) acceptors.addHandle(msg.bind, handle);
      else pending.push([msg.bind, handle]);
    } else if (msg.type === 'tls') {
      tlsMaterial = msg.material;
      if (terminator) terminator.update(msg.material);
      else materialArrived();
    } else if (msg.type === 'upstreams') {
      if (dispatcher) dispatcher.update(msg.workers);
      else upstreams = msg.workers;
    } else if (msg.type === 'running') {
      send({ type: 'running', worker: msg.worker, requests: dispatcher?.running(msg.worker) ?? [] });
    } else if (msg.type === 'stop') stop(false, msg.handoff === true);
    else if (msg.type === 'rebalance') {
      if (!stopping && cap) mover()?.sweep(cap.sockets(), msg.count);
    } else if (msg.type === 'handoff' && handle) {
      if (adoptHandle) adoptHandle(handle);
      else refuse(handle);
    }
    else if (msg.type === 'reopen_logs') {
      log.reopen();
      access?.reopen();
    }
  });
  process.on('SIGTERM', () => stop(true));
  const quick = () => {
    if (config.worker_int) runHook(log, 'worker_int', () => config.worker_int!(self));
    exit(0);
  };
  process.on('SIGINT', quick);
  process.on('SIGQUIT', quick);
  for (const sig of ['SIGHUP', 'SIGUSR2', 'SIGTTIN', 'SIGTTOU', 'SIGWINCH'] as const) process.on(sig, () => {});
  process.on('disconnect', () => {
    if (!stopping) log.info('Master went away; worker exiting.');
    stop(true);
  });
  process.on('unhandledRejection', (reason) => log.exception('Unhandled promise rejection in the app (the worker keeps serving)', reason));
  process.on('uncaughtException', (err) => {
    log.exception('Uncaught exception in the app; the worker will be replaced', err, 'critical');
    retire('uncaught exception');
  });

  // Heartbeats come from the event loop from the start: a boot that blocks the loop is caught too.
  // Four beats per timeout (at most one a second), so a loop starved of CPU for a moment is not taken for a blocked one.
  const beat = config.timeout > 0 ? Math.min(1000, config.timeout * 250) : 1000;
  setInterval(() => send(heartbeat()), beat).unref();

  try {
    // Loaded only when used, so a worker boots (and recycles) faster and smaller.
    if (boot.configFile && isSourceFile(boot.configFile)) {
      const { attachHooks } = await import('../config/hooks.js');
      config = await attachHooks(config, boot.configFile);
      self.config = config;
    }
    if (config.accesslog) {
      const { AccessLog } = await import('../logging/access-log.js');
      access = new AccessLog(config.accesslog, config.access_log_format, config.log_format);
    }
    if (config.post_fork) await config.post_fork(null, self);
    if (boot.owner) switchOwner(boot.owner);
    let listener: NodeListener;
    let upgradeTarget: EventEmitter | null = null;
    if (boot.python) {
      // A front for Python workers: the app runs in them; requests go to the least busy.
      const [{ Dispatcher }, { wsgiListener }, { pythonWorkerClass }] = await Promise.all([import('../python/dispatch.js'), import('../python/listener.js'), import('../python/interpreter.js')]);
      dispatcher = new Dispatcher({ queueLimit: config.request_queue, queueTimeoutMs: config.request_queue_timeout * 1000 });
      if (upstreams) dispatcher.update(upstreams);
      listener = wsgiListener({ dispatcher, log, bufferBodies: pythonWorkerClass(config.worker_class_str, config.threads) !== 'gevent' });
    } else {
      installListenCapture(boot.address, (message) => send({ type: 'notice', message }));
      const app = await loadApp(boot.appSpec, { baseDir: config.chdir, iface: config.interface as 'auto' | 'fetch' | 'node', waitForListenMs: 5000 });
      if (app.kind === 'node') {
        listener = app.listener;
        upgradeTarget = app.upgrade ?? null;
      } else {
        const adapter = await import('../http/fetch-adapter.js');
        listener = adapter.fetchListener(app.fetch, config.override_globals, (err, request) => {
          const url = new URL(request.url);
          log.exception(`Error handling request ${request.method} ${url.pathname}${url.search}`, err);
        });
        if (app.websocket) upgradeTarget = adapter.fetchUpgradeTarget(app.fetch, app.websocket);
      }
    }
    if (config.post_worker_init) await config.post_worker_init(self);

    const maxRequests = config.max_requests > 0 ? config.max_requests + randomInt(0, config.max_requests_jitter + 1) : Infinity;
    const h2 = config.http_protocols.includes('h2') ? (await import('../http/h2.js')).H2Front : null;
    front = new HttpFront({
      H2Front: h2,
      config,
      listener,
      log,
      access,
      worker: self,
      upgradeTarget,
      stats,
      statsd,
      onRequestDone: () => {
        if (++self.requests >= maxRequests && !retiring) {
          log.info('Autorestarting worker after current request.');
          retire('max_requests');
        }
      },
    });
    const theFront = front;
    exposeRunning(() => theFront.running());
    if (config.proxy_protocol !== 'off') {
      const { ProxyGate } = await import('../http/proxy-protocol.js');
      gate = new ProxyGate({ mode: config.proxy_protocol, allow: config.proxy_allow_ips, log, timeoutMs: front.server.headersTimeout, tls: tlsEnabled(config) });
    }
    const theGate = gate;
    const h1 = config.http_protocols.includes('h1');
    if (tlsEnabled(config)) {
      const { TlsTerminator } = await import('../http/tls.js');
      const { carryPeer } = await import('../http/proxy-protocol.js');
      if (!tlsMaterial) await new Promise<void>((resolve) => (materialArrived = resolve));
      terminator = new TlsTerminator({
        config,
        material: tlsMaterial!,
        log,
        handshakeTimeoutMs: front.server.headersTimeout,
        onSecure: (secure, raw: RawTls) => {
          const entry = raw[CAP_ENTRY];
          if (entry) cap!.secured(entry, secure);
          if (theGate) carryPeer(raw, secure);
          if (secure.alpnProtocol === 'h2') theFront.acceptH2(secure);
          else if (h1) theFront.accept(secure);
          // http_protocols is h2 alone: a client without ALPN is not served HTTP/1.1.
          else secure.destroy();
        },
      });
    }
    const theTls = terminator;
    let handOver = theTls ? (socket: Socket) => theTls.admit(socket) : (socket: Socket) => theFront.accept(socket);
    if (!theTls && config.http2_cleartext === 'prior-knowledge' && config.http_protocols.includes('h2')) {
      const [{ priorKnowledge }, { trustCheck }] = await Promise.all([import('../http/h2c.js'), import('../http/forwarded.js')]);
      handOver = priorKnowledge({ trusted: trustCheck(config.forwarded_allow_ips), log, h1: (socket) => theFront.accept(socket), h2: (socket) => theFront.acceptH2(socket) });
    }
    let lastShedLog = 0;
    cap = new ConnectionCap({
      cap: config.worker_class === 'sync' ? 1 : config.worker_connections,
      pause: () => acceptors!.pause(),
      resume: () => acceptors!.resume(),
      onShed: (n) => {
        // At most one line a second: under a slow-client flood this fires constantly.
        if (Date.now() - lastShedLog < 1000) return;
        lastShedLog = Date.now();
        const k = cap!.shedByKind;
        log.warning(`worker_connections (${config.worker_connections}) reached: closed ${n} connection(s) waiting on slow or idle clients (${cap!.shedTotal} so far: ${k.headers} slow headers, ${k.body} slow bodies, ${k.read} slow reads, ${k.idle} idle keep-alive)`);
      },
    });
    acceptors = new Acceptors({
      binds: boot.binds,
      backlog: config.backlog,
      onConnection: (socket: Socket) => {
        accepted++;
        const entry = cap!.add(socket, !!theTls);
        if (theTls) (socket as RawTls)[CAP_ENTRY] = entry;
        if (theGate) theGate.admit(socket, handOver);
        else handOver(socket);
      },
      requestHandle: (bind) => send({ type: 'want_listen', bind }),
      openConnections: () => cap!.size,
      onAcceptError: (err) => log.warning(`accept() failed: ${err.code ?? err.message}; still accepting`),
      onListenError: (bind, err) => {
        send({ type: 'listen_error', bind, code: err.code ?? 'EUNKNOWN', message: err.message });
        exit(WORKER_BOOT_ERROR);
      },
    });
    // Handed off by a retiring worker: counted in the cap and served like an accepted connection.
    adoptHandle = (handle) => {
      if (theTls || theGate) return refuse(handle);
      const socket = adopt(handle, theFront.server.keepAliveTimeout);
      cap!.add(socket);
      handOver(socket);
    };
    for (const [bind, handle] of pending.splice(0)) acceptors.addHandle(bind, handle);
    await acceptors.whenListening();
  } catch (err) {
    // The master prints it, once for every worker that failed; exit once the message is on its way.
    const mistake = err instanceof AppLoadError || err instanceof ConfigError;
    const report: WorkerMessage = { type: 'boot_error', message: err instanceof Error ? err.message : typeof err === 'string' ? err : inspect(err), ...(mistake || !(err instanceof Error) ? {} : { stack: inspect(err) }) };
    if (process.connected) process.send!(report, () => exit(WORKER_BOOT_ERROR));
    else {
      log.error(mistake ? report.message : `Exception in worker process\n${inspect(err)}`);
      exit(WORKER_BOOT_ERROR);
    }
    return;
  }
  send({ type: 'ready' });
}

main().catch((err) => {
  process.stderr.write(`tunicorn worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(WORKER_BOOT_ERROR);
});
