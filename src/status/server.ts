/**
 * The master's status endpoint (status_bind): GET /metrics, /healthz, /readyz, and the live status
 * page (GET /, its feed /events, its files under /static/). It runs in the master's event loop,
 * which never serves app requests, so it answers while every worker is busy.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Supervised } from '../arbiter/supervised.js';
import type { ErrorLog } from '../logging/error-log.js';
import { parseBind } from '../sockets.js';
import type { WorkerMessage } from '../workers/protocol.js';
import { isLoopback, loadToken, TokenCheck, tokenCookie } from './access.js';
import { checkApp, target } from './app-check.js';
import { StatsBook, type RestartReason } from './book.js';
import { LiveFeed, MAX_CLIENTS } from './events.js';
import { Journal } from './journal.js';
import { isPageFile, sendPageFile } from './page.js';
import { liveness, readiness, type HealthWorker, type Verdict } from './health.js';
import { metricsRegistry } from './metrics.js';
import type { StatusSource } from './source.js';
import { serverHandle } from '../node-internals.js';

/** How long the figures of an exited worker are kept, for a heartbeat still in the pipe. */
const FORGET_AFTER_MS = 10_000;

export class StatusService {
  readonly book = new StatsBook();
  readonly journal = new Journal();
  private feed: LiveFeed | null;
  private beats = new Map<number, number>();
  private everReady = false;
  private readonly registry;

  private constructor(
    private source: StatusSource,
    private server: http.Server,
    /** The status page: null with --no-status-page; `token` null on a loopback bind without one. */
    private page: { token: TokenCheck | null } | null,
  ) {
    this.registry = metricsRegistry(this.book, source);
    this.feed = page && new LiveFeed(this.book, this.journal, source, () => this.readiness().status);
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
    const page = statusPage(address, where, source, log);
    if (page === 'refused') {
      server.close();
      return null;
    }
    const url =
      typeof where === 'string'
        ? `unix:${where}`
        : `http://${(where as AddressInfo).family === 'IPv6' ? `[${(where as AddressInfo).address}]` : (where as AddressInfo).address}:${(where as AddressInfo).port}`;
    const paths = `${page ? `status page at /${page.token ? ' (token required)' : ''}; ` : ''}/metrics, /healthz, /readyz`;
    log.info(`Status at: ${url} (${paths}) (${process.pid})`);
    server.on('error', (err) => log.warning(`status_bind: ${err.message}`));
    return new StatusService(source, server, page);
  }

  /** A worker's message (the master's onMessage passes every heartbeat). */
  heartbeat(w: Supervised, msg: Extract<WorkerMessage, { type: 'heartbeat' }>): void {
    this.beats.set(w.age, Date.now());
    if (msg.figures) this.book.report(w.age, msg.figures);
    // Remembered so that losing every worker later reads "not_ready", not "booting".
    if (!this.everReady && readiness(this.health(), { python: this.source.python, shuttingDown: false, everReady: false, timeout: this.source.timeout(), now: Date.now() }).ok) this.everReady = true;
  }

  /** A worker exited; `reason` when it was a restart. */
  exited(w: Supervised, reason: RestartReason | null, code: number | null = null, signal: NodeJS.Signals | null = null): void {
    this.beats.delete(w.age);
    this.book.gone(w.age);
    if (reason) {
      this.book.restarted(reason);
      this.journal.restarted({ at: Date.now(), pid: w.pid, kind: w.kind, reason, exit: signal ?? `code ${code}` });
    }
    setTimeout(() => {
      this.book.forget(w.age);
      this.beats.delete(w.age); // set again if its last heartbeat came after the exit
    }, FORGET_AFTER_MS).unref();
  }

  /** The listening socket's handle, which USR2 hands to the new master. */
  get handle(): object | null {
    return serverHandle(this.server);
  }

  close(): void {
    this.feed?.close();
    this.server.close();
    this.server.closeAllConnections();
  }

  private health(): HealthWorker[] {
    return this.source.workers().map((w) => ({ kind: w.kind, state: w.state, timedOut: w.timedOut, beatAt: this.beats.get(w.age) ?? null }));
  }

  private readiness(): Verdict {
    return readiness(this.health(), { python: this.source.python, shuttingDown: this.source.shuttingDown(), everReady: this.everReady, timeout: this.source.timeout(), now: Date.now() });
  }

  /** The status page and its feed, behind the token when there is one. */
  private servePage(req: http.IncomingMessage, res: http.ServerResponse, path: string, query: URLSearchParams): void {
    if (!this.page || !this.feed) return send(res, 404, 'text/plain', 'Not Found: the status page is off (--no-status-page); this endpoint serves /metrics, /healthz and /readyz.\n');
    if (path.startsWith('/static/')) return sendPageFile(res, path);
    const token = this.page.token;
    if (token && !token.allows(req, query)) {
      if (path === '/events')
        return send(res, 401, 'text/plain', 'Unauthorized: the status feed needs the status token (open the page with ?token=TOKEN first, or send Authorization: Bearer TOKEN).\n');
      // A wrong token says so; a first visit just asks.
      return sendPageFile(res, '/static/login.html', 401, query.has('token') ? ['<p class="error" hidden>', '<p class="error">'] : undefined);
    }
    // The token leaves the address bar (and history) for a cookie only this page's requests carry.
    if (token && path === '/' && query.has('token')) return send(res, 303, 'text/plain', 'See Other: /\n', { Location: '/', 'Set-Cookie': tokenCookie(query.get('token')!) });
    if (path === '/events') {
      if (this.feed.listening >= MAX_CLIENTS) return send(res, 503, 'text/plain', `Service Unavailable: ${MAX_CLIENTS} status pages are open already; close one.\n`, { 'Retry-After': '10' });
      return this.feed.attach(req, res);
    }
    sendPageFile(res, '/');
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const [path = '/', search = ''] = (req.url ?? '/').split('?');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'Method Not Allowed: use GET.\n', { Allow: 'GET, HEAD' });
    if (path === '/' || path === '/events' || isPageFile(path)) return this.servePage(req, res, path, new URLSearchParams(search));
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
        let v = this.readiness();
        if (v.ok) this.everReady = true;
        const checkPath = this.source.healthCheckPath();
        const l = this.source.firstListener();
        const where = l && target(l);
        if (v.ok && checkPath && where) v = await checkApp(where, checkPath, Math.min(this.source.timeout() || 5, 5) * 1000, this.source.secure);
        return verdict(res, v);
      }
      default:
        return send(res, 404, 'text/plain', `Not Found: the status endpoint serves ${this.page ? '/ (the status page), ' : ''}/metrics, /healthz and /readyz.\n`);
    }
  }
}

/**
 * Whether the status page is served, and behind which token: a bind that is not loopback needs
 * one (the page shows the config and worker stacks), else the master refuses to start.
 */
function statusPage(address: string, where: ReturnType<http.Server['address']>, source: StatusSource, log: ErrorLog): { token: TokenCheck | null } | null | 'refused' {
  const config = source.config();
  if (config.status_page_disable) return null;
  let token: string | null;
  try {
    token = loadToken(config);
  } catch (err) {
    log.error((err as Error).message);
    return 'refused';
  }
  if (!token && !isLoopback(where)) {
    log.error(
      `status_bind ${address} is not loopback, so its status page needs a token: set status_token_file (or status_token), or pass --no-status-page to serve only /metrics, /healthz and /readyz.`,
    );
    return 'refused';
  }
  return { token: token ? new TokenCheck(token) : null };
}

function verdict(res: http.ServerResponse, v: Verdict): void {
  send(res, v.ok ? 200 : 503, 'application/json', `${JSON.stringify({ status: v.status, detail: v.detail })}\n`);
}

function send(res: http.ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
