/** What the control socket reads from the master and the levers it pulls (src/arbiter.ts provides them). */
import type { Supervised } from '../arbiter/supervised.js';
import type { Config } from '../config/types.js';
import type { Listener } from '../sockets.js';

/** The master's signals a command stands for: it takes the same path as the signal would. */
export type ControlSignal = 'SIGHUP' | 'SIGUSR1' | 'SIGTERM' | 'SIGINT';

/** Totals since the master started, for `show stats` (Gunicorn's names). */
export class ControlCounts {
  readonly started = Date.now();
  /** Workers started (fronts of a Python app not counted: they are not `workers`). */
  spawned = 0;
  /** Workers the master stopped or killed (scale-down, recycling, reload, timeout, shutdown). */
  killed = 0;
  /** HUPs and `reload` commands. */
  reloads = 0;
}

export interface ControlSource {
  readonly counts: ControlCounts;
  /** A Python app: `workers` are the Python processes, and fronts serve HTTP for them. */
  readonly python: boolean;
  /** TERM, INT or QUIT has arrived: workers are stopping and will not be replaced. */
  shuttingDown(): boolean;
  /** Every worker process alive now, of every kind. */
  workers(): Supervised[];
  /** The number of workers wanted now (TTIN, TTOU and `worker add` move it). */
  numWorkers(): number;
  config(): Config;
  listeners(): Listener[];
  /** Handle `sig` as if the master had received it. */
  signal(sig: ControlSignal): void;
  /** Set the number of workers, as TTIN and TTOU do. */
  setWorkers(n: number): void;
  /** Replace a worker: its replacement starts, then it stops gracefully (as a max_requests recycle). */
  replace(w: Supervised): void;
}
