/** The master's workers by pid, and the views of them its decisions read (Gunicorn's WORKERS dict). */
import type { Supervised, WorkerKind } from './supervised.js';

const byAge = (a: Supervised, b: Supervised) => a.age - b.age;

export class WorkerTable {
  private readonly byPid = new Map<number, Supervised>();

  get size(): number {
    return this.byPid.size;
  }

  add(w: Supervised): void {
    this.byPid.set(w.pid, w);
  }

  delete(w: Supervised): void {
    this.byPid.delete(w.pid);
  }

  get(pid: number): Supervised | undefined {
    return this.byPid.get(pid);
  }

  all(): Supervised[] {
    return [...this.byPid.values()];
  }

  of(kind: WorkerKind): Supervised[] {
    return this.all().filter((w) => w.kind === kind);
  }

  has(kind: WorkerKind): boolean {
    for (const w of this.byPid.values()) if (w.kind === kind) return true;
    return false;
  }

  /** Booting or ready: what counts towards a pool's size. */
  active(kind: WorkerKind): Supervised[] {
    return this.all().filter((w) => w.kind === kind && w.active);
  }

  /** Ready (serving, not retiring), oldest first; of every kind without one. */
  ready(kind?: WorkerKind): Supervised[] {
    return this.all()
      .filter((w) => (kind === undefined || w.kind === kind) && w.state === 'ready')
      .sort(byAge);
  }

  /** Retiring (waiting for a replacement), oldest first. */
  retiring(kind: WorkerKind): Supervised[] {
    return this.all()
      .filter((w) => w.kind === kind && w.state === 'retiring')
      .sort(byAge);
  }

  anyBooting(): boolean {
    return this.all().some((w) => w.state === 'booting');
  }
}
