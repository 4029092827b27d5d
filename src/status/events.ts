/**
 * GET /events: the status page's live feed (server-sent events). A timer samples the master's
 * figures once a second, only while a page is open: with no client there is no timer, no /proc
 * read, nothing. Each tick sends the worker table and one chart point; the restarts, the blocked
 * worker's stack and the config are sent again only when they change.
 */
import type http from 'node:http';
import { residentBytes } from '../arbiter/memory-limit.js';
import type { Supervised } from '../arbiter/supervised.js';
import type { Config } from '../config/types.js';
import { VERSION } from '../version.js';
import type { StatsBook } from './book.js';
import { configView } from './config-view.js';
import type { Journal } from './journal.js';
import { delta, quantile } from './percentiles.js';
import { CpuMeter } from './proc-stat.js';
import { listenQueues, socketInode } from './proc.js';
import type { StatusSource } from './source.js';

const TICK_MS = 1000;
/** Chart points kept: five minutes. */
const HISTORY = 300;
/** Percentiles are taken over this many ticks, so a quiet second does not blank the chart. */
const LATENCY_WINDOW = 5;
/** Pages open at once: each costs the master a little work a second, so there is a ceiling. */
export const MAX_CLIENTS = 32;
/** A client this far behind (a stalled connection) is dropped rather than buffered for. */
const MAX_BUFFERED = 1 << 20;

export interface Point {
  /** Seconds since the epoch. */
  t: number;
  rps: number;
  /** 5xx answers a second. */
  errors: number;
  /** Milliseconds, null without requests in the window. */
  p50: number | null;
  p90: number | null;
  p99: number | null;
  inflight: number;
}

export interface WorkerRow {
  pid: number;
  kind: Supervised['kind'];
  state: Supervised['state'];
  /** Seconds since it was started. */
  age: number;
  requests: number;
  inflight: number;
  connections: number;
  rss: number | null;
  /** Percent of one core over the last second. */
  cpu: number | null;
  /** Seconds since its last heartbeat. */
  beat: number;
  timedOut: boolean;
}

export class LiveFeed {
  private clients = new Set<http.ServerResponse>();
  private timer: NodeJS.Timeout | null = null;
  private history: Point[] = [];
  private cpu = new CpuMeter();
  private last: { at: number; count: number; errors: number; buckets: number[][] } | null = null;
  private sentVersion = -1;
  private sentConfig: Config | null = null;
  private readonly started = Date.now();

  constructor(
    private book: StatsBook,
    private journal: Journal,
    private source: StatusSource,
    /** The readiness verdict's status word ("ready", "booting", "shutting_down"...). */
    private readiness: () => string,
  ) {}

  get listening(): number {
    return this.clients.size;
  }

  attach(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no', Connection: 'keep-alive' });
    if (req.method === 'HEAD') return void res.end();
    req.socket.setNoDelay(true);
    this.clients.add(res);
    res.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.stop();
    });
    res.write('retry: 2000\n\n');
    const now = Date.now();
    if (!this.timer) {
      this.last = null;
      this.last = this.counters(now);
      this.timer = setInterval(() => this.tick(), TICK_MS);
    }
    this.event(res, 'hello', {
      master: { pid: process.pid, version: VERSION, app: this.source.app(), started: this.started },
      history: this.history,
      workers: this.rows(now),
      listeners: this.listeners(),
      journal: this.journal,
      config: configView(this.source.config()),
      readiness: this.readiness(),
      restarts: this.restartCount(),
    });
  }

  close(): void {
    for (const res of this.clients) res.destroy();
    this.clients.clear();
    this.stop();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    const now = Date.now();
    const point = this.point(now);
    this.history.push(point);
    if (this.history.length > HISTORY) this.history.splice(0, this.history.length - HISTORY);
    const data: Record<string, unknown> = { point, workers: this.rows(now), listeners: this.listeners(), readiness: this.readiness(), master: this.masterFigures(now), restarts: this.restartCount() };
    if (this.journal.version !== this.sentVersion) {
      this.sentVersion = this.journal.version;
      data.journal = this.journal;
    }
    const config = this.source.config();
    if (config !== this.sentConfig) {
      if (this.sentConfig) data.config = configView(config);
      this.sentConfig = config;
    }
    for (const res of this.clients) this.event(res, 'tick', data);
  }

  private event(res: http.ServerResponse, name: string, data: unknown): void {
    if (res.writableLength > MAX_BUFFERED) return void res.destroy();
    res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** The book's running totals now. */
  private counters(at: number): NonNullable<LiveFeed['last']> {
    let errors = 0;
    for (const [k, n] of this.book.requests) if (Number(k.slice(k.indexOf(' ') + 1)) >= 500) errors += n;
    const prev = this.last?.buckets ?? [];
    return { at, count: this.book.count, errors, buckets: [...prev, [...this.book.buckets]].slice(-(LATENCY_WINDOW + 1)) };
  }

  private point(now: number): Point {
    const before = this.last!;
    const after = (this.last = this.counters(now));
    const secs = Math.max(0.001, (now - before.at) / 1000);
    const window = delta(after.buckets[after.buckets.length - 1]!, after.buckets[0]!);
    const ms = (q: number) => {
      const s = quantile(q, window);
      return s === null ? null : Math.round(s * 100_000) / 100;
    };
    let inflight = 0;
    for (const n of this.book.inflight.values()) inflight += n;
    return {
      t: Math.round(now / 100) / 10,
      rps: Math.round(((after.count - before.count) / secs) * 10) / 10,
      errors: Math.round(((after.errors - before.errors) / secs) * 10) / 10,
      p50: ms(0.5),
      p90: ms(0.9),
      p99: ms(0.99),
      inflight,
    };
  }

  /** Every restart since the master started (the journal keeps only the last few). */
  private restartCount(): number {
    let n = 0;
    for (const v of this.book.restarts.values()) n += v;
    return n;
  }

  private masterFigures(now: number): { rss: number; cpu: number | null } {
    return { rss: process.memoryUsage.rss(), cpu: this.cpu.sample(process.pid, now) };
  }

  private rows(now: number): WorkerRow[] {
    const workers = this.source.workers();
    this.cpu.keep(new Set([process.pid, ...workers.map((w) => w.pid)]));
    // The app's workers first, then the fronts (a Python app's HTTP side), each oldest first.
    return workers
      .sort((a, b) => Number(a.kind === 'front') - Number(b.kind === 'front') || a.age - b.age)
      .map((w) => ({
        pid: w.pid,
        kind: w.kind,
        state: w.state,
        age: Math.max(0, Math.round((now - w.startedAt) / 1000)),
        requests: w.requests,
        inflight: this.book.inflight.get(w.age) ?? 0,
        connections: w.connections,
        rss: residentBytes(w.pid),
        cpu: this.cpu.sample(w.pid, now),
        beat: Math.max(0, (now - w.lastBeat) / 1000),
        timedOut: w.timedOut,
      }));
  }

  private listeners(): Array<{ name: string; url: string | undefined; backlog: number | null }> {
    const queues = listenQueues();
    return this.source.listeners().map((l) => {
      const inode = l.fd === null ? null : socketInode(l.fd);
      return { name: l.name, url: l.url, backlog: inode ? (queues.get(inode) ?? null) : null };
    });
  }
}
