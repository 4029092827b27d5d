/**
 * The master's status endpoint (status_bind): GET /metrics, /healthz and /readyz. It runs in the
 * master's event loop, which never serves app requests, so it answers while every worker is busy.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Supervised } from '../arbiter/supervised.js';
import type { ErrorLog } from '../logging/error-log.js';
import { parseBind } from '../sockets.js';
import type { WorkerMessage } from '../workers/protocol.js';
import { checkApp, target } from './app-check.js';
import { StatsBook, type RestartReason } from './book.js';
import { liveness, readiness, type HealthWorker, type Verdict } from './health.js';
import { metricsRegistry } from './metrics.js';
import type { StatusSource } from './source.js';

/** How long the figures of an exited worker are kept, for a heartbeat still in the pipe. */
const FORGET_AFTER_MS = 10_000;

export class StatusService {
  readonly book = new StatsBook();
  private beats = new Map<number, number>();
  private everReady = false;
  private readonly registry;

  private constructor(
    private source: StatusSource,
    private server: http.Server,
  ) {
    this.registry = metricsRegistry(this.book, source);
    server.on('request', (req, res) => void this.answer(req, res));
  }

  /** Listen on `address`; null (with the reason logged) when it cannot. */
  /** `fd`: the socket a USR2 master inherited for the status bind. */
  static async start(address: string, source: StatusSource, log: ErrorLog, fd?: number): Promise<StatusService | null> {
    let spec;
    try {
      spec = parseBind(address);
    } catch (err) {
      log.error(`Invalid status_bind: ${(err as Error).message.replace(/^Invalid bind /, '')}`);
      return null;
    }
    if (spec.kind === 'fd') {
      log.error(`Invalid status_bind "${address}": use HOST:PORT or unix:/PATH (fd:// is for the app's binds).`);
      return null;
    }
    const server = http.createServer();
    server.keepAliveTimeout = 5000;
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        log.error(`Cannot serve status_bind ${address}: ${err.code ?? err.message}; choose another --status-bind address.`);
        resolve(false);
      });
      server.listen(fd !== undefined ? { fd } : spec.kind === 'unix' ? { path: spec.path } : { host: spec.host, port: spec.port }, () => resolve(true));
    });
    if (!ok) return null;
    const where = server.address();
    const url = typeof where === 'string' ? `unix:${where}` : `http://${(where as AddressInfo).family === 'IPv6' ? `[${(where as AddressInfo).address}]` : (where as AddressInfo).address}:${(where as AddressInfo).port}`;
    log.info(`Status at: ${url} (/metrics, /healthz, /readyz) (${process.pid})`);
    server.on('error', (err) => log.warning(`status_bind: ${err.message}`));
    return new StatusService(source, server);
  }

  /** A worker's message (the master's onMessage passes every heartbeat). */
  heartbeat(w: Supervised, msg: Extract<WorkerMessage, { type: 'heartbeat' }>): void {
    this.beats.set(w.age, Date.now());
    if (msg.figures) this.book.report(w.age, msg.figures);
    // Remembered so that losing every worker later reads "not_ready", not "booting".
    if (!this.everReady && readiness(this.health(), { python: this.source.python, shuttingDown: false, everReady: false, timeout: this.source.timeout(), now: Date.now() }).ok) this.everReady = true;
  }

  /** A worker exited; `reason` when it was a restart. */
  exited(w: Supervised, reason: RestartReason | null): void {
    this.beats.delete(w.age);
    this.book.gone(w.age);
    if (reason) this.book.restarted(reason);
    setTimeout(() => {
      this.book.forget(w.age);
      this.beats.delete(w.age); // set again if its last heartbeat came after the exit
    }, FORGET_AFTER_MS).unref();
  }

  /** The listening socket's handle, which USR2 hands to the new master. */
  get handle(): object | null {
    return (this.server as unknown as { _handle?: object | null })._handle ?? null;
  }

  close(): void {
    this.server.close();
    this.server.closeAllConnections();
  }

  private health(): HealthWorker[] {
    return this.source.workers().map((w) => ({ kind: w.kind, state: w.state, timedOut: w.timedOut, beatAt: this.beats.get(w.age) ?? null }));
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'Method Not Allowed: use GET.\n', { Allow: 'GET, HEAD' });
    switch (path) {
      case '/metrics': {
        try {
          send(res, 200, this.registry.contentType, await this.registry.metrics());
        } catch (err) {
          send(res, 500, 'text/plain', `Cannot collect metrics: ${(err as Error).message}\n`);
        }
        return;
      }
      case '/healthz':
        return verdict(res, liveness(this.health(), { python: this.source.python, timeout: this.source.timeout(), now: Date.now() }));
      case '/readyz': {
        let v = readiness(this.health(), { python: this.source.python, shuttingDown: this.source.shuttingDown(), everReady: this.everReady, timeout: this.source.timeout(), now: Date.now() });
        if (v.ok) this.everReady = true;
        const checkPath = this.source.healthCheckPath();
        const l = this.source.firstListener();
        const where = l && target(l);
        if (v.ok && checkPath && where) v = await checkApp(where, checkPath, Math.min(this.source.timeout() || 5, 5) * 1000, this.source.secure);
        return verdict(res, v);
      }
      default:
        return send(res, 404, 'text/plain', 'Not Found: the status endpoint serves /metrics, /healthz and /readyz.\n');
    }
  }
}

function verdict(res: http.ServerResponse, v: Verdict): void {
  send(res, v.ok ? 200 : 503, 'application/json', `${JSON.stringify({ status: v.status, detail: v.detail })}\n`);
}

function send(res: http.ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
