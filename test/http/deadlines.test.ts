/** Per-request timeouts on one interval (src/http/deadlines.ts), with real timers. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Deadlines } from '../../src/http/deadlines.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('deadlines: items expire oldest first, never before their timeout; finished ones never', async () => {
  const started = new Map<string, number>();
  const expired: Array<[string, number]> = [];
  const d = new Deadlines<string>(300, (item) => expired.push([item, performance.now() - started.get(item)!]));
  const add = (item: string) => (started.set(item, performance.now()), d.add(item));
  try {
    add('a');
    add('done');
    await sleep(100);
    add('b');
    d.delete('done');
    assert.equal(d.size, 2);
    while (expired.length < 2) await sleep(50);
    assert.deepEqual(
      expired.map(([item]) => item),
      ['a', 'b'],
    );
    for (const [item, ms] of expired) assert.ok(ms >= 300, `${item} expired after ${ms} ms`);
    assert.equal(d.size, 0);
  } finally {
    d.stop();
  }
});

test('deadlines: timeout 0 keeps start times (for the WORKER TIMEOUT line) and expires nothing', async () => {
  const expired: string[] = [];
  const d = new Deadlines<string>(0, (item) => expired.push(item));
  d.add('x');
  await sleep(100);
  assert.deepEqual(expired, []);
  assert.ok(performance.now() - d.inflight.get('x')! >= 90);
  d.stop();
});
