/** Logs for Python apps: the app's print() and logging reach the error log; the access log fills from the front. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, sleep, startServer } from '../helpers/cli.js';
import { PY_FIXTURES, PYTHON, pythonHas } from '../helpers/python.js';

mkdirSync(join(ROOT, 'test/.tmp'), { recursive: true });

test("capture_output: the app's print() and logging output land in the error log file", async () => {
  const dir = mkdtempSync(join(ROOT, 'test/.tmp/pylogs-'));
  const errorlog = join(dir, 'error.log');
  const { t, url } = await startServer(['--python', PYTHON, '--capture-output', '--error-logfile', errorlog, 'app:talkative'], { cwd: PY_FIXTURES, workers: 1 });
  try {
    assert.equal(await (await fetch(url)).text(), 'ok');
    await sleep(300);
    const text = readFileSync(errorlog, 'utf8');
    assert.match(text, /print from the app/);
    assert.match(text, /logging from the app/);
    assert.match(text, /\[INFO\] Booting worker with pid/);
  } finally {
    assert.equal((await t.stop()).code, 0);
  }
});

test("the access log's atoms fill from the front for a Python app as for a Node app", async () => {
  const format = '%(h)s "%(r)s" %(s)s %(b)s "%(a)s" %(m)s %(U)s %(q)s %({x-test}i)s %({content-type}o)s %(D)s';
  const { t, url } = await startServer(['--python', PYTHON, '--access-logfile', '-', '--access-logformat', format, 'app:application'], { cwd: PY_FIXTURES, workers: 1 });
  try {
    await (await fetch(`${url}/big?1000`, { headers: { 'User-Agent': 'probe/1', 'X-Test': 'yes' } })).arrayBuffer();
    const line = await t.waitFor(/^127\.0\.0\.1 "GET \/big\?1000 HTTP\/1\.1" 200 1000 "probe\/1" GET \/big 1000 yes application\/octet-stream \d+$/m);
    assert.ok(line);
  } finally {
    assert.equal((await t.stop()).code, 0);
  }
});

// Under Gunicorn a body whose client went away reads short and the app's response write fails
// quietly; an app reading it here must not be handed an exception to log as its own error.
for (const k of ['sync', 'gthread', 'gevent'] as const) {
  test(`${k}: a client that leaves mid-body leaves no traceback in the log, and the worker serves on`, async (tt) => {
    const missing = pythonHas('flask', ...(k === 'gevent' ? ['gevent'] : []));
    if (missing) return void tt.skip(missing);
    const { t, url } = await startServer(['--python', PYTHON, '-k', k, 'attack_flask:app'], { cwd: PY_FIXTURES, workers: 1 });
    try {
      for (let i = 0; i < 3; i++) {
        const sock = connect(Number(new URL(url).port), '127.0.0.1');
        await once(sock, 'connect');
        sock.write('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n' + 'x'.repeat(300_000));
        await sleep(300);
        sock.destroy();
      }
      await sleep(500);
      assert.equal((await fetch(`${url}/api/items/1`)).status, 200);
      assert.doesNotMatch(t.output, /Traceback|\[ERROR\]|ERROR in app/);
    } finally {
      assert.equal((await t.stop()).code, 0);
    }
  });
}
