/** The WORKER TIMEOUT line's description of what a worker was running (src/workers/running.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeRunning } from '../../src/workers/running.js';

test('names the first request, its id and how long it ran, then how many more were in flight', () => {
  assert.equal(describeRunning(null), '');
  assert.equal(describeRunning([]), ' with no request in flight');
  assert.equal(describeRunning([{ method: 'GET', path: '/slow?x=1', ms: 15234 }]), ' running GET /slow?x=1 for 15.2s');
  assert.equal(
    describeRunning([
      { method: 'POST', path: '/upload', id: 'abc', ms: 16000 },
      { method: 'GET', path: '/', ms: 10 },
      { method: 'GET', path: '/b', ms: 5 },
    ]),
    ' running POST /upload for 16.0s (request id abc); 2 more requests in flight',
  );
  assert.equal(describeRunning([{ method: 'GET', path: '/' + 'a'.repeat(300), ms: 1 }]), ` running GET /${'a'.repeat(199)}... for 0.0s`);
});
