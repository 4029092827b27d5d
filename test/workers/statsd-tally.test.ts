/** A worker's statsd counts between heartbeats. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_DURATIONS, StatsdTally } from '../../src/workers/statsd-tally.js';

test('counts by status, durations in ms to the microsecond, log lines; reset by take()', () => {
  const t = new StatsdTally();
  assert.equal(t.take(), undefined);
  t.record(200, 1.23456);
  t.record(200, 2);
  t.record(404, 0.5);
  t.record(0, 9); // the client left before a status: not a response Gunicorn counts
  t.logged('warning');
  t.logged('exception');
  assert.deepEqual(t.take(), {
    status: [
      [200, 2],
      [404, 1],
    ],
    durations: [1.235, 2, 0.5],
    timed: 3,
    logs: [0, 0, 1, 1],
  });
  assert.equal(t.take(), undefined);
});

test('above MAX_DURATIONS a uniform sample is kept, and the count stays exact', () => {
  const t = new StatsdTally();
  const n = MAX_DURATIONS * 2 + 17;
  for (let i = 0; i < n; i++) t.record(200, i % 100);
  const f = t.take()!;
  assert.equal(f.timed, n);
  assert.equal(f.durations.length, MAX_DURATIONS);
  assert.deepEqual(f.status, [[200, n]]);
});
