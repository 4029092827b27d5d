/**
 * A worker process, started by the master with fork() (through entry.ts): loads the app once,
 * accepts on the master's listening sockets, serves HTTP, reports heartbeats, and retires after
 * max_requests (src/workers/worker.ts).
 */
import { countExternalMemoryInHeapLimit } from '../node-internals.js';
import { readBoot } from './boot.js';
import { WORKER_BOOT_ERROR } from './protocol.js';
import { Worker } from './worker.js';

countExternalMemoryInHeapLimit();
Promise.resolve()
  .then(() => new Worker(readBoot()).run())
  .catch((err: unknown) => {
    process.stderr.write(`tunicorn worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(WORKER_BOOT_ERROR);
  });
