/** Python apps, issue point 3: 100k mutated requests (TUNICORN_FUZZ_REQUESTS) against a WSGI echo app (gevent, 2 Python workers), bounded at 10 minutes. TUNICORN_FUZZ_SEED replays a run. */
import { test } from 'node:test';
import { pythonHas } from '../helpers/python.js';
import { pythonFuzzRun } from './python-lib.js';

const total = Number(process.env.TUNICORN_FUZZ_REQUESTS ?? 100_000);

test(`Python fuzz: ${total} mutated requests to a WSGI echo app, no 5xx, no crash, no leaked connections or fds`, { timeout: 15 * 60_000 }, async (t) => {
  if (pythonHas('gevent')) return void t.skip(pythonHas('gevent')!);
  await pythonFuzzRun({ label: 'python fuzz.long', total, concurrency: 64, maxSeconds: 600 });
});
