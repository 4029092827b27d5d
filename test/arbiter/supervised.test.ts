/** A worker's state machine as the master drives it: ready, retire, stop, quit, time out. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import { Supervised } from '../../src/arbiter/supervised.js';
import type { MasterMessage } from '../../src/workers/protocol.js';

/** A stand-in worker: a real child process to signal (so kill() hits nothing else), messages recorded. */
class Fake extends Supervised {
  readonly kind = 'node' as const;
  readonly sent: MasterMessage[] = [];
  connected = true;
  constructor(readonly child: ChildProcess) {
    super(1);
  }
  get pid(): number {
    return this.child.pid!;
  }
  send(msg: MasterMessage): void {
    this.sent.push(msg);
  }
  readBlocked() {
    return Promise.resolve({ stack: null, running: null });
  }
}

function fake(): Fake {
  return new Fake(spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' }));
}

const gone = (w: Fake) => new Promise((r) => (w.child.exitCode !== null || w.child.signalCode !== null ? r(null) : w.child.once('exit', r)));

/** Run `body` with a fresh worker, killed afterwards. */
async function withWorker(body: (w: Fake) => void): Promise<void> {
  const w = fake();
  try {
    body(w);
  } finally {
    w.kill('SIGKILL');
    await gone(w);
  }
}

test('booting, ready, retiring, stopping: active and serving follow the state', () =>
  withWorker((w) => {
    assert.deepEqual([w.state, w.active, w.serving], ['booting', true, false]);
    w.markReady();
    assert.deepEqual([w.state, w.active, w.serving], ['ready', true, true]);
    assert.equal(w.retire('max_requests'), true);
    assert.deepEqual([w.state, w.active, w.serving, w.restartReason], ['retiring', false, true, 'max_requests']);
    assert.equal(w.retire('memory'), false, 'a retiring worker is not retired twice');
    assert.equal(w.expectedExit, false);
    w.stop(30);
    assert.deepEqual([w.state, w.active, w.serving, w.expectedExit], ['stopping', false, false, true]);
    assert.deepEqual(w.sent, [{ type: 'stop' }]);
    w.stop(30);
    assert.equal(w.sent.length, 1, 'a second graceful stop sends nothing');
    assert.equal(w.stopOverdue(Date.now()), false);
    assert.equal(w.stopOverdue(Date.now() + 32_000), true);
  }));

test('a reload called off: the worker serves on and forgets the reload as its reason', () =>
  withWorker((w) => {
    w.markReady();
    w.retire('reload');
    w.unretire();
    assert.deepEqual([w.state, w.restartReason], ['ready', null]);
  }));

test('a stop that comes while it boots is said again once it is ready', () =>
  withWorker((w) => {
    w.stop(30);
    w.markReady();
    assert.deepEqual([w.state, w.sent], ['stopping', [{ type: 'stop' }, { type: 'stop' }]]);
  }));

test('a timed-out worker keeps "timeout" as its reason; SIGKILL ends the stop deadline', async () => {
  const w = fake();
  w.markReady();
  w.timeOut();
  assert.deepEqual([w.timedOut, w.expectedExit, w.restartReason], [true, true, 'timeout']);
  w.retire('max_requests');
  assert.equal(w.restartReason, 'timeout');
  w.quit(5);
  assert.equal(w.state, 'stopping');
  assert.equal(w.stopOverdue(Date.now() + 6000), true);
  w.kill('SIGKILL');
  assert.equal(w.stopOverdue(Date.now() + 6000), false);
  await gone(w);
});
