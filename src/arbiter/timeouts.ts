/**
 * Gunicorn's murder_workers: a worker whose heartbeats stop for `timeout` seconds is blocked; the
 * master logs its stack and the requests it runs, then kills it (and starts a replacement once it
 * has gone). A worker still running past its stop deadline is killed too.
 */
import type { Config } from '../config/types.js';
import type { ErrorLog } from '../logging/error-log.js';
import type { Journal } from '../status/journal.js';
import { describeRunning } from '../workers/running.js';
import { askFronts } from './running-requests.js';
import type { Supervised } from './supervised.js';
import type { WorkerTable } from './worker-table.js';

/** Seconds a worker may take to load the app before it counts as blocked, when `timeout` is shorter. */
const BOOT_TIMEOUT_S = 30;

export interface TimeoutsHost {
  workers: WorkerTable;
  log: ErrorLog;
  config(): Config;
  /** The status page's journal of blocked workers, when status_bind is set. */
  journal(): Journal | null;
  /** A Python worker timed out: the fronts stop sending it requests. */
  timedOut(w: Supervised): void;
  /** The worker_abort hook. */
  abort(w: Supervised): void;
}

export class Timeouts {
  constructor(private readonly host: TimeoutsHost) {}

  /** Kill workers whose event loop has been silent for `timeout` seconds, and stragglers past their stop deadline. */
  check(now: number): void {
    const { timeout } = this.host.config();
    for (const w of this.host.workers.all()) {
      if (w.stopOverdue(now)) {
        this.host.log.warning(`Worker (pid:${w.pid}) did not stop within graceful_timeout; killing it`);
        w.kill('SIGKILL');
        continue;
      }
      if (timeout <= 0 || w.timedOut || w.state === 'stopping') continue;
      // A booting worker is loading the app, not holding a request: it gets BOOT_TIMEOUT_S at least
      // (Gunicorn kills it at `timeout`, so a slow import on a busy machine needed a longer request timeout).
      const limit = w.state === 'booting' ? Math.max(timeout, BOOT_TIMEOUT_S) : timeout;
      // A Python worker gets a second more, so the front's 504 reaches the client before the kill.
      if (now - w.lastBeat > limit * 1000 + (w.kind === 'python' ? 1000 : 0)) void this.kill(w);
    }
  }

  private async kill(w: Supervised): Promise<void> {
    const { log, workers } = this.host;
    w.timeOut();
    if (w.kind === 'python') this.host.timedOut(w);
    // The fronts first: reading a Python worker's stack signals it, which ends a blocking C call
    // such as sleep() early, and the request it then finishes would be gone from the fronts' answer.
    const fromFronts = w.kind === 'python' ? await askFronts(workers.of('front'), w.age) : null;
    const { stack, running } = await w.readBlocked();
    const { timeout } = this.host.config();
    const what = describeRunning(running ?? fromFronts);
    log.critical(`WORKER TIMEOUT (pid:${w.pid})${what}`);
    this.host.journal()?.block({ at: Date.now(), pid: w.pid, kind: w.kind, timeout, running: what.trim(), stack });
    if (stack) log.error(`Worker (pid:${w.pid}) was blocked for over ${timeout}s here:\n${stack}`);
    else log.error(`Worker (pid:${w.pid}) was blocked for over ${timeout}s; its stack could not be read.`);
    // A Python worker runs its worker_abort hook on SIGABRT, when its interpreter still can.
    if (w.kind === 'python') {
      w.kill('SIGABRT');
      await new Promise((r) => setTimeout(r, 300));
    }
    this.host.abort(w);
    w.kill('SIGKILL');
    log.info(`Worker (pid:${w.pid}) killed after timeout; starting a replacement`);
  }
}
