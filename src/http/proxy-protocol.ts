/**
 * proxy_protocol: each accepted connection must open with a PROXY protocol header (v1, v2 or either)
 * from a peer in proxy_allow_ips, before the HTTP parser sees a byte. The client address it carries
 * replaces the socket's remoteAddress/remotePort/remoteFamily, so forwarded_allow_ips, the access
 * log's h, a Node app's req.socket.remoteAddress and a Python app's REMOTE_ADDR all see the client.
 * Bytes that came in with the header (the request, often) are put back for the parser.
 *
 * A peer outside proxy_allow_ips, a missing or malformed header: one warning line, connection closed.
 * A header that does not arrive within the HTTP server's headers timeout is closed like a request
 * header that does not; at worker_connections the cap sheds it as a slow header sooner.
 */
import type { Socket } from 'node:net';
import type { ErrorLog } from '../logging/error-log.js';
import { trustCheck } from './forwarded.js';
import { parseProxyHeader, type ProxyMode, type ProxySource } from './proxy-header.js';
import { setPeerCache } from '../node-internals.js';

export interface ProxyGateOptions {
  mode: ProxyMode;
  allow: string[];
  log: ErrorLog;
  /** Milliseconds the header has to arrive in. */
  timeoutMs: number;
  /**
   * TLS follows the header: the TLS socket reads the bytes put back itself, a tick later, and
   * resuming the raw socket first would hand them to no one.
   */
  tls?: boolean;
}

const EMPTY = Buffer.alloc(0);
const who = (socket: Socket) => socket.remoteAddress ?? 'unix socket';

/** Whether node's peer cache works as setPeer expects (checked on the first connection). */
let cacheWorks: boolean | null = null;

/**
 * Make the socket report the proxied client as its peer. net.Socket's remoteAddress, remotePort and
 * remoteFamily read a cached getpeername() result (setPeerCache): one property store, far cheaper
 * than own properties on each socket (bench/limits.md). Should a Node not read the cache, own properties it is.
 */
function setPeer(socket: Socket, source: ProxySource): void {
  if (cacheWorks !== false) {
    setPeerCache(socket, { address: source.address, port: source.port, family: source.family });
    if (cacheWorks) return;
    cacheWorks = socket.remoteAddress === source.address && socket.remotePort === source.port && socket.remoteFamily === source.family;
    if (cacheWorks) return;
  }
  Object.defineProperties(socket, {
    remoteAddress: { value: source.address, configurable: true },
    remotePort: { value: source.port, configurable: true },
    remoteFamily: { value: source.family, configurable: true },
  });
}

/** After a TLS handshake on a proxied connection: the TLS socket reports the client the header named, as the raw one does. */
export function carryPeer(raw: Socket, secure: Socket): void {
  if (raw.remoteAddress === undefined || raw.remotePort === undefined || raw.remoteFamily === undefined) return;
  setPeer(secure, { address: raw.remoteAddress, port: raw.remotePort, family: raw.remoteFamily } as ProxySource);
}

/** A connection awaiting its header: a node of the gate's list, oldest first. */
interface Waiting {
  socket: Socket;
  since: number;
  prev: Waiting | null;
  next: Waiting | null;
}

export class ProxyGate {
  private readonly trusted: (remote: string | undefined) => boolean;
  /**
   * Connections whose header is still awaited, oldest first (closed at once on shutdown). One
   * sweep a second closes those past the timeout, cheaper than a timer per socket; a list rather
   * than a Set, which hashes each socket (bench/limits.md).
   */
  private head: Waiting | null = null;
  private tail: Waiting | null = null;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly opts: ProxyGateOptions) {
    this.trusted = trustCheck(opts.allow, 'proxy_allow_ips');
  }

  private add(socket: Socket): Waiting {
    const w: Waiting = { socket, since: Date.now(), prev: this.tail, next: null };
    if (this.tail) this.tail.next = w;
    else this.head = w;
    this.tail = w;
    // Started once and left running (unref'd): starting one per busy spell would cost a timer per connection at low load.
    this.sweeper ??= setInterval(() => this.sweep(), Math.min(1000, this.opts.timeoutMs)).unref();
    return w;
  }

  private remove(w: Waiting): void {
    if (w.prev) w.prev.next = w.next;
    else if (this.head === w) this.head = w.next;
    else return; // already removed
    if (w.next) w.next.prev = w.prev;
    else this.tail = w.prev;
    w.prev = w.next = null;
  }

  private sweep(): void {
    const oldest = Date.now() - this.opts.timeoutMs;
    while (this.head && this.head.since <= oldest) {
      const { socket } = this.head;
      this.opts.log.debug(`PROXY protocol header from ip=${who(socket)} not received within ${this.opts.timeoutMs / 1000}s; connection closed`);
      this.remove(this.head);
      socket.destroy();
    }
  }

  /** Read the header of a fresh connection, then hand the connection to `next`. */
  admit(socket: Socket, next: (socket: Socket) => void): void {
    const { log, mode } = this.opts;
    if (!this.trusted(socket.remoteAddress)) {
      log.warning(`Connection from ip=${who(socket)} refused: proxy_protocol is on and the peer is not in proxy_allow_ips (${this.opts.allow.join(',')})`);
      socket.destroy();
      return;
    }
    let buf: Buffer = EMPTY;
    const done = () => {
      this.remove(entry);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      socket.off('close', onError);
    };
    const close = (reason: string | null) => {
      done();
      if (reason) log.warning(`Invalid PROXY protocol header from ip=${who(socket)}: ${reason}; connection closed`);
      // Errors after this (a reset while closing) have no one to tell.
      socket.on('error', () => {});
      socket.destroy();
    };
    const onData = (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      const r = parseProxyHeader(buf, mode);
      if (r.kind === 'more') return;
      if (r.kind === 'error') return close(r.reason);
      done();
      if (r.source) setPeer(socket, r.source);
      if (buf.length === r.length) return next(socket); // the header came alone (HAProxy sends it on connect)
      socket.pause();
      socket.unshift(buf.subarray(r.length));
      next(socket);
      // node:http reads the socket's handle directly; what was put back reaches its parser on resume, first.
      if (!this.opts.tls) socket.resume();
    };
    const onEnd = () => close(buf.length ? `the connection ended after ${buf.length} byte(s), before the header was complete` : null);
    // An error, or a close by someone else (the worker_connections cap shedding it, the sweep).
    const onError = () => close(null);
    const entry = this.add(socket);
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onError);
    socket.on('close', onError);
  }

  /** On shutdown: connections still sending their header will not be served. */
  closeWaiting(): void {
    for (let w = this.head; w; w = this.head) {
      this.remove(w);
      w.socket.destroy();
    }
    if (this.sweeper) clearInterval(this.sweeper);
  }
}
