/**
 * The worker's HTTP front: a node:http server that never listens itself (acceptors feed it
 * connections), with Gunicorn's limits, trusted forwarded headers, per-request timeouts, error
 * handling, access logging, hooks, and graceful draining.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { NodeListener } from '../app/load.js';
import type { Config, WorkerSelf } from '../config/types.js';
import type { AccessLog } from '../logging/access-log.js';
import type { ErrorLog } from '../logging/error-log.js';
import { forwardedHeaderNames, forwardedLookup, markHttps, schemeIsHttps, secureHeaders, stripForwarded, trustCheck } from './forwarded.js';
import { limitsFrom, limitViolation, maxHeaderSize } from './limits.js';
import { answerClientError } from './client-error.js';
import { guardTrailers, refuse, refusedEarlier, requestRefusal, type Refusal } from './request-guard.js';
import { Deadlines } from './deadlines.js';
import { runHook } from '../config/run-hook.js';
import { requestIdFor, requestIdOf, withRequestId } from '../logging/request-id.js';
import { runningRequest, type RunningRequest } from '../workers/running.js';
import { Upgrades } from './upgrade.js';
import type { RequestStats } from '../workers/request-stats.js';
import type { StatsdTally } from '../workers/statsd-tally.js';
import { cutOff } from './cut-off.js';
import { countBodyBytes, h2BodyBytes, h2Remote } from './h2-bytes.js';
import type { H2Front } from './h2.js';
import { headerBlock } from '../node-internals.js';

export interface FrontOptions {
  config: Config;
  listener: NodeListener;
  log: ErrorLog;
  access: AccessLog | null;
  worker: WorkerSelf;
  /** Called once per finished request (counts toward max_requests). */
  onRequestDone: () => void;
  /** The app's server whose 'upgrade' listeners take upgrade requests (WebSockets), if any. */
  upgradeTarget?: EventEmitter | null;
  /** Per-request figures for the master's /metrics (status_bind set), or null. */
  stats?: RequestStats | null;
  /** statsd counts (statsd_host set), or null. */
  statsd?: StatsdTally | null;
  /** src/http/h2.ts's H2Front, loaded by the worker only when http_protocols has h2. */
  H2Front?: typeof H2Front | null;
}

/** How long a stopping front waits before closing idle connections (see drain). */
const SHUTDOWN_READ_GRACE_MS = 100;
const TRUSTED = Symbol('tunicorn.trusted');
const WRITTEN_AT_START = Symbol('tunicorn.bytesWrittenAtStart');
const SOCKET = Symbol('tunicorn.socket');
const STARTED = Symbol('tunicorn.started');
const STARTED_MS = Symbol('tunicorn.startedMs');
const QUEUED = Symbol('tunicorn.queuedResponses');
const T0 = Symbol('tunicorn.statsStart');
type TrackedSocket = Socket & { [TRUSTED]?: boolean };
type QueueSocket = Socket & { [QUEUED]?: Set<ServerResponse> };
type TrackedResponse = ServerResponse & { [WRITTEN_AT_START]?: number; [SOCKET]?: Socket; [STARTED]?: bigint; [STARTED_MS]?: number; [T0]?: number };

export class HttpFront {
  readonly server: http.Server;
  /** Requests in flight, oldest first; also enforces `timeout` on each. */
  private readonly deadlines: Deadlines<ServerResponse>;
  private stopping = false;
  private readonly upgrades: Upgrades | null = null;
  /** HTTP/2 sessions (http_protocols has h2), or null. */
  private readonly h2: H2Front | null = null;
  /** The response whose app handler is running synchronously now: the one a blocked loop is stuck in. */
  private executing: ServerResponse | null = null;

  constructor(private opts: FrontOptions) {
    const { config } = opts;
    const limits = limitsFrom(config);
    // HTTP/1.1 requests without Host are refused in limitViolation, answered and logged like the limits.
    this.server = http.createServer({ maxHeaderSize: maxHeaderSize(limits), requireHostHeader: false });
    this.server.maxHeadersCount = limits.fields + 1;
    this.server.keepAliveTimeout = config.keepalive * 1000;
    this.server.on('clientError', (err, socket) => answerClientError(err as NodeJS.ErrnoException & { rawPacket?: Buffer }, socket as Socket, opts.log));

    opts.log.debug(
      `HTTP: limit_request_line ${limits.line}, limit_request_fields ${limits.fields}, limit_request_field_size ${limits.fieldSize}, ` +
        `keepalive ${config.keepalive}s, timeout ${config.timeout}s, forwarded_allow_ips ${config.forwarded_allow_ips.join(',')}`,
    );
    const trusted = trustCheck(config.forwarded_allow_ips);
    const fwdHeaders = forwardedHeaderNames(config.secure_scheme_headers);
    const hasForwarded = forwardedLookup(fwdHeaders);
    const secure = secureHeaders(config.secure_scheme_headers);
    const closeEach = config.keepalive === 0 || config.worker_class === 'sync';
    const timeoutMs = config.timeout * 1000;
    const jsonLogs = config.log_format === 'json';
    const { listener, log, access, worker, onRequestDone } = opts;
    const stats = opts.stats ?? null;
    const statsd = opts.statsd ?? null;
    /** Whether responses are timed at all: for /metrics or statsd. */
    const timed = stats !== null || statsd !== null;
    /** The status a client saw: 0 when it left before the response started. */
    const record = (res: TrackedResponse) => {
      const ms = performance.now() - res[T0]!;
      const status = res.headersSent ? res.statusCode : 0;
      stats?.record(res.req.method, status, ms / 1000);
      statsd?.record(status, ms);
    };
    function recordRefused(this: TrackedResponse) {
      record(this);
    }
    const { pre_request: preRequest, post_request: postRequest } = config;
    const deadlines = (this.deadlines = new Deadlines<ServerResponse>(timeoutMs, (res) => onTimeout(res.req, res)));

    const fail = (err: unknown, req: IncomingMessage, res: ServerResponse) => {
      withRequestId(requestIdOf(res), () => log.exception(`Error handling request ${req.method} ${req.url}`, err));
      if (res.headersSent) return cutOff(res);
      res.shouldKeepAlive = false;
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': '22' });
      res.end('Internal Server Error\n');
    };

    const onTimeout = (req: IncomingMessage, res: ServerResponse) => {
      withRequestId(requestIdOf(res), () => log.error(`Request timed out after ${config.timeout}s: ${req.method} ${req.url}`));
      res.on('error', () => {});
      const err = Object.assign(new Error(`request timed out after ${config.timeout}s`), { name: 'TimeoutError' });
      if (!res.headersSent) {
        res.shouldKeepAlive = false;
        res.writeHead(504, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': '16' });
        // An HTTP/2 stream closes with its response (destroying it would reset what was just sent).
        res.end('Gateway Timeout\n', () => req.httpVersionMajor !== 2 && req.destroy(err));
      } else {
        req.destroy(err);
        res.destroy(err);
      }
    };

    /** The peer's address (a getpeername call) is read, once per connection, only for a request that carries forwarded or secure-scheme headers. */
    const checkForwarded = (req: IncomingMessage, socket: TrackedSocket) => {
      if (!hasForwarded(req)) return;
      let trust = socket[TRUSTED];
      if (trust === undefined) trust = socket[TRUSTED] = trusted(socket.remoteAddress);
      if (!trust) stripForwarded(req, fwdHeaders);
      else if (schemeIsHttps(req, secure)) markHttps(req);
    };
    const vet = (req: IncomingMessage): Refusal | null => {
      const violation = limitViolation(req, limits);
      return violation ? { status: 400, reason: violation } : requestRefusal(req);
    };
    if (opts.upgradeTarget) {
      const target = opts.upgradeTarget;
      this.upgrades = new Upgrades(this.server, {
        target,
        log,
        vet: (req) => {
          checkForwarded(req, req.socket as TrackedSocket);
          return vet(req);
        },
      });
    }

    const onRequest = (req: IncomingMessage, res: TrackedResponse) => {
      const started = access ? process.hrtime.bigint() : 0n;
      const startedMs = access ? Date.now() : 0;
      const socket = req.socket as TrackedSocket;
      checkForwarded(req, socket);
      if (access) {
        // An HTTP/2 connection carries many streams at once: its bytes are counted per response.
        if (req.httpVersionMajor === 2) countBodyBytes(res, socket.remoteAddress);
        else res[WRITTEN_AT_START] = socket.bytesWritten;
      }
      if (timed) res[T0] = performance.now();

      if (refusedEarlier(req, res)) return void (timed && res.once('close', recordRefused));
      const refusal = vet(req);
      if (refusal) {
        if (timed) res.once('close', recordRefused);
        return refuse(req, res, refusal, log);
      }
      if (closeEach || this.stopping) res.shouldKeepAlive = false;
      guardTrailers(req, res, log);
      serve(req, res, socket, started, startedMs, jsonLogs ? requestIdFor(req, res) : undefined);
    };
    this.server.on('request', onRequest);
    if (opts.H2Front) {
      // Streams are handed to the same handler through Node's compatibility API, which mirrors node:http's request and response.
      const h2Request = onRequest as unknown as (req: import('node:http2').Http2ServerRequest, res: import('node:http2').Http2ServerResponse) => void;
      this.h2 = new opts.H2Front({ config, log, maxFields: limits.fields, onRequest: h2Request });
    }

    /**
     * A pipelined request queued behind a slower one has no socket yet, and node:http never closes
     * it when the connection goes first: it would stay "in flight" until `timeout` and hold up a
     * graceful stop. One listener per such connection closes its queued responses.
     */
    const queue = (socket: QueueSocket, res: ServerResponse) => {
      let queued = socket[QUEUED];
      if (!queued) {
        const set = (queued = socket[QUEUED] = new Set());
        socket.once('close', () => {
          for (const r of set) {
            if (r.writableFinished) continue;
            r.destroyed = true;
            r.emit('close');
          }
          set.clear();
        });
      }
      queued.add(res);
      res.once('close', () => queued.delete(res));
    };

    /** One shared 'close' listener (`this` is the response): no closure allocated per request. */
    function onResponseClose(this: TrackedResponse) {
      const res = this;
      const req = res.req;
      deadlines.delete(res);
      const requestId = requestIdOf(res);
      if (access) {
        const socket = res[SOCKET]!;
        const headerBytes = headerBlock(res)?.length ?? 0;
        const h2Bytes = h2BodyBytes(res);
        const bytes = h2Bytes ?? Math.max(0, socket.bytesWritten - (res[WRITTEN_AT_START] ?? 0) - headerBytes);
        access.write(
          { req, res, remote: (h2Bytes === undefined ? socket.remoteAddress : h2Remote(res)) ?? '-', durationNs: process.hrtime.bigint() - res[STARTED]!, bytes, startedMs: res[STARTED_MS]! },
          requestId,
        );
      }
      if (postRequest) withRequestId(requestId, () => runHook(log, 'post_request', () => postRequest(worker, req, res)));
      if (timed) record(res);
      onRequestDone();
    }

    const serve = (req: IncomingMessage, res: TrackedResponse, socket: Socket, started: bigint, startedMs: number, requestId: string | undefined) => {
      deadlines.add(res);
      if (access) {
        res[SOCKET] = socket;
        res[STARTED] = started;
        res[STARTED_MS] = startedMs;
      }
      res.on('close', onResponseClose);
      if (!res.socket) queue(socket as QueueSocket, res);
      if (preRequest) withRequestId(requestId, () => runHook(log, 'pre_request', () => preRequest(worker, req)));
      this.executing = res;
      try {
        const result = listener(req, res) as Promise<unknown> | undefined;
        if (result && typeof result.then === 'function') result.then(undefined, (err) => fail(err, req, res));
      } catch (err) {
        fail(err, req, res);
      }
      this.executing = null;
    };
    // The server never listens: emitting 'listening' starts node:http's connection tracking
    // (closeIdleConnections, headers and request timeouts) for the connections acceptors hand over.
    this.server.emit('listening');
  }

  /** Requests in flight, oldest first. */
  get inflight(): Iterable<ServerResponse> {
    return this.deadlines.inflight.keys();
  }

  /** The requests in flight: the one the app is running synchronously first (if any), then oldest first. */
  running(): RunningRequest[] {
    const now = performance.now();
    const out: RunningRequest[] = [];
    const describe = (res: ServerResponse, started: number) => out.push(runningRequest(res.req, res, now - started));
    const executing = this.executing;
    const at = executing ? this.deadlines.inflight.get(executing) : undefined;
    if (executing && at !== undefined) describe(executing, at);
    for (const [res, started] of this.deadlines.inflight) if (res !== executing) describe(res, started);
    return out;
  }

  get inflightCount(): number {
    return this.deadlines.size;
  }

  /** Take a connection accepted by an acceptor. */
  accept(socket: Socket): void {
    this.server.emit('connection', socket);
  }

  /** Take a connection that speaks HTTP/2 (ALPN h2, or the h2c preface); only with h2 in http_protocols. */
  acceptH2(socket: Socket): void {
    if (this.h2) this.h2.accept(socket);
    else socket.destroy();
  }

  /**
   * Stop keeping connections alive: in-flight and later responses carry Connection: close. On
   * shutdown idle connections close at once (after SHUTDOWN_READ_GRACE_MS); when a worker is replaced (recycling, reload) they are
   * left to the keep-alive timeout, so a client sending on one just then is still answered.
   */
  drain(closeIdleNow: boolean): void {
    this.stopping = true;
    this.opts.log.debug(`Draining: ${this.inflightCount} request(s) in flight${closeIdleNow ? '; closing idle keep-alive connections' : ''}`);
    for (const res of this.deadlines.inflight.keys()) if (!res.headersSent) res.shouldKeepAlive = false;
    // A connection whose request is still unread in its socket buffer looks idle to node:http:
    // close idle ones a moment later, after a poll of the sockets has read what is pending.
    if (closeIdleNow) setTimeout(() => setImmediate(() => this.server.closeIdleConnections()), SHUTDOWN_READ_GRACE_MS).unref();
    this.upgrades?.goingAway();
    this.h2?.drain();
  }

  /** Upgraded connections (WebSockets) still open. */
  get upgradedCount(): number {
    return this.upgrades?.size ?? 0;
  }
}
