/** Run a server hook: its exceptions and rejections are logged with their stack, never fatal. */
import type { ErrorLog } from '../logging/error-log.js';

export function runHook(log: ErrorLog, name: string, call: () => unknown): void {
  try {
    const r = call() as Promise<unknown> | undefined;
    if (r && typeof r.then === 'function') r.then(undefined, (err) => log.exception(`Exception in ${name} hook`, err));
  } catch (err) {
    log.exception(`Exception in ${name} hook`, err);
  }
}
