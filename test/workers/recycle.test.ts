/** max_requests: workers retire after their quota, the replacement serves first, no request fails. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startServer } from '../helpers/cli.js';
import { loadUntil } from '../helpers/load.js';

test('recycling under load (max_requests 500, jitter 100): zero failed requests, capacity kept', async () => {
  const { t, url } = await startServer(['--max-requests', '500', '--max-requests-jitter', '100', 'app.mjs'], { workers: 2 });
  // Load until at least four workers have recycled (4 s at a time): how many requests a machine
  // serves in 4 s, and so how many recycles fit in them, depends on what else it runs.
  const recycles = () => t.count(/Autorestarting worker after current request\./);
  const r = await loadUntil(url, { seconds: 4, connections: 20 }, () => recycles() >= 4);
  const restarts = recycles();
  console.log(`recycling under load: ${r.requests} requests, ${restarts} restarts, ${r.errors} errors, ${r.non2xx} non-2xx`);
  assert.ok(restarts >= 4, `workers recycled (${restarts})`);
  assert.ok(t.workerPids().length >= 2 + restarts - 1, 'each retiring worker got a replacement');
  assert.deepEqual({ errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx }, { errors: 0, timeouts: 0, non2xx: 0 });
  assert.match(t.output, /asked to be replaced \(max_requests\)/);
  assert.equal((await t.stop()).code, 0);
});

test('recycling with Connection: close traffic: zero failed requests', async () => {
  const { t, url } = await startServer(['--max-requests', '300', 'app.mjs'], { workers: 2 });
  const recycles = () => t.count(/Autorestarting worker/);
  const r = await loadUntil(url, { seconds: 3, connections: 10, headers: { connection: 'close' } }, () => recycles() >= 2);
  assert.ok(recycles() >= 2, `workers recycled (${recycles()})`);
  assert.deepEqual({ errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx }, { errors: 0, timeouts: 0, non2xx: 0 });
  assert.equal((await t.stop()).code, 0);
});
