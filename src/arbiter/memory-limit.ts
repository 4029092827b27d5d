/**
 * max_worker_memory: a worker whose resident memory stays above the limit for the grace period is
 * replaced as max_requests replaces one (its replacement serves first). The limit is MB, or a
 * percentage of what the server may use: its cgroup's memory limit, else the machine's memory.
 */
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import type { Config } from '../config/types.js';
import type { ErrorLog } from '../logging/error-log.js';
import type { WorkerTable } from './worker-table.js';

/** The memory limit of this process's cgroup (v2, then v1), or null when there is none. */
export function cgroupMemoryLimit(): number | null {
  const candidates = ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes'];
  try {
    const cgroups = readFileSync('/proc/self/cgroup', 'utf8');
    const v1 = /^\d+:memory:(\/.*)$/m.exec(cgroups)?.[1];
    if (v1 && v1 !== '/') candidates.unshift(`/sys/fs/cgroup/memory${v1}/memory.limit_in_bytes`);
    const v2 = /^0::(\/.*)$/m.exec(cgroups)?.[1];
    if (v2 && v2 !== '/') candidates.unshift(`/sys/fs/cgroup${v2}/memory.max`);
  } catch {
    // no /proc/self/cgroup: the candidates above, or the machine's memory
  }
  for (const file of candidates) {
    try {
      const text = readFileSync(file, 'utf8').trim();
      const n = Number(text);
      // "max", or v1's "unlimited" as a huge page-aligned number
      if (Number.isFinite(n) && n > 0 && n < 2 ** 60) return n;
    } catch {
      // not this one
    }
  }
  return null;
}

/** The limit in bytes for a max_worker_memory value (MB, or "N%"), or null when it is off. */
export function limitBytes(setting: number | string, base: () => number = () => cgroupMemoryLimit() ?? totalmem()): number | null {
  if (typeof setting === 'number') return setting > 0 ? setting * 1024 * 1024 : null;
  return Math.floor((base() * Number(setting.slice(0, -1))) / 100);
}

/** Resident memory of a process in bytes, or null if it is gone. */
export function residentBytes(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export const MiB = (bytes: number): string => `${Math.round(bytes / 1024 / 1024)} MiB`;

/** Tracks since when each worker has been over the limit. */
export class MemoryWatch {
  private over = new Map<number, number>();

  /** The pids (among `pids`) that have been over `limit` for `graceMs`, with their resident memory. */
  check(pids: number[], limit: number, graceMs: number, now = Date.now(), rss: (pid: number) => number | null = residentBytes): Array<{ pid: number; rss: number }> {
    const out: Array<{ pid: number; rss: number }> = [];
    const seen = new Set(pids);
    for (const pid of this.over.keys()) if (!seen.has(pid)) this.over.delete(pid);
    for (const pid of pids) {
      const r = rss(pid);
      if (r === null || r <= limit) {
        this.over.delete(pid);
        continue;
      }
      const since = this.over.get(pid) ?? now;
      this.over.set(pid, since);
      if (now - since >= graceMs) {
        this.over.delete(pid);
        out.push({ pid, rss: r });
      }
    }
    return out;
  }
}

/** The master's check, once a second at most: which workers to replace. */
export class MemoryLimit {
  private watch = new MemoryWatch();
  private checkedAt = 0;
  /** What a percentage max_worker_memory is of: the cgroup's limit, else the machine's memory. */
  private base: number | null = null;

  /** Retire (replacement first) ready workers that stay above max_worker_memory for the grace period; `replace` after each. */
  check(now: number, config: Config, workers: WorkerTable, log: ErrorLog, replace: () => void): void {
    const limit = config.max_worker_memory === 0 ? null : limitBytes(config.max_worker_memory, () => (this.base ??= cgroupMemoryLimit() ?? totalmem()));
    if (limit === null || now - this.checkedAt < 1000) return;
    this.checkedAt = now;
    const serving = workers.ready();
    for (const { pid, rss } of this.watch.check(
      serving.map((w) => w.pid),
      limit,
      config.max_worker_memory_grace * 1000,
      now,
    )) {
      // Checked in the same tick as `serving`: still ready, so retire() takes it.
      if (!workers.get(pid)?.retire('memory')) continue;
      log.warning(`Worker (pid:${pid}) uses ${MiB(rss)} of memory, above max_worker_memory ${MiB(limit)} for ${config.max_worker_memory_grace}s: replacing it`);
      replace();
    }
  }
}
