/**
 * Which Python worker serves the next request: the one with the most free capacity (least busy),
 * never one that is full. The requests of one event-loop iteration go to the same worker (up to
 * BATCH of them, while it has room): they reach it in one write and it wakes once for all of them,
 * where spreading them would wake every worker for one or two (a wake-up costs more than a small
 * request). When all are full the request waits here, in a queue bounded in length and in time,
 * then is refused with 503 and Retry-After (counted, logged by the caller).
 */
import type { RunningRequest } from '../workers/running.js';
import { PING_MS, Upstream, type UpstreamInfo } from './upstream.js';

export type Grant = (u: Upstream | null, why?: 'full' | 'timeout') => void;

interface Waiter {
  grant: Grant;
  timer: NodeJS.Timeout;
  done: boolean;
}

/** Requests of one event-loop iteration sent to the same worker before the next least busy one is chosen. */
const BATCH = 64;

export class Dispatcher {
  private upstreams = new Map<number, Upstream>();
  /**
   * Taken off the master's list but still finishing streams (a timed-out worker's among them). A
   * set, not a map by worker: a worker taken out, put back and taken out again has two here.
   */
  private draining = new Set<Upstream>();
  /** The worker this iteration's requests go to, and how many it got. */
  private batchTo: Upstream | null = null;
  private batchN = 0;
  private readonly endBatch = (): void => {
    this.batchTo = null;
  };
  private queue: Waiter[] = [];
  private head = 0;
  /** Requests refused because the queue was full, or waited too long. */
  refused = { full: 0, timeout: 0 };

  private pinger: NodeJS.Timeout | null = null;

  constructor(private opts: { queueLimit: number; queueTimeoutMs: number }) {}

  private pingAll(): void {
    const now = performance.now();
    for (const u of this.upstreams.values()) u.ping(now);
  }

  /** The master's current list of serving Python workers. */
  update(list: UpstreamInfo[]): void {
    const keep = new Set(list.map((u) => u.id));
    for (const u of this.upstreams.values()) {
      if (!keep.has(u.id)) {
        this.upstreams.delete(u.id);
        this.draining.add(u);
        u.drain();
      }
    }
    for (const info of list) {
      if (!this.upstreams.has(info.id))
        this.upstreams.set(
          info.id,
          new Upstream(
            info,
            (u) => this.gone(u),
            () => this.release(),
          ),
        );
    }
    if (!this.pinger) {
      this.pinger = setInterval(() => this.pingAll(), PING_MS);
      this.pinger.unref();
    }
    this.release();
  }

  get waiting(): number {
    return this.queue.length - this.head;
  }

  private pick(): Upstream | null {
    const b = this.batchTo;
    if (b && b.free > 0 && this.batchN < BATCH && !b.quiet(performance.now())) {
      this.batchN++;
      return b;
    }
    const u = this.leastBusy();
    if (u) {
      if (!this.batchTo) setImmediate(this.endBatch);
      this.batchTo = u;
      this.batchN = 1;
    }
    return u;
  }

  /** The worker with the most room, preferring those not silent with requests on them (Upstream.quiet). */
  private leastBusy(): Upstream | null {
    const now = performance.now();
    let best: Upstream | null = null;
    let bestQuiet = true;
    for (const u of this.upstreams.values()) {
      if (u.free <= 0) continue;
      const quiet = u.quiet(now);
      if (!best || (bestQuiet && !quiet) || (quiet === bestQuiet && u.free > best.free)) {
        best = u;
        bestQuiet = quiet;
      }
    }
    return best;
  }

  /** A worker with room for one more request now, or null (then use acquire). */
  take(): Upstream | null {
    return this.waiting > 0 ? null : this.pick();
  }

  /** Call `grant` with a worker now or later; with null if the request cannot be served. */
  acquire(grant: Grant): { cancel(): void } | null {
    const u = this.pick();
    if (u) {
      grant(u);
      return null;
    }
    if (this.waiting >= this.opts.queueLimit) {
      this.refused.full++;
      grant(null, 'full');
      return null;
    }
    const w: Waiter = {
      grant,
      done: false,
      timer: setTimeout(() => {
        if (w.done) return;
        w.done = true;
        this.refused.timeout++;
        grant(null, 'timeout');
      }, this.opts.queueTimeoutMs),
    };
    this.queue.push(w);
    return {
      cancel: () => {
        w.done = true;
        clearTimeout(w.timer);
      },
    };
  }

  /** A stream ended somewhere: hand free capacity to waiting requests, oldest first. */
  release(): void {
    while (this.head < this.queue.length) {
      const w = this.queue[this.head]!;
      if (w.done) {
        this.head++;
        continue;
      }
      const u = this.pick();
      if (!u) break;
      this.head++;
      w.done = true;
      clearTimeout(w.timer);
      w.grant(u);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private gone(u: Upstream): void {
    if (this.upstreams.get(u.id) === u) this.upstreams.delete(u.id);
    this.draining.delete(u);
  }

  /** The requests this front has on Python worker `id`, longest running first. */
  running(id: number): RunningRequest[] {
    // A worker taken out of turn while its loop stalled, put back when a late heartbeat came and
    // taken out again (at its timeout) has its stuck request on an older, draining connection.
    const found = [...(this.upstreams.get(id)?.running() ?? [])];
    for (const u of this.draining) if (u.id === id) found.push(...u.running());
    return found.sort((a, b) => b.ms - a.ms);
  }

  /** Close every connection once its streams end (the front is stopping). */
  closeAll(): void {
    if (this.pinger) clearInterval(this.pinger);
    for (const u of this.upstreams.values()) u.drain();
  }
}
