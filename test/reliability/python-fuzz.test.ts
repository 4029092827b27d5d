/** Python apps, issue point 3 (fuzzing), short form (npm test): 3000 mutated requests against a WSGI echo app. python-fuzz.long.ts sends 100k. TUNICORN_FUZZ_SEED replays a run. */
import { test } from 'node:test';
import { pythonHas } from '../helpers/python.js';
import { pythonFuzzRun } from './python-lib.js';

test('Python fuzz: 3000 mutated requests to a WSGI echo app, no 5xx, no crash, no leaked connections or fds', { timeout: 90_000 }, async (t) => {
  if (pythonHas('gevent')) return void t.skip(pythonHas('gevent')!);
  await pythonFuzzRun({ label: 'python fuzz', total: 3000, concurrency: 32, maxSeconds: 40 });
});
