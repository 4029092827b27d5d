/**
 * Python apps, issue point 3 ("an app that raises, ..."): a WSGI app (test/fixtures/python/attack_failures.py)
 * that raises, raises after start_response, raises mid-body, returns a bad status or bad headers,
 * never calls start_response, returns str instead of bytes, returns an endless iterable its client
 * leaves, or calls os._exit. Each gets a 500 (502 for os._exit: the worker is gone) or a closed
 * connection, its traceback in the error log, and the server keeps serving: the same Python worker
 * for every failure but os._exit, a replacement after it. Under sync and under gevent.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { sleep } from '../helpers/cli.js';
import { openFds } from '../helpers/proc.js';
import { pythonHas } from '../helpers/python.js';
import { get, processes, startPython } from './python-lib.js';

const here = 'attack_failures\\.py", line \\d+';
/** Path -> the lines its traceback must show in the error log. */
const RAISES: Array<[string, RegExp]> = [
  ['/raise', new RegExp(`Error handling request GET /raise\\nTraceback \\(most recent call last\\):[\\s\\S]*?${here}, in failing_view\\n.*\\nRuntimeError: raised before start_response`)],
  ['/raise-after-start', new RegExp(`Error handling request GET /raise-after-start\\nTraceback[\\s\\S]*?${here}, in application\\n[\\s\\S]*?RuntimeError: raised after start_response`)],
  ['/bad-status', /Error handling request GET \/bad-status\nTraceback[\s\S]*?ValueError: Invalid status 'two hundred OK'/],
  ['/bad-status-code', /Error handling request GET \/bad-status-code\nTraceback[\s\S]*?ValueError: Invalid status '2000 OK'/],
  ['/bad-header-value', /Error handling request GET \/bad-header-value\nTraceback[\s\S]*?ValueError: Invalid header value 'a\\r\\nSet-Cookie: evil=1'/],
  ['/bad-header-name', /Error handling request GET \/bad-header-name\nTraceback[\s\S]*?ValueError: Invalid header name 'Bad Name'/],
  ['/bad-header-type', /Error handling request GET \/bad-header-type\nTraceback[\s\S]*?TypeError: 42 is not a string/],
  ['/no-start-response', /Error handling request GET \/no-start-response\nTraceback[\s\S]*?AssertionError: write\(\) before start_response\(\)/],
  ['/not-bytes', /Error handling request GET \/not-bytes\nTraceback[\s\S]*?TypeError: <class 'str'> is not a byte string/],
];

/** Read about 1 MB of /endless, then leave. */
function readSomeAndLeave(url: string): Promise<number> {
  return new Promise((resolve) => {
    let n = 0;
    const req = http.get(`${url}/endless`, { agent: false }, (res) => {
      res.on('data', (c: Buffer) => {
        n += c.length;
        if (n >= 1 << 20) req.destroy();
      });
    });
    req.on('error', () => resolve(n));
    req.on('close', () => resolve(n));
  });
}

for (const workerClass of ['sync', 'gevent']) {
  test(`app failures (${workerClass}): 500 or a closed connection, the traceback logged, the server keeps serving`, { timeout: 60_000 }, async (tt) => {
    if (workerClass === 'gevent' && pythonHas('gevent')) return void tt.skip(pythonHas('gevent')!);
    const { t, url } = await startPython('attack_failures:application', ['-k', workerClass], { workers: 1 });
    const [pid] = processes(t).workers;
    const pidOf = async () => ((await get(`${url}/pid`)) as { body: string }).body;
    assert.equal(await pidOf(), String(pid));

    for (const [path, logged] of RAISES) {
      const r = await get(url + path);
      assert.ok('status' in r, `${path}: ${JSON.stringify(r)}`);
      assert.equal(r.status, 500, `${path} answered 500`);
      assert.equal(r.body, 'Internal Server Error\n', `${path}: the plain 500 body, nothing of the app's`);
      assert.doesNotMatch(JSON.stringify(r.headers), /evil/, `${path}: no header of the app's`);
      await t.waitFor(logged, 5000);
    }

    // Raised after the body started: a 500 when nothing was sent yet (the first piece is held until
    // the second), or an incomplete body on a closed connection; the traceback either way.
    const mid = await get(`${url}/raise-mid-body`);
    assert.ok(('status' in mid && mid.status === 500) || 'error' in mid || mid.body !== 'partial ', `raise mid-body: ${JSON.stringify(mid)}`);
    await t.waitFor(new RegExp(`Error handling request GET /raise-mid-body\\nTraceback[\\s\\S]*?${here}, in _mid_body\\n[\\s\\S]*?RuntimeError: raised in the middle of the body`), 5000);

    // A hop-by-hop header from the app is dropped with a warning; the response is served.
    const hop = await get(`${url}/hop-by-hop`);
    assert.ok('status' in hop && hop.status === 200 && hop.body === 'hop-by-hop header', `hop-by-hop: ${JSON.stringify(hop)}`);
    await t.waitFor(/\[WARNING\] The app sent the hop-by-hop header 'Connection'/, 5000);

    // An endless iterable whose client leaves: close() is called each time, descriptors stay flat.
    const fdsBefore = openFds(pid!);
    for (let i = 1; i <= 10; i++) {
      assert.ok((await readSomeAndLeave(url)) >= 1 << 20);
      await t.waitFor(new RegExp(`ENDLESS-CLOSED ${i}\\b`), 5000);
    }
    await sleep(300);
    const fdsAfter = openFds(pid!);
    console.log(`${workerClass}: endless iterable left by its client 10 times: close() called 10 times, worker fds ${fdsBefore} -> ${fdsAfter}`);
    assert.ok(fdsAfter - fdsBefore <= 2, `worker fds flat (${fdsBefore} -> ${fdsAfter})`);
    assert.equal(await pidOf(), String(pid), 'the same worker served through every failure');
    assert.doesNotMatch(t.output, /was sent SIG|exited with code|WORKER TIMEOUT/);

    // os._exit: the request gets a 502 (or a closed connection), the exit is logged, a replacement serves.
    const exit = await get(`${url}/exit`);
    assert.ok(('status' in exit && [500, 502].includes(exit.status)) || 'error' in exit, `os._exit: ${JSON.stringify(exit)}`);
    await t.waitFor(new RegExp(`Worker \\(pid:${pid}\\) exited with code 1`), 5000);
    await t.waitFor(/Python worker went away while serving GET \/exit/, 5000);
    let replaced = '';
    for (let i = 0; i < 50 && (!replaced || replaced === String(pid)); i++) {
      const r = await get(`${url}/pid`);
      replaced = 'status' in r && r.status === 200 ? r.body : '';
      if (!replaced || replaced === String(pid)) await sleep(100);
    }
    assert.ok(replaced && replaced !== String(pid), `a replacement serves (${replaced})`);
    const ok = await get(`${url}/`);
    assert.ok('status' in ok && ok.status === 200 && ok.body === 'ok');
    assert.equal((await t.stop()).code, 0);
  });
}
