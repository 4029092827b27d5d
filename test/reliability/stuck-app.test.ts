/** Issue 4, point 4: a request blocks one worker's event loop; the others keep serving everything. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleep, startServer } from '../helpers/cli.js';
import { load } from '../helpers/load.js';

test('a stuck worker is killed after timeout with its stack logged; other requests keep a 100% success rate', async () => {
  const { t, url } = await startServer(['--timeout', '3', 'blocking.mjs'], { workers: 2 });
  const stuck = fetch(`${url}/stuck?q=1`, { headers: { 'x-request-id': 'stuck-1' }, signal: AbortSignal.timeout(10_000) }).then(
    () => 'answered',
    () => 'cut',
  );
  await sleep(300);
  // New connections only: a blocked worker cannot accept, so they all go to the live one.
  const r = await load(`${url}/pid`, { seconds: 5, connections: 10, headers: { connection: 'close' } });
  console.log(`stuck worker: ${r.requests} other requests during the stall, ${r.errors} errors, ${r.non2xx} non-2xx`);
  assert.equal(await stuck, 'cut');
  // The line names the request that held the worker (Gunicorn #1243), read from the paused worker.
  await t.waitFor(/\[CRITICAL\] WORKER TIMEOUT \(pid:\d+\) running GET \/stuck\?q=1 for \d+\.\ds \(request id stuck-1\)\n/);
  await t.waitFor(/was blocked for over 3s here:\n\s+at spinForever \(file:\/\/[^)]*blocking\.mjs:3:\d+\)/);
  assert.ok(r.requests > 100);
  assert.deepEqual({ errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx }, { errors: 0, timeouts: 0, non2xx: 0 });
  assert.equal((await t.stop()).code, 0);
});
