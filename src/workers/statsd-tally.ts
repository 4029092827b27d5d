/**
 * What a worker (a Node worker, or a front of a Python app) counts for statsd between two
 * heartbeats: responses by status, each response's duration, and its error-log lines at the levels
 * Gunicorn counts. The heartbeat carries it to the master, which formats and sends the lines, so a
 * request pays one Map increment and one array push, and no socket work.
 */

/** Counts of error-log lines: critical, error, warning, exception. */
export type LogCounts = [number, number, number, number];
export const LOG_KINDS = ['critical', 'error', 'warning', 'exception'] as const;
export type LogKind = (typeof LOG_KINDS)[number];

/** One heartbeat's statsd figures: increments since the previous heartbeat, not totals. */
export interface StatsdFigures {
  /** [status, responses] pairs. */
  status: Array<[number, number]>;
  /** Durations in ms (microsecond precision), a uniform sample when there were more than MAX_DURATIONS. */
  durations: number[];
  /** Responses the durations stand for (more than durations.length when sampled). */
  timed: number;
  logs: LogCounts;
}

/** Durations kept per heartbeat: above it a uniform sample is kept and sent with its sample rate. */
export const MAX_DURATIONS = 10_000;

export class StatsdTally {
  private status = new Map<number, number>();
  private durations: number[] = [];
  private timed = 0;
  private logs: LogCounts = [0, 0, 0, 0];
  private dirty = false;

  /** A response; status 0 (the client left before it began) is not one Gunicorn would count. */
  record(status: number, ms: number): void {
    if (status === 0) return;
    this.dirty = true;
    this.status.set(status, (this.status.get(status) ?? 0) + 1);
    const n = ++this.timed;
    const d = Math.round(ms * 1000) / 1000;
    if (n <= MAX_DURATIONS) this.durations.push(d);
    else {
      // Reservoir sampling (algorithm R): every response has the same chance of being kept.
      const i = Math.floor(Math.random() * n);
      if (i < MAX_DURATIONS) this.durations[i] = d;
    }
  }

  logged(kind: LogKind): void {
    this.dirty = true;
    this.logs[LOG_KINDS.indexOf(kind)]!++;
  }

  /** What was counted since the last call, or undefined when nothing was. */
  take(): StatsdFigures | undefined {
    if (!this.dirty) return undefined;
    const out: StatsdFigures = { status: [...this.status], durations: this.durations, timed: this.timed, logs: this.logs };
    this.status.clear();
    this.durations = [];
    this.timed = 0;
    this.logs = [0, 0, 0, 0];
    this.dirty = false;
    return out;
  }
}
