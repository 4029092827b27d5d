/** How a worker's exit reads in the error log, as Gunicorn words it. */
import { WORKER_BOOT_ERROR } from '../workers/protocol.js';

export interface ExitInfo {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The master asked it to stop (graceful stop, retirement, timeout kill). */
  expected: boolean;
}

export function exitMessage(e: ExitInfo): { level: 'debug' | 'info' | 'warning' | 'error'; text: string } {
  if (e.signal) {
    if (e.expected) return { level: 'info', text: `Worker (pid:${e.pid}) was stopped with ${e.signal}` };
    return { level: 'error', text: `Worker (pid:${e.pid}) was sent ${e.signal}!${e.signal === 'SIGKILL' ? ' Perhaps out of memory?' : ''}` };
  }
  // A clean exit: the worker itself logged "Worker exiting (pid: N)", as Gunicorn's workers do.
  if (e.code === 0) return { level: 'debug', text: `Worker (pid:${e.pid}) exited` };
  if (e.code === WORKER_BOOT_ERROR) return { level: 'error', text: `Worker (pid:${e.pid}) failed to boot (exit code ${e.code})` };
  return { level: 'error', text: `Worker (pid:${e.pid}) exited with code ${e.code}` };
}
