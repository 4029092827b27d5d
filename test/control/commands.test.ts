/** The commands (src/control/commands.ts) against a stand-in master: arguments, replies, levers pulled. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Supervised } from '../../src/arbiter/supervised.js';
import { CommandError, runCommand } from '../../src/control/commands.js';
import { ControlCounts, type ControlSignal, type ControlSource } from '../../src/control/source.js';

function master(n = 2) {
  const pulled: string[] = [];
  const workers = [
    { pid: 101, age: 1, kind: 'node', state: 'ready', lastBeat: Date.now(), startedAt: Date.now(), requests: 5, connections: 1, timedOut: false },
    { pid: 102, age: 2, kind: 'node', state: 'booting', lastBeat: Date.now(), startedAt: Date.now(), requests: 0, connections: 0, timedOut: false },
  ] as unknown as Supervised[];
  let num = n;
  const src: ControlSource & { stopping: boolean } = {
    stopping: false,
    shuttingDown: () => src.stopping,
    counts: new ControlCounts(),
    python: false,
    workers: () => workers,
    numWorkers: () => num,
    config: () => ({}) as never,
    listeners: () => [],
    signal: (sig: ControlSignal) => void pulled.push(sig),
    setWorkers: (k: number) => void pulled.push(`workers=${(num = k)}`),
    replace: (w: Supervised) => void pulled.push(`replace ${w.pid}`),
  };
  return { src, pulled };
}

test('arguments in the command line or in args (gunicornc sends both forms), words in any case', () => {
  const { src, pulled } = master();
  assert.deepEqual(runCommand(src, 'worker add', ['2']).data, { added: 2, previous: 2, total: 4 });
  assert.deepEqual(runCommand(src, 'WORKER Remove 3', []).data, { removed: 3, previous: 4, total: 1 });
  assert.deepEqual(runCommand(src, 'worker remove', []).data, { removed: 0, previous: 1, total: 1 }, 'never below 1, as Gunicorn');
  assert.deepEqual(pulled, ['workers=4', 'workers=1']);
});

test('bad counts, pids and modes are refused with one line; nothing is pulled', () => {
  const { src, pulled } = master();
  for (const [cmd, re] of [
    ['worker add 0', /^Invalid argument: worker add takes a whole number of 1 or more, not "0"$/],
    ['worker add 2000', /more than the most, 1024/],
    ['worker remove -1', /not "-1"/],
    ['worker kill', /^Missing PID for worker kill$/],
    ['worker kill abc', /takes a worker's pid, not "abc"/],
    ['worker', /^Missing worker action \(add\|remove\|kill\)$/],
    ['show', /^Missing show target/],
    ['', /^Empty command$/],
  ] as const) {
    assert.throws(
      () => runCommand(src, cmd, []),
      (e: Error) => e instanceof CommandError && re.test(e.message),
      cmd,
    );
  }
  assert.deepEqual(pulled, []);
});

test('worker kill, show workers, and shutdown acting only after its reply is written', () => {
  const { src, pulled } = master();
  assert.deepEqual(runCommand(src, 'worker kill 102', []).data, { success: true, killed: 102 });
  assert.deepEqual(runCommand(src, 'worker kill 999', []).data, { success: false, error: 'Worker 999 not found' });
  const rows = runCommand(src, 'show workers', []).data.workers as Array<Record<string, unknown>>;
  assert.deepEqual(
    rows.map((w) => [w.pid, w.age, w.booted, w.state, w.requests]),
    [
      [101, 1, true, 'ready', 5],
      [102, 2, false, 'booting', 0],
    ],
  );
  const bye = runCommand(src, 'shutdown quick', []);
  assert.deepEqual(bye.data, { status: 'shutting_down', mode: 'quick' });
  assert.deepEqual(pulled, ['replace 102'], 'not yet signalled');
  bye.after!();
  assert.deepEqual(pulled, ['replace 102', 'SIGINT']);
  runCommand(src, 'reload', []);
  runCommand(src, 'reopen', []);
  assert.deepEqual(pulled.slice(2), ['SIGHUP', 'SIGUSR1']);
});

test('while shutting down: show still answers, changes are refused', () => {
  const { src, pulled } = master();
  src.stopping = true;
  assert.equal((runCommand(src, 'show workers', []).data.workers as unknown[]).length, 2);
  for (const cmd of ['worker add', 'worker remove', 'worker kill 101', 'reload']) {
    assert.throws(() => runCommand(src, cmd, []), /: The server is shutting down$/, cmd);
  }
  assert.deepEqual(pulled, []);
});
