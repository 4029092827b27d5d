/**
 * The Python workers the fronts may send requests to: serving ones whose heartbeats are on time.
 * One whose heartbeats are late is blocked (a CPU loop, a call gevent does not patch, a sync
 * worker inside a long request): fronts stop sending it requests until it beats again, rather
 * than until `timeout` kills it.
 */
import type { Config } from '../config/types.js';
import { capacityOf, PythonProcess } from './python-worker.js';
import type { Supervised } from './supervised.js';
import type { WorkerTable } from './worker-table.js';

export interface Upstream {
  id: number;
  socket: string;
  capacity: number;
  pid: number;
}

export class Upstreams {
  /** Python workers left out of the fronts' list for late heartbeats (pids). */
  private stalled = new Set<number>();

  constructor(
    private readonly workers: WorkerTable,
    private readonly config: () => Config,
  ) {}

  private late(w: Supervised, now: number): boolean {
    const timeout = this.config().timeout;
    const interval = timeout > 0 ? Math.min(1, timeout / 4) : 1;
    return now - w.lastBeat > 3 * interval * 1000;
  }

  /** The list the fronts get; it also notes which workers it left out for being late. */
  list(): Upstream[] {
    const out = [];
    const now = Date.now();
    this.stalled.clear();
    for (const w of this.workers.all()) {
      if (!(w instanceof PythonProcess) || w.timedOut || !w.serving) continue;
      if (this.late(w, now)) this.stalled.add(w.pid);
      else out.push({ id: w.age, socket: w.boot.socket, capacity: capacityOf(this.config(), w.boot.workerClass), pid: w.pid });
    }
    return out;
  }

  /** Send every front the list (after a Python worker started, stopped, stalled or recovered). */
  announce(): void {
    const workers = this.list();
    for (const w of this.workers.of('front')) w.send({ type: 'upstreams', workers });
  }

  /** A heartbeat came: a worker left out for being late goes back on the list. */
  beat(w: Supervised): void {
    if (this.stalled.has(w.pid)) this.announce();
  }

  /** The master's tick: a serving Python worker newly late comes off the list. */
  check(now: number): void {
    for (const w of this.workers.of('python')) {
      if (w.serving && !this.stalled.has(w.pid) && this.late(w, now)) return this.announce();
    }
  }
}
