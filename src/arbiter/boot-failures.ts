/**
 * Workers that fail to boot: every worker loads the same app and meets the same error, so the
 * master prints each distinct error once, with the number of workers it stopped, before
 * "Worker failed to boot." ends the run. The workers themselves print nothing.
 */
import type { ErrorLog } from '../logging/error-log.js';

export interface BootError {
  message: string;
  /** The thrown error as Node prints it (stack, cause), for an exception; absent for a user's mistake. */
  stack?: string;
}

export class BootFailures {
  private reports = new Map<number, BootError>();
  private failed: number[] = [];
  private printed = false;

  /** A worker's 'boot_error' (it arrives before the worker's exit). */
  report(pid: number, err: BootError): void {
    this.reports.set(pid, err);
  }

  /** A booting worker exited with the boot error code. */
  fail(pid: number): void {
    this.failed.push(pid);
  }

  get failing(): boolean {
    return this.failed.length > 0;
  }

  /** Log each distinct error once (the first worker's stack stands for the rest); only the first call prints. */
  print(log: ErrorLog): void {
    if (this.printed) return;
    this.printed = true;
    const groups = new Map<string, { err: BootError; count: number }>();
    for (const pid of this.failed) {
      const err = this.reports.get(pid);
      if (!err) continue; // it died before reporting: whatever it printed is all there is
      const group = groups.get(err.message) ?? { err, count: 0 };
      group.count++;
      groups.set(err.message, group);
    }
    for (const { err, count } of groups.values()) {
      const how = `${count} worker${count === 1 ? '' : 's'} failed to boot`;
      if (err.stack) log.exception(`Exception in worker process (${how}):`, err.stack);
      else log.error(`Could not load the app (${how}): ${err.message}`);
    }
  }
}
