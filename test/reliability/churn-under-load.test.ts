/**
 * Issue 4, point 2: recycling (max_requests 500), HUP, TTIN and TTOU while load runs: zero failed
 * requests. TUNICORN_CHURN_SECONDS sets the length (npm test: 10 s; npm run test:reliability: 60 s).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileTimeout, sleep, startServer } from '../helpers/cli.js';
import { load } from '../helpers/load.js';

const seconds = Number(process.env.TUNICORN_CHURN_SECONDS ?? 10);
fileTimeout(Math.max(120, seconds + 110));

test(`${seconds} s of load with max_requests 500, then HUP, TTIN and TTOU during it: zero failed requests`, async () => {
  const { t, url } = await startServer(['--max-requests', '500', '--max-requests-jitter', '50', 'app.mjs'], { workers: 2 });
  const running = load(url, { seconds, connections: 30 });
  const step = (seconds * 1000) / 5;
  await sleep(step * 2);
  t.signal('SIGHUP');
  await sleep(step);
  t.signal('SIGTTIN');
  await sleep(step);
  t.signal('SIGTTOU');
  const r = await running;
  const restarts = t.count(/Autorestarting worker after current request\./);
  console.log(`churn: ${r.requests} requests in ${seconds} s (${Math.round(r.rps)} req/s), ${restarts} recycles, HUP+TTIN+TTOU, ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx`);
  for (const sig of ['hup', 'ttin', 'ttou']) assert.match(t.output, new RegExp(`Handling signal: ${sig}`));
  assert.ok(restarts > 0);
  assert.deepEqual({ errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx }, { errors: 0, timeouts: 0, non2xx: 0 });
  assert.equal((await t.stop()).code, 0);
});
