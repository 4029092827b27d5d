/**
 * gunicorn.conf.py for Python apps: wsgi_app, pythonpath, raw_env and the worker hooks work; master
 * hooks written in Python are reported; --check-config and --preload import the app once first.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, runCli, startServer } from '../helpers/cli.js';
import { PY_FIXTURES, PYTHON } from '../helpers/python.js';

const py = ['--python', PYTHON];
mkdirSync(join(ROOT, 'test/.tmp'), { recursive: true });

test('gunicorn.conf.py: wsgi_app, pythonpath, raw_env; worker hooks run in the Python workers, master hooks in Python beside the master (the prometheus_client child_exit recipe)', async () => {
  const dir = mkdtempSync(join(ROOT, 'test/.tmp/pyconf-'));
  mkdirSync(join(dir, 'lib/shop'), { recursive: true });
  writeFileSync(join(dir, 'lib/shop/__init__.py'), '');
  writeFileSync(
    join(dir, 'lib/shop/web.py'),
    'import os\n\ndef application(environ, start_response):\n    start_response("200 OK", [("Content-Type", "text/plain")])\n    return [("%s %s" % (os.environ.get("SHOP_MODE"), environ.get("HTTP_X_HOOK"))).encode()]\n',
  );
  writeFileSync(
    join(dir, 'gunicorn.conf.py'),
    [
      'wsgi_app = "shop.web:application"',
      'pythonpath = "lib"',
      'raw_env = ["SHOP_MODE=test"]',
      'workers = 1',
      'worker_class = "gthread"',
      'threads = 2',
      'def post_fork(server, worker):',
      '    worker.log.info("post_fork in pid %s age %s" % (worker.pid, worker.age))',
      'def post_worker_init(worker):',
      '    worker.log.info("post_worker_init timeout=%s" % worker.cfg.timeout)',
      'def pre_request(worker, req):',
      '    worker.log.info("pre_request %s %s" % (req.method, req.path))',
      'def post_request(worker, req, environ, resp):',
      '    worker.log.info("post_request %s" % resp.status)',
      'def when_ready(server):',
      '    server.log.info("when_ready: %d workers wanted" % server.num_workers)',
      'def child_exit(server, worker):',
      "    # as prometheus_client's multiprocess.mark_process_dead(worker.pid) is used",
      '    with open("dead.txt", "a") as f:',
      '        f.write("%d\\n" % worker.pid)',
      'def on_exit(server):',
      '    server.log.info("on_exit")',
      '',
    ].join('\n'),
  );
  const { t, url } = await startServer([...py, '-c', 'gunicorn.conf.py'], { cwd: dir });
  try {
    assert.equal(await (await fetch(`${url}/items`)).text(), 'test None');
    await t.waitFor(/post_fork in pid \d+ age \d+/);
    await t.waitFor(/post_worker_init timeout=15/);
    await t.waitFor(/pre_request GET \/items/);
    await t.waitFor(/post_request 200 OK/);
    assert.match(t.output, /when_ready: 1 workers wanted/);
    assert.doesNotMatch(t.output, /is a Python function|WARNING/);
  } finally {
    assert.equal((await t.stop()).code, 0);
  }
  assert.match(t.output, /on_exit/);
  assert.deepEqual(readFileSync(join(dir, 'dead.txt'), 'utf8').trim().split('\n').map(Number), t.workerPids());
});

test('--check-config imports the Python app once and exits 0, or 4 with the reason', async () => {
  const ok = await runCli([...py, '--check-config', 'flask_app:create_app(debug=False)'], { cwd: PY_FIXTURES });
  assert.equal(ok.code, 0, ok.output);
  assert.match(ok.output, /Configuration and app are valid\./);
  const bad = await runCli([...py, '--check-config', 'app:nope'], { cwd: PY_FIXTURES });
  assert.equal(bad.code, 4);
  assert.match(bad.output, /Failed to find attribute 'nope' in 'app'\.[\s\S]*App failed to load\./);
});

test('--preload: an app that raises at import fails before anything binds, its traceback printed once', async () => {
  const dir = mkdtempSync(join(ROOT, 'test/.tmp/pypreload-'));
  writeFileSync(join(dir, 'bad.py'), 'def helper():\n    raise KeyError("missing setting")\n\nhelper()\n');
  const r = await runCli([...py, '--preload', '-w', '3', '-b', '127.0.0.1:0', 'bad:application'], { cwd: dir });
  assert.equal(r.code, 4, r.output);
  assert.equal(r.output.split("KeyError: 'missing setting'").length - 1, 1, r.output);
  assert.match(r.output, /bad\.py", line 2, in helper/);
  assert.doesNotMatch(r.output, /Listening at|Booting worker/);
});
