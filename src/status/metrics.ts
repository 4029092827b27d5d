/**
 * /metrics: a prom-client registry whose metrics are filled at scrape time from the master's
 * totals (StatsBook) and its view of the live workers, so workers do no Prometheus work at all.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { residentBytes } from '../arbiter/memory-limit.js';
import type { StatsBook } from './book.js';
import { DURATION_BUCKETS } from './figures.js';
import { listenQueues, socketInode } from './proc.js';
import type { StatusSource } from './source.js';

/**
 * The request-duration histogram, merged from the workers' bucket counts: prom-client's
 * Histogram formats it, but the values come from the book rather than from observe().
 */
const DURATION = { name: 'tunicorn_request_duration_seconds', help: 'Time from the request head to the end of the response, in seconds.' };

class MergedHistogram extends Histogram<string> {
  readonly name = DURATION.name;
  readonly help = DURATION.help;

  constructor(private book: StatsBook) {
    super({ ...DURATION, buckets: [...DURATION_BUCKETS], registers: [] });
  }

  override async get() {
    return this.getForPromString();
  }

  async getForPromString() {
    const values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = [];
    let cumulative = 0;
    DURATION_BUCKETS.forEach((le, i) => {
      cumulative += this.book.buckets[i]!;
      values.push({ metricName: `${this.name}_bucket`, labels: { le }, value: cumulative });
    });
    cumulative += this.book.buckets[DURATION_BUCKETS.length]!;
    values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf' }, value: cumulative });
    values.push({ metricName: `${this.name}_sum`, labels: {}, value: this.book.sum });
    values.push({ metricName: `${this.name}_count`, labels: {}, value: cumulative });
    return { name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' } as unknown as Awaited<ReturnType<Histogram<string>['get']>>;
  }
}

export function metricsRegistry(book: StatsBook, source: StatusSource): Registry {
  const registry = new Registry();
  const registers = [registry];
  const app = () => source.workers().filter((w) => w.kind === (source.python ? 'python' : 'node') && w.serving);

  new Counter({
    name: 'tunicorn_requests_total',
    help: 'Requests answered, by method and status (0: the client left before the response began). Includes workers since replaced.',
    labelNames: ['method', 'status'],
    registers,
    collect() {
      this.reset();
      for (const [k, n] of book.requests) {
        const [method, status] = k.split(' ');
        this.inc({ method, status }, n);
      }
    },
  });
  registry.registerMetric(new MergedHistogram(book));
  new Gauge({
    name: 'tunicorn_requests_in_flight',
    help: "Requests being served now, as of the workers' last heartbeats.",
    registers,
    collect() {
      let n = 0;
      for (const v of book.inflight.values()) n += v;
      this.set(n);
    },
  });
  new Gauge({
    name: 'tunicorn_open_connections',
    help: 'Client connections open in the workers (fronts, for a Python app).',
    registers,
    collect() {
      let n = 0;
      for (const w of source.workers()) if (w.kind !== 'python') n += w.connections;
      this.set(n);
    },
  });
  new Gauge({
    name: 'tunicorn_workers',
    help: 'Serving workers by state: busy (at least one request in flight) or idle.',
    labelNames: ['state'],
    registers,
    collect() {
      let busy = 0;
      let idle = 0;
      // A Python worker reports its active requests as connections; a Node worker its in-flight count.
      for (const w of app()) {
        if ((source.python ? w.connections : (book.inflight.get(w.age) ?? 0)) > 0) busy++;
        else idle++;
      }
      this.set({ state: 'busy' }, busy);
      this.set({ state: 'idle' }, idle);
    },
  });
  new Counter({
    name: 'tunicorn_worker_restarts_total',
    help: 'Workers replaced, by reason: max_requests, timeout, crash, memory (max_worker_memory), reload (HUP).',
    labelNames: ['reason'],
    registers,
    collect() {
      this.reset();
      for (const [reason, n] of book.restarts) this.inc({ reason }, n);
    },
  });
  new Gauge({
    name: 'tunicorn_worker_heartbeat_age_seconds',
    help: "Seconds since each worker's last heartbeat; past `timeout` the worker is killed.",
    labelNames: ['pid', 'kind'],
    registers,
    collect() {
      this.reset();
      const now = Date.now();
      for (const w of source.workers()) this.set({ pid: w.pid, kind: w.kind }, (now - w.lastBeat) / 1000);
    },
  });
  new Gauge({
    name: 'tunicorn_worker_resident_memory_bytes',
    help: 'Resident memory of each worker process (VmRSS).',
    labelNames: ['pid', 'kind'],
    registers,
    collect() {
      this.reset();
      for (const w of source.workers()) {
        const rss = residentBytes(w.pid);
        if (rss !== null) this.set({ pid: w.pid, kind: w.kind }, rss);
      }
    },
  });
  new Gauge({
    name: 'tunicorn_listen_backlog',
    help: "Connections waiting in the kernel's accept queue of each TCP bind: accepted by the kernel, not yet by a worker.",
    labelNames: ['bind'],
    registers,
    collect() {
      this.reset();
      const all = listenQueues();
      for (const l of source.listeners()) {
        const inode = l.fd === null ? null : socketInode(l.fd);
        const queued = inode ? all.get(inode) : undefined;
        if (queued !== undefined) this.set({ bind: l.name }, queued);
      }
    },
  });
  new Counter({
    name: 'tunicorn_connections_shed_total',
    help: 'Connections closed at worker_connections to make room, by kind: slow headers, slow body, slow read, idle keep-alive.',
    labelNames: ['kind'],
    registers,
    collect() {
      this.reset();
      for (const [kind, n] of Object.entries(book.shed)) this.inc({ kind }, n);
    },
  });
  return registry;
}
