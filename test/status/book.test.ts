/** StatsBook: workers' cumulative figures become totals that never go backwards. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StatsBook } from '../../src/status/book.js';
import { DURATION_BUCKETS, type WorkerFigures } from '../../src/status/figures.js';

const figures = (get200: number, inflight = 0, extra: Partial<WorkerFigures> = {}): WorkerFigures => {
  const buckets = new Array(DURATION_BUCKETS.length + 1).fill(0);
  buckets[0] = get200;
  return { requests: [['GET', 200, get200]], buckets, sum: get200 * 0.001, inflight, shed: { headers: 0, body: 0, read: 0, idle: 0 }, ...extra };
};

test("each report adds its increase over the same worker's last one", () => {
  const b = new StatsBook();
  b.report(1, figures(5));
  b.report(2, figures(3));
  b.report(1, figures(8));
  assert.equal(b.requests.get('GET 200'), 11);
  assert.equal(b.count, 11);
  b.report(1, figures(8));
  assert.equal(b.count, 11, 'a repeated report adds nothing');
});

test('a worker that exits keeps its requests in the totals; a new one starts from zero', () => {
  const b = new StatsBook();
  b.report(1, figures(10, 2));
  assert.equal(b.inflight.get(1), 2);
  b.gone(1);
  assert.equal(b.inflight.has(1), false);
  b.report(1, figures(12, 1)); // its last heartbeat, arriving after the exit
  assert.equal(b.count, 12);
  assert.equal(b.inflight.has(1), false, 'a dead worker has nothing in flight');
  b.forget(1);
  b.report(2, figures(1));
  assert.equal(b.count, 13);
  assert.ok(Math.abs(b.sum - 0.013) < 1e-9);
});

test('a count lower than before (out of order) never takes the totals back', () => {
  const b = new StatsBook();
  b.report(1, figures(10));
  b.report(1, figures(7));
  assert.equal(b.count, 10);
  assert.equal(b.requests.get('GET 200'), 10);
});

test('shed connections and restarts add up by kind and reason', () => {
  const b = new StatsBook();
  b.report(1, figures(0, 0, { shed: { headers: 2, body: 0, read: 1, idle: 0 } }));
  b.report(2, figures(0, 0, { shed: { headers: 1, body: 0, read: 0, idle: 4 } }));
  assert.deepEqual(b.shed, { headers: 3, body: 0, read: 1, idle: 4 });
  b.restarted('max_requests');
  b.restarted('max_requests');
  b.restarted('timeout');
  assert.equal(b.restarts.get('max_requests'), 2);
  assert.equal(b.restarts.get('timeout'), 1);
  assert.equal(b.restarts.get('crash'), 0);
});
