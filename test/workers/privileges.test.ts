/**
 * user, group, initgroups and umask: resolved in the master before it binds, taken on by Node
 * workers and Python workers after post_fork. As root: a port below 1024 bound by the master,
 * the app running as nobody. Bad values: one line, a non-zero exit, nothing bound.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, Tunicorn, waitServing } from '../helpers/cli.js';
import { PY_FIXTURES, PYTHON, pythonHas } from '../helpers/python.js';
import { ConfigError } from '../../src/config/errors.js';
import { resolveOwner } from '../../src/workers/privileges.js';

const root = process.getuid!() === 0;
const NOBODY = 65534;

/** The real uid of a process (not /proc/PID's owner, which is root for a process that changed uid). */
const uidOf = (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
async function settledUid(pid: number, want: number, ms = 15_000): Promise<number> {
  const end = Date.now() + ms;
  while (uidOf(pid) !== want && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return uidOf(pid);
}

/** A free port below 1024 (only root may bind one). */
async function lowPort(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const port = 600 + Math.floor(Math.random() * 400);
    const free = await new Promise<boolean>((resolve) => {
      const s = net.createServer().once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port below 1024');
}

test('resolveOwner: names and numbers through the user database; each bad value is a ConfigError that says what to do', () => {
  assert.equal(resolveOwner({ user: null, group: null, initgroups: false }), null);
  assert.deepEqual(resolveOwner({ user: 'nobody', group: null, initgroups: false }, { uid: 0, gid: 0 }), { uid: NOBODY, gid: NOBODY, name: 'nobody', initgroups: false });
  assert.deepEqual(resolveOwner({ user: 'nobody', group: 'nogroup', initgroups: true }, { uid: 0, gid: 0 }), { uid: NOBODY, gid: NOBODY, name: 'nobody', initgroups: true });
  assert.deepEqual(resolveOwner({ user: '4321', group: '4321', initgroups: false }, { uid: 0, gid: 0 }), { uid: 4321, gid: 4321, name: null, initgroups: false });
  assert.deepEqual(resolveOwner({ user: null, group: 'nogroup', initgroups: false }, { uid: 0, gid: 0 }), { uid: 0, gid: NOBODY, name: null, initgroups: false });
  const fails = (s: Parameters<typeof resolveOwner>[0], self: { uid: number; gid: number }, re: RegExp) =>
    assert.throws(
      () => resolveOwner(s, self),
      (e: Error) => e instanceof ConfigError && re.test(e.message),
    );
  fails({ user: 'no-such-user-here', group: null, initgroups: false }, { uid: 0, gid: 0 }, /^user "no-such-user-here" does not exist here .*: create it or fix --user\.$/);
  fails({ user: null, group: 'no-such-group', initgroups: false }, { uid: 0, gid: 0 }, /^group "no-such-group" does not exist here .*fix --group\.$/);
  fails({ user: 'nobody', group: null, initgroups: false }, { uid: 1000, gid: 1000 }, /needs the master to start as root \(it runs as uid 1000\)/);
  fails({ user: '4321', group: null, initgroups: true }, { uid: 0, gid: 0 }, /initgroups needs a user with a name/);
  fails({ user: null, group: null, initgroups: true }, { uid: 0, gid: 0 }, /initgroups needs user/);
  // The user the master already is: nothing to switch, no root needed.
  assert.deepEqual(resolveOwner({ user: '4321', group: '4321', initgroups: false }, { uid: 4321, gid: 4321 }), { uid: 4321, gid: 4321, name: null, initgroups: false });
});

test('a bad user or group: one line, exit 1, nothing bound', async () => {
  for (const [flag, value, re] of [
    ['--user', 'no-such-user-here', /user "no-such-user-here" does not exist here/],
    ['--group', 'no-such-group', /group "no-such-group" does not exist here/],
  ] as const) {
    const r = await runCli(['--bind', '127.0.0.1:0', flag, value, 'app.mjs']);
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, re);
    assert.doesNotMatch(r.output, /Listening at| {4}at /);
    assert.equal(r.output.trim().split('\n').length, 1, r.output);
  }
});

test('as root: the master binds a port below 1024, Node workers run as nobody with only its group; --umask applies to the files tunicorn creates', { skip: !root && 'needs root' }, async () => {
  const port = await lowPort();
  const dir = mkdtempSync(join(tmpdir(), 'tunicorn-owner-'));
  chmodSync(dir, 0o755); // as /var/log is: workers reopen the log there on USR1
  const log = join(dir, 'access.log');
  const t = new Tunicorn(['--bind', `127.0.0.1:${port}`, '--workers', '2', '--user', 'nobody', '--umask', '077', '--access-logfile', log, 'whoami.mjs']);
  await waitServing(`http://127.0.0.1:${port}/`, t);
  const who = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { uid: number; gid: number; groups: number[]; umask: number };
  assert.deepEqual(who, { uid: NOBODY, gid: NOBODY, groups: [NOBODY], umask: 0o077 });
  assert.equal(statSync(log).uid, NOBODY, "the access log belongs to the workers' user");
  assert.equal(statSync(log).mode & 0o777, 0o600, 'created under umask 077');
  t.signal('SIGUSR1');
  await t.waitFor(/Handling signal: usr1/);
  assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 200, 'workers reopened their log as nobody');
  assert.doesNotMatch(t.output, /EACCES|Error/);
  assert.equal((await t.stop()).code, 0);
});

test('as root: Python workers and their fronts run as nobody:nogroup', { skip: (!root && 'needs root') || pythonHas('flask') || false }, async () => {
  const port = await lowPort();
  const t = new Tunicorn(['--bind', `127.0.0.1:${port}`, '--python', PYTHON, '-k', 'gevent', '--workers', '2', '--user', 'nobody', '--group', 'nogroup', 'whoami:app'], { cwd: PY_FIXTURES });
  await waitServing(`http://127.0.0.1:${port}/`, t, 30_000);
  const who = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { uid: number; gid: number; groups: number[] };
  assert.deepEqual(who, { uid: NOBODY, gid: NOBODY, groups: [NOBODY] });
  const fronts = [...t.output.matchAll(/Booting front with pid: (\d+)/g)].map((m) => Number(m[1]));
  // A front switches owner once booted; the other front may have answered before this one booted.
  for (const pid of fronts) assert.equal(await settledUid(pid, NOBODY), NOBODY, `front ${pid} runs as nobody`);
  assert.equal(uidOf(t.pid), 0, 'the master stays root');
  assert.equal((await t.stop()).code, 0);
});
