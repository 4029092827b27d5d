/**
 * Python workers under the master, as Node workers are: boot errors said once, interpreter checks,
 * kill -9, blocked workers killed with their Python stack, 504 and 503 from the front, recycling,
 * HUP, TTIN/TTOU and graceful TERM, all with real processes and sockets.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, runCli, sleep, startServer } from '../helpers/cli.js';
import { load } from '../helpers/load.js';
import { PY_FIXTURES, PYTHON, pythonHas } from '../helpers/python.js';

const py = ['--python', PYTHON];
mkdirSync(join(ROOT, 'test/.tmp'), { recursive: true });

test('an app that fails to import: its traceback once, "Worker failed to boot.", exit 3', async () => {
  const dir = mkdtempSync(join(ROOT, 'test/.tmp/pyboot-'));
  writeFileSync(join(dir, 'broken.py'), 'import json\nraise ImportError("no module named flaskk")\napplication = None\n');
  const r = await runCli([...py, '-w', '2', '-b', '127.0.0.1:0', 'broken:application'], { cwd: dir });
  assert.equal(r.code, 3, r.output);
  assert.equal(r.output.split('ImportError: no module named flaskk').length - 1, 1, `the traceback once, for both workers:\n${r.output}`);
  assert.match(r.output, /Exception in worker process \(2 workers failed to boot\):\nTraceback \(most recent call last\):[\s\S]*broken\.py", line 2/);
  assert.match(r.output, /Worker failed to boot\./);
});

test('the interpreter: missing, too old, or without gevent for worker_class gevent, each one clear line before anything binds', async () => {
  const missing = await runCli(['--python', '/nonexistent/python', '-b', '127.0.0.1:0', 'app:application'], { cwd: PY_FIXTURES });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^Error: Python interpreter not found: \/nonexistent\/python; install Python 3\.8 or newer, or name one with --python PATH/);
  assert.doesNotMatch(missing.output, /Listening at/);

  const dir = mkdtempSync(join(ROOT, 'test/.tmp/pyinterp-'));
  // An interpreter that reports 3.6 (an old distribution's python3, as far as tunicorn can tell).
  writeFileSync(join(dir, 'python36'), '#!/bin/sh\necho 3.6.9\necho -\n');
  chmodSync(join(dir, 'python36'), 0o755);
  const old = await runCli(['--python', join(dir, 'python36'), '-b', '127.0.0.1:0', 'app:application'], { cwd: PY_FIXTURES });
  assert.equal(old.code, 1);
  assert.match(old.stderr, /Python 3\.6\.9 at .*python36 is too old: tunicorn's Python workers need 3\.8 or newer/);

  // The real interpreter, with a gevent that cannot be imported ahead of the real one on its path.
  mkdirSync(join(dir, 'nogevent'));
  writeFileSync(join(dir, 'nogevent/gevent.py'), 'raise ImportError("No module named gevent")\n');
  const noGevent = await runCli([...py, '-k', 'gevent', '-b', '127.0.0.1:0', 'app:application'], { cwd: PY_FIXTURES, env: { PYTHONPATH: join(dir, 'nogevent') } });
  assert.equal(noGevent.code, 1);
  assert.match(
    noGevent.stderr,
    /worker_class gevent needs gevent, which \S+ \(Python 3\.\d+\.\d+\) cannot import; install it with ".* -m pip install gevent" \(Debian: apt-get install python3-gevent/,
  );
});

test('kill -9 of a Python worker: logged, replaced, serving continues', async () => {
  const { t, url } = await startServer([...py, 'app:application'], { cwd: PY_FIXTURES, workers: 2 });
  const pid = Number(await (await fetch(`${url}/pid`)).text());
  process.kill(pid, 'SIGKILL');
  await t.waitFor(new RegExp(`Worker \\(pid:${pid}\\) was sent SIGKILL`));
  await t.waitFor(/(Booting worker with pid: \d+[\s\S]*){3}/);
  for (let i = 0; i < 10; i++) assert.equal((await fetch(url)).status, 200);
  assert.equal((await t.stop()).code, 0);
});

test('a worker stuck in a loop: 504 from the front, WORKER TIMEOUT with the Python line that loops, a replacement serves', async () => {
  const { t, url } = await startServer([...py, '--timeout', '2', 'app:application'], { cwd: PY_FIXTURES, workers: 2 });
  const started = Date.now();
  const stuck = await fetch(`${url}/spin`);
  assert.equal(stuck.status, 504);
  assert.ok(Date.now() - started < 6000);
  await t.waitFor(/WORKER TIMEOUT \(pid:\d+\)/, 10_000);
  await t.waitFor(/was blocked for over 2s here:[\s\S]*app\.py", line \d+ in application/, 10_000);
  for (let i = 0; i < 5; i++) assert.equal((await fetch(url)).status, 200);
  assert.equal((await t.stop()).code, 0);
});

test('gevent: a request past timeout gets 504 and is cancelled in Python (the hub keeps beating: no worker is killed)', async (tt) => {
  const missing = pythonHas('gevent');
  if (missing) return tt.skip(missing);
  const { t, url } = await startServer([...py, '-k', 'gevent', '--timeout', '2', 'app:application'], { cwd: PY_FIXTURES, workers: 1 });
  const res = await fetch(`${url}/sleep?30`);
  assert.equal(res.status, 504);
  await sleep(2500);
  assert.doesNotMatch(t.output, /WORKER TIMEOUT/);
  assert.equal((await fetch(url)).status, 200);
  assert.equal((await t.stop('SIGTERM')).code, 0);
});

test('gevent concurrency is real: 200 requests sleeping 0.5 s each, on one worker, finish together', async (tt) => {
  const missing = pythonHas('gevent');
  if (missing) return tt.skip(missing);
  const { t, url } = await startServer([...py, '-k', 'gevent', 'app:application'], { cwd: PY_FIXTURES, workers: 1 });
  const started = Date.now();
  const results = await Promise.all(Array.from({ length: 200 }, () => fetch(`${url}/sleep?0.5`).then((r) => r.status)));
  const took = Date.now() - started;
  assert.deepEqual([...new Set(results)], [200]);
  // One at a time would take 100 s; concurrently it is about half a second plus overhead.
  assert.ok(took < 20_000, `took ${took} ms`);
  assert.equal((await t.stop()).code, 0);
});

test('every Python worker busy: requests wait in the bounded queue, then 503 with Retry-After (queue full, or waited too long), logged', async () => {
  const { t, url } = await startServer([...py, '-k', 'sync', '--fronts', '1', '--request-queue', '1', '--request-queue-timeout', '1', 'app:application'], { cwd: PY_FIXTURES, workers: 1 });
  const first = fetch(`${url}/sleep?2.5`);
  await sleep(200);
  const second = fetch(`${url}/sleep?0.1`);
  await sleep(200);
  const third = await fetch(`${url}/sleep?0.1`);
  assert.equal(third.status, 503);
  assert.equal(third.headers.get('retry-after'), '1');
  const waited = await second;
  assert.equal(waited.status, 503);
  assert.equal((await first).status, 200);
  await t.waitFor(/request queue is full: 503 for GET \/sleep\?0\.1/);
  assert.equal((await fetch(url)).status, 200);
  assert.equal((await t.stop()).code, 0);
});

test('max_requests with jitter under load: Python workers recycled, the replacement ready first, zero failed requests', async () => {
  const { t, url } = await startServer([...py, '-k', 'gthread', '--threads', '4', '--max-requests', '200', '--max-requests-jitter', '50', 'app:application'], { cwd: PY_FIXTURES, workers: 2 });
  const r = await load(url, { seconds: 4, connections: 10 });
  const restarts = t.count(/asked to be replaced \(max_requests\)/);
  assert.ok(restarts >= 2, `recycled ${restarts} times in ${r.requests} requests`);
  assert.deepEqual({ errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx }, { errors: 0, timeouts: 0, non2xx: 0 });
  assert.equal((await t.stop()).code, 0);
});

test('HUP under load: a new generation of Python workers with fresh code, zero failed requests; TTIN and TTOU', async () => {
  const dir = mkdtempSync(join(ROOT, 'test/.tmp/pyhup-'));
  writeFileSync(join(dir, 'ver.py'), 'def application(e, sr):\n    sr("200 OK", [("Content-Type", "text/plain")])\n    return [b"v1"]\n');
  const { t, url } = await startServer([...py, '-k', 'gthread', '--threads', '4', 'ver:application'], { cwd: dir, workers: 2 });
  assert.equal(await (await fetch(url)).text(), 'v1');
  const loading = load(url, { seconds: 3, connections: 10 });
  await sleep(500);
  writeFileSync(join(dir, 'ver.py'), 'def application(e, sr):\n    sr("200 OK", [("Content-Type", "text/plain")])\n    return [b"v2"]\n');
  t.signal('SIGHUP');
  const r = await loading;
  assert.deepEqual({ errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx }, { errors: 0, timeouts: 0, non2xx: 0 });
  assert.equal(await (await fetch(url)).text(), 'v2');

  const before = t.workerPids().length;
  t.signal('SIGTTIN');
  await t.waitFor(new RegExp(`(Booting worker with pid: \\d+[\\s\\S]*){${before + 1}}`));
  t.signal('SIGTTOU');
  await t.waitFor(/Handling signal: ttou[\s\S]*Worker \(pid:\d+\) (exited|was stopped)|Handling signal: ttou[\s\S]*Worker exiting/);
  assert.equal((await t.stop()).code, 0);
});

test('TERM: a request in flight finishes, then workers and master exit 0', async () => {
  const { t, url } = await startServer([...py, '-k', 'gthread', '--threads', '2', 'app:application'], { cwd: PY_FIXTURES, workers: 1 });
  const inflight = fetch(`${url}/sleep?1`);
  await sleep(300);
  t.signal('SIGTERM');
  const res = await inflight;
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'slept');
  assert.equal((await t.exited).code, 0);
});
