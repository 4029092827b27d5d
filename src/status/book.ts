/**
 * The master's running totals of every worker's figures. Workers report cumulative counts; the
 * book adds each report's increase over the same worker's previous one, so the totals keep what
 * recycled, killed or crashed workers served and never go backwards.
 */
import { DURATION_BUCKETS, type ShedKind, type WorkerFigures } from './figures.js';

/** Why a worker was replaced. */
export type RestartReason = 'max_requests' | 'timeout' | 'crash' | 'memory' | 'reload';
export const RESTART_REASONS: readonly RestartReason[] = ['max_requests', 'timeout', 'crash', 'memory', 'reload'];
const SHED_KINDS: readonly ShedKind[] = ['headers', 'body', 'read', 'idle'];

interface Seen {
  requests: Map<string, number>;
  buckets: number[];
  sum: number;
  shed: Record<ShedKind, number>;
}

const key = (method: string, status: number) => `${method} ${status}`;

export class StatsBook {
  /** "METHOD STATUS" -> count. */
  readonly requests = new Map<string, number>();
  readonly buckets: number[] = new Array(DURATION_BUCKETS.length + 1).fill(0);
  sum = 0;
  readonly shed: Record<ShedKind, number> = { headers: 0, body: 0, read: 0, idle: 0 };
  readonly restarts = new Map<RestartReason, number>(RESTART_REASONS.map((r) => [r, 0]));
  /** The last report of each worker (by its unique age number), current or recently gone. */
  private seen = new Map<number, Seen>();
  /** In-flight requests of each live worker, as last reported. */
  readonly inflight = new Map<number, number>();
  private dead = new Set<number>();

  /** A worker's heartbeat figures. */
  report(id: number, f: WorkerFigures): void {
    let prev = this.seen.get(id);
    if (!prev) this.seen.set(id, (prev = { requests: new Map(), buckets: new Array(this.buckets.length).fill(0), sum: 0, shed: { headers: 0, body: 0, read: 0, idle: 0 } }));
    for (const [method, status, n] of f.requests) {
      const k = key(method, status);
      const d = n - (prev.requests.get(k) ?? 0);
      if (d > 0) {
        this.requests.set(k, (this.requests.get(k) ?? 0) + d);
        prev.requests.set(k, n);
      }
    }
    for (let i = 0; i < this.buckets.length; i++) {
      const d = (f.buckets[i] ?? 0) - prev.buckets[i]!;
      if (d > 0) {
        this.buckets[i]! += d;
        prev.buckets[i] = f.buckets[i]!;
      }
    }
    if (f.sum > prev.sum) {
      this.sum += f.sum - prev.sum;
      prev.sum = f.sum;
    }
    for (const k of SHED_KINDS) {
      const d = (f.shed[k] ?? 0) - prev.shed[k];
      if (d > 0) {
        this.shed[k] += d;
        prev.shed[k] = f.shed[k];
      }
    }
    if (!this.dead.has(id)) this.inflight.set(id, f.inflight);
  }

  /** The worker has exited: it has nothing in flight. Its last figures stay in the totals. */
  gone(id: number): void {
    this.dead.add(id);
    this.inflight.delete(id);
  }

  /** Drop what is kept of a worker gone long enough that no late heartbeat can still arrive. */
  forget(id: number): void {
    this.seen.delete(id);
    this.dead.delete(id);
    this.inflight.delete(id);
  }

  restarted(reason: RestartReason): void {
    this.restarts.set(reason, (this.restarts.get(reason) ?? 0) + 1);
  }

  /** Total requests counted. */
  get count(): number {
    let n = 0;
    for (const b of this.buckets) n += b;
    return n;
  }
}
