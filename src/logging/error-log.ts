/**
 * The error log, in Gunicorn's format: `[2026-11-23 12:00:00 +0000] [pid] [INFO] message`,
 * or one JSON object per line with log_format=json.
 */
import type { Destination } from './destination.js';
import { openSyncDestination } from './sync-destination.js';
import { currentRequestId } from './request-id.js';

export const LEVELS = { debug: 10, info: 20, warning: 30, error: 40, critical: 50 } as const;
export type Level = keyof typeof LEVELS;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Local time with its UTC offset, as Python's %Y-%m-%d %H:%M:%S %z. */
export function errorLogTime(d = new Date()): string {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const abs = Math.abs(off);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

export interface ErrorLogOptions {
  target: string;
  level: Level;
  format: 'text' | 'json';
}

/** The lines Gunicorn's statsd logger counts (gunicorn.log.*). */
export type CountedKind = 'critical' | 'error' | 'warning' | 'exception';

export class ErrorLog {
  /** statsd: told of each warning, error, critical and exception line, logged or below loglevel (as Gunicorn counts). */
  onCount: ((kind: CountedKind) => void) | null = null;
  private dest: Destination;
  private threshold: number;
  private json: boolean;

  constructor(opts: ErrorLogOptions) {
    this.dest = openSyncDestination(opts.target);
    this.threshold = LEVELS[opts.level];
    this.json = opts.format === 'json';
  }

  enabled(level: Level): boolean {
    return LEVELS[level] >= this.threshold;
  }

  log(level: Level, msg: string, fields?: Record<string, unknown>): void {
    if (this.onCount && LEVELS[level] >= LEVELS.warning) this.onCount(level as CountedKind);
    this.write(level, msg, fields);
  }

  private write(level: Level, msg: string, fields?: Record<string, unknown>): void {
    if (LEVELS[level] < this.threshold) return;
    if (this.json) {
      const requestId = currentRequestId();
      const line = { time: new Date().toISOString(), pid: process.pid, level, msg, ...(requestId ? { request_id: requestId } : {}), ...fields };
      this.dest.write(`${JSON.stringify(line)}\n`);
    } else {
      this.dest.write(`[${errorLogTime()}] [${process.pid}] [${level.toUpperCase()}] ${msg}\n`);
    }
  }

  debug = (msg: string) => this.log('debug', msg);
  info = (msg: string) => this.log('info', msg);
  warning = (msg: string) => this.log('warning', msg);
  error = (msg: string) => this.log('error', msg);
  critical = (msg: string) => this.log('critical', msg);

  /** An error with its stack (text: the stack on the following lines, as Python logs a traceback). */
  exception(msg: string, err: unknown, level: Level = 'error'): void {
    this.onCount?.('exception');
    const stack = err instanceof Error ? (err.stack ?? String(err)) : String(err);
    if (this.json) this.write(level, msg, { stack });
    else this.write(level, `${msg}\n${stack}`);
  }

  reopen(): void {
    this.dest.reopen();
  }

  flush(): void {
    this.dest.flush();
  }
}
