/**
 * What the status page shows of the past: the last worker restarts with their reasons, and the
 * stack of the last worker killed for being blocked. Written on exits and timeouts only, never per
 * request; `version` moves on each change, so the page is sent them again only then.
 */
import type { WorkerKind } from '../arbiter/supervised.js';
import type { RestartReason } from './book.js';

export interface Restart {
  at: number;
  pid: number;
  kind: WorkerKind;
  reason: RestartReason;
  /** "code 1", "SIGKILL". */
  exit: string;
}

export interface BlockedWorker {
  at: number;
  pid: number;
  kind: WorkerKind;
  /** Seconds it was silent for (the timeout). */
  timeout: number;
  /** What it was running, as the WORKER TIMEOUT line says it ("running GET /slow for 16.0s"). */
  running: string;
  stack: string | null;
}

const KEEP = 30;

export class Journal {
  readonly restarts: Restart[] = [];
  blocked: BlockedWorker | null = null;
  version = 0;

  restarted(r: Restart): void {
    this.restarts.unshift(r);
    if (this.restarts.length > KEEP) this.restarts.length = KEEP;
    this.version++;
  }

  block(b: BlockedWorker): void {
    this.blocked = b;
    this.version++;
  }
}
