/** A process's CPU use for the status page: user + system time from /proc/PID/stat, in seconds. */
import { readFileSync } from 'node:fs';

/** Clock ticks a second in /proc/PID/stat (USER_HZ): 100 on every Linux Node runs on. */
const USER_HZ = 100;

/** CPU seconds used so far by `pid`, or null when it is gone (or not Linux). */
export function cpuSeconds(pid: number): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The name (field 2) may hold spaces and parentheses: count fields after its closing one.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / USER_HZ;
  } catch {
    return null;
  }
}

/** CPU use as a share of one core between samples, per pid; samples of gone pids are dropped. */
export class CpuMeter {
  private last = new Map<number, { cpu: number; at: number }>();

  /** Percent of one core since the previous call for `pid` (null on the first). */
  sample(pid: number, now: number, read: (pid: number) => number | null = cpuSeconds): number | null {
    const cpu = read(pid);
    if (cpu === null) return null;
    const prev = this.last.get(pid);
    this.last.set(pid, { cpu, at: now });
    if (!prev || now <= prev.at) return null;
    return (100 * (cpu - prev.cpu)) / ((now - prev.at) / 1000);
  }

  keep(pids: Set<number>): void {
    for (const pid of this.last.keys()) if (!pids.has(pid)) this.last.delete(pid);
  }
}
