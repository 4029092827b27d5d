/** The liveness and readiness verdicts, from the master's view of its workers. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { liveness, readiness, type HealthWorker } from '../../src/status/health.js';

const w = (kind: HealthWorker['kind'], state: HealthWorker['state'], beatAt: number | null, timedOut = false): HealthWorker => ({ kind, state, beatAt, timedOut });

test('liveness: one worker that beat within timeout is enough; none, a late one or a timed-out one is not', () => {
  const now = 100_000;
  const live = (ws: HealthWorker[], timeout = 10) => liveness(ws, { python: false, timeout, now }).ok;
  assert.equal(live([w('node', 'ready', now - 500), w('node', 'ready', now - 60_000)]), true);
  assert.equal(live([]), false);
  assert.equal(live([w('node', 'booting', null)]), false, 'no heartbeat yet');
  assert.equal(live([w('node', 'ready', now - 10_001)]), false);
  assert.equal(live([w('node', 'ready', now - 100, true)]), false);
  assert.equal(live([w('node', 'ready', now - 20_000)], 0), true, 'timeout 0: a 30 s window');
  const v = liveness([], { python: false, timeout: 10, now });
  assert.match(v.detail, /no worker sent a heartbeat in the last 10s/);
});

test('liveness of a Python app needs a front and a Python worker', () => {
  const now = 1000;
  assert.equal(liveness([w('front', 'ready', now)], { python: true, timeout: 5, now }).ok, false);
  assert.equal(liveness([w('front', 'ready', now), w('python', 'ready', now)], { python: true, timeout: 5, now }).ok, true);
});

test('readiness: booting, ready, shutting down, and no worker ready after some were', () => {
  const opts = { python: false, shuttingDown: false, everReady: false, timeout: 10, now: 5000 };
  assert.equal(readiness([w('node', 'booting', 1)], opts).status, 'booting');
  assert.equal(readiness([w('node', 'ready', 1), w('node', 'booting', 1)], opts).ok, true);
  assert.equal(readiness([w('node', 'retiring', 1)], opts).ok, true, 'a retiring worker still serves');
  assert.equal(readiness([w('node', 'ready', 1)], { ...opts, shuttingDown: true }).status, 'shutting_down');
  assert.equal(readiness([w('node', 'ready', 1, true)], { ...opts, everReady: true }).status, 'not_ready');
  assert.equal(readiness([w('node', 'stopping', 1)], { ...opts, everReady: true }).ok, false);
  assert.equal(readiness([w('node', 'ready', 1)], { ...opts, everReady: true, now: 20_000 }).status, 'not_ready', 'silent for over timeout');
  assert.equal(readiness([w('front', 'ready', 1)], { ...opts, python: true }).ok, false);
});
