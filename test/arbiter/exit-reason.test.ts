/** How a worker's exit reads in the error log, as Gunicorn words it (src/arbiter/exit-reason.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exitMessage } from '../../src/arbiter/exit-reason.js';
import { WORKER_BOOT_ERROR } from '../../src/workers/protocol.js';

test('exit lines: asked-for stops are info or debug; signals, boot failures and other codes are errors', () => {
  const e = (code: number | null, signal: NodeJS.Signals | null, expected: boolean) => exitMessage({ pid: 42, code, signal, expected });
  assert.deepEqual(e(null, 'SIGTERM', true), { level: 'info', text: 'Worker (pid:42) was stopped with SIGTERM' });
  assert.deepEqual(e(null, 'SIGKILL', false), { level: 'error', text: 'Worker (pid:42) was sent SIGKILL! Perhaps out of memory?' });
  assert.deepEqual(e(null, 'SIGSEGV', false), { level: 'error', text: 'Worker (pid:42) was sent SIGSEGV!' });
  assert.deepEqual(e(0, null, false), { level: 'debug', text: 'Worker (pid:42) exited' });
  assert.deepEqual(e(WORKER_BOOT_ERROR, null, false), { level: 'error', text: `Worker (pid:42) failed to boot (exit code ${WORKER_BOOT_ERROR})` });
  assert.deepEqual(e(7, null, true), { level: 'error', text: 'Worker (pid:42) exited with code 7' });
});
