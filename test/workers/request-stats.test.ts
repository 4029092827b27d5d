/** RequestStats: one count by method and status, one histogram bucket, per request. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DURATION_BUCKETS } from '../../src/status/figures.js';
import { RequestStats } from '../../src/workers/request-stats.js';

test('counts by method and status; unknown methods as OTHER; durations into their bucket', () => {
  const s = new RequestStats();
  s.record('GET', 200, 0.001);
  s.record('GET', 200, 0.005); // on a bound: that bucket (le is inclusive)
  s.record('POST', 500, 0.3);
  s.record('BREW', 400, 120);
  const f = s.figures(2, { headers: 1, body: 0, read: 0, idle: 0 });
  assert.deepEqual(f.requests.sort(), [
    ['GET', 200, 2],
    ['OTHER', 400, 1],
    ['POST', 500, 1],
  ]);
  assert.equal(f.buckets.length, DURATION_BUCKETS.length + 1);
  assert.equal(f.buckets[0], 2);
  assert.equal(f.buckets[DURATION_BUCKETS.indexOf(0.5)], 1);
  assert.equal(f.buckets.at(-1), 1, '+Inf');
  assert.ok(Math.abs(f.sum - 120.306) < 1e-9);
  assert.equal(f.inflight, 2);
  assert.equal(f.shed.headers, 1);
});
