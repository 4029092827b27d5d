/** The rebalancing rule: move half the gap from the busiest worker to the least busy, on fresh heartbeats only. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextMove } from '../../src/arbiter/balance.js';
import type { Supervised } from '../../src/arbiter/supervised.js';

const w = (connections: number, lastBeat = 100) => ({ connections, lastBeat }) as Supervised;

test('a 45/5 split moves 20 connections from the busiest to the least busy', () => {
  const [a, b] = [w(45), w(5)];
  assert.deepEqual(nextMove([a, b], 0), { from: a, to: b, count: 20 });
});

test('small or relative gaps are left alone, and so are figures older than the last move', () => {
  assert.equal(nextMove([w(26), w(24)], 0), null);
  assert.equal(nextMove([w(3), w(0)], 0), null);
  assert.equal(nextMove([w(45, 100), w(5, 40)], 50), null);
  assert.equal(nextMove([w(45)], 0), null);
});
