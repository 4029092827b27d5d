/**
 * The control socket on a real server (a Node app), driven by the real `tunicorn ctl`: every
 * command and its effect, the socket's mode, --no-control-socket, secrets masked, clear errors.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { CLI, NODE, ROOT, startServer } from '../helpers/cli.js';
import { ctl, ctlJson, readyWorkers, until } from '../helpers/ctl.js';
import { encode, FrameReader } from '../../src/control/framing.js';

mkdirSync(join(ROOT, 'test/.tmp'), { recursive: true });
const tmp = (name: string) => mkdtempSync(join(ROOT, `test/.tmp/${name}-`));

/** Write `bytes` on one connection; the replies until the server closes it or `n` have come. */
function exchange(sock: string, bytes: Buffer, n: number): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const c = net.connect(sock, () => c.write(bytes));
    const reader = new FrameReader();
    const got: unknown[] = [];
    c.on('data', (chunk) => {
      got.push(...reader.push(chunk));
      if (got.length >= n) c.end();
    });
    c.on('close', () => resolve(got));
    c.on('error', reject);
  });
}

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false }, (res) => (res.resume(), res.on('end', () => resolve(res.statusCode!)))).on('error', reject);
  });
}

test('every command, through tunicorn ctl, with its effect on the running server', async () => {
  const dir = tmp('ctl');
  // A directory that does not exist yet: the master creates it, 0700.
  const sock = join(dir, 'run', 'tunicorn.ctl');
  const access = join(dir, 'access.log');
  const { t, url } = await startServer(['--control-socket', sock, '--access-logfile', access, '-e', 'DB_PASSWORD=hunter2', 'app.mjs'], { workers: 1 });
  await t.waitFor(/Control socket listening at /);
  assert.ok(statSync(sock).isSocket());
  assert.equal(statSync(sock).mode & 0o777, 0o600, 'control_socket_mode defaults to 0600');
  assert.equal(statSync(join(dir, 'run')).mode & 0o777, 0o700);

  // show workers: Gunicorn's fields (pid, age, booted, aborted, last_heartbeat), then state and requests.
  const [first] = await readyWorkers(sock, 1);
  assert.equal(first!.pid, t.workerPids()[0]);
  assert.equal(first!.age, 1);
  assert.equal(first!.booted, true);
  assert.equal(first!.aborted, false);
  assert.equal(typeof first!.last_heartbeat, 'number');
  assert.equal(first!.kind, 'node');
  await get(`${url}/`);
  await until('the request counted', async () => (await readyWorkers(sock, 1))[0]!.requests >= 2);
  const table = await ctl(sock, 'show', 'workers');
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^PID\s+AGE\s+STATE\s+REQUESTS\s+CONNS\s+UPTIME\s+LAST_BEAT$/m);
  assert.match(table.stdout, new RegExp(`^${first!.pid}\\s+1\\s+ready\\s+\\d+`, 'm'));

  // show config: the running configuration, raw_env values masked in both forms.
  const config = await ctlJson(sock, 'show', 'config');
  assert.deepEqual(config.raw_env, ['DB_PASSWORD=********']);
  assert.equal(config.control_socket, sock);
  const readable = await ctl(sock, 'show', 'config');
  assert.match(readable.stdout, /^raw_env: DB_PASSWORD=\*+$/m);
  assert.match(readable.stdout, /^control_socket_mode: 0o600$/m);
  assert.doesNotMatch(readable.stdout + JSON.stringify(config), /hunter2/);

  const listeners = await ctlJson<{ listeners: Array<{ address: string; type: string; fd: number }>; count: number }>(sock, 'show', 'listeners');
  assert.equal(listeners.count, 1);
  assert.equal(listeners.listeners[0]!.address, url);
  assert.equal(listeners.listeners[0]!.type, 'tcp');
  const all = await ctlJson<{ arbiter: { pid: number; role: string }; web_worker_count: number; dirty_arbiter: null }>(sock, 'show', 'all');
  assert.deepEqual([all.arbiter.pid, all.arbiter.role, all.web_worker_count, all.dirty_arbiter], [t.pid, 'master', 1, null]);

  // worker add 2: two workers boot (TTIN's path).
  assert.deepEqual(await ctlJson(sock, 'worker', 'add', '2'), { added: 2, previous: 1, total: 3 });
  const three = await readyWorkers(sock, 3);
  assert.equal(t.workerPids().length, 3);
  // worker remove: the oldest goes (TTOU's path).
  const removed = await ctl(sock, 'worker', 'remove');
  assert.match(removed.stdout, /^Removed 1 worker\(s\): 3 -> 2$/m);
  const two = await readyWorkers(sock, 2);
  assert.ok(!two.some((w) => w.pid === three[0]!.pid), 'the oldest worker was retired');

  // worker kill PID: replaced, the replacement serving first.
  const victim = two[0]!.pid;
  assert.deepEqual(await ctlJson(sock, 'worker', 'kill', String(victim)), { success: true, killed: victim });
  const afterKill = await until('the killed worker replaced', async () => {
    const rows = await readyWorkers(sock, 2);
    return !rows.some((w) => w.pid === victim) && rows;
  });
  assert.equal(t.workerPids().length, 4);

  // reload: a new generation (HUP's path), back to the configured 1 worker as Gunicorn does.
  assert.deepEqual(await ctlJson(sock, 'reload'), { status: 'reloading' });
  await until('a new generation', async () => {
    const rows = await readyWorkers(sock, 1);
    return !afterKill.some((w) => w.pid === rows[0]!.pid) && rows;
  });
  assert.match(t.output, /Handling signal: hup/);

  const stats = await ctlJson(sock, 'show', 'stats');
  assert.equal(stats.pid, t.pid);
  assert.equal(stats.workers_target, 1);
  assert.equal(stats.reloads, 1);
  assert.equal(stats.workers_spawned, 5);
  assert.ok((stats.workers_killed as number) >= 2, JSON.stringify(stats));
  assert.equal(stats.dirty_arbiter_pid, null);

  // reopen: the access log moved away (logrotate) is written anew (USR1's path).
  renameSync(access, `${access}.1`);
  assert.deepEqual(await ctlJson(sock, 'reopen'), { status: 'reopening' });
  await until('the access log reopened', async () => {
    await get(`${url}/after-reopen`);
    return existsSync(access) && /after-reopen/.test(readFileSync(access, 'utf8'));
  });

  // Bad input: one line on stderr, exit 1, the server unharmed.
  for (const [words, message] of [
    [['bogus'], /^Error: Unknown command: bogus; "help" lists the commands\n$/],
    [['show', 'nothing'], /^Error: Unknown show target: nothing/],
    [['worker', 'add', 'x'], /^Error: Invalid argument: worker add takes a whole number of 1 or more, not "x"\n$/],
    [['worker', 'kill', '1'], /^Error: Worker 1 not found\n$/],
    [['shutdown', 'later'], /^Error: Invalid argument: shutdown takes graceful or quick/],
  ] as const) {
    const r = await ctl(sock, ...words);
    assert.equal(r.code, 1, words.join(' '));
    assert.match(r.stderr, message);
  }

  // The wire itself: requests pipelined on one connection are answered in order with their ids;
  // a frame that is not JSON gets an error reply, then the connection is closed.
  const replies = await exchange(sock, Buffer.concat([encode({ id: 7, command: 'show stats', args: [] }), encode({ id: 8, command: 'worker', args: ['kill', '1'] })]), 2);
  assert.deepEqual(
    replies.map((r) => (r as { id: number; status: string }).id),
    [7, 8],
  );
  assert.deepEqual(replies[1], { id: 8, status: 'ok', data: { success: false, error: 'Worker 1 not found' } });
  const junk = Buffer.concat([Buffer.from([0, 0, 0, 5]), Buffer.from('nope!')]);
  const [bad] = await exchange(sock, junk, 99);
  assert.equal((bad as { status: string }).status, 'error');
  assert.match((bad as { error: string }).error, /^Invalid JSON/);

  // shutdown (graceful, TERM's path): the reply arrives, then the master exits 0 and removes the socket.
  const bye = await ctl(sock, 'shutdown');
  assert.equal(bye.code, 0, bye.stderr);
  assert.match(bye.stdout, /^Shutting down \(graceful\)$/m);
  assert.equal((await t.exitWithin()).code, 0);
  assert.match(t.output, /Handling signal: term/);
  assert.ok(!existsSync(sock), 'the socket is removed at exit');
});

test('from a config file: control_socket_mode; permission denied for another user; a changed path on reload; shutdown quick', async () => {
  const dir = tmp('ctl-mode');
  chmodSync(dir, 0o755);
  const sock = join(dir, 'tunicorn.ctl');
  const conf = join(dir, 'tunicorn.config.json');
  writeFileSync(conf, JSON.stringify({ controlSocket: sock, controlSocketMode: '0640' }));
  const { t } = await startServer(['-c', conf, 'app.mjs'], { workers: 1 });
  await t.waitFor(/Control socket listening at /);
  assert.equal(statSync(sock).mode & 0o777, 0o640);
  // A reload cannot move the socket: it says so, and the socket stays where it is.
  writeFileSync(conf, JSON.stringify({ controlSocket: join(dir, 'elsewhere.ctl'), controlSocketMode: '0640' }));
  assert.equal((await ctl(sock, 'reload')).code, 0);
  await t.waitFor(/\[WARNING\] control_socket changed; it takes effect after a restart\./);
  if (process.getuid?.() === 0) {
    // nobody is not in root's group: the socket's mode keeps it out.
    // Node passes NODE_V8_COVERAGE on to every child: nobody writes its coverage where it may.
    const coverage = tmp('ctl-nobody-coverage');
    chmodSync(coverage, 0o777);
    const env = { ...process.env, NODE_V8_COVERAGE: coverage };
    const r = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', NODE, CLI, 'ctl', '-s', sock, 'show', 'workers'], { encoding: 'utf8', env });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^Error: permission denied on .*tunicorn\.ctl: run as the server's user, or give its group access with --control-socket-mode 0660\n$/);
  }
  assert.deepEqual(await ctlJson(sock, 'shutdown', 'quick'), { status: 'shutting_down', mode: 'quick' });
  assert.equal((await t.exitWithin()).code, 0);
  assert.match(t.output, /Handling signal: int/);
});

test('--no-control-socket: no socket, and tunicorn ctl says so in one line', async () => {
  const dir = tmp('ctl-off');
  const sock = join(dir, 'tunicorn.ctl');
  const { t } = await startServer(['--control-socket', sock, '--no-control-socket', 'app.mjs'], { workers: 1 });
  const r = await ctl(sock, 'show', 'workers');
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `Error: no control socket at ${sock}: is tunicorn running with this --control-socket? (give its path with -s PATH)\n`);
  assert.ok(!existsSync(sock));
  assert.doesNotMatch(t.output, /Control socket/);
  assert.equal((await t.stop()).code, 0);
});

test('tunicorn ctl without a command, or with an unknown option: one line, exit 1', async () => {
  const none = await ctl('/nonexistent.ctl');
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^Error: no command given: for example "tunicorn ctl show workers"/);
  const bad = await ctl('/nonexistent.ctl', '--bogus', 'show', 'workers');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^Error: Unknown option '--bogus'; run "tunicorn ctl --help"\.\n$/);
});
