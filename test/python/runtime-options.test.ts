/**
 * What a Python user runs beside the app: a virtualenv's interpreter (by --python, or found through
 * $VIRTUAL_ENV), --reload watching .py files, and INT/QUIT as quick stops.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, startServer } from '../helpers/cli.js';
import { PY_FIXTURES, PYTHON } from '../helpers/python.js';
import { get as httpGet } from '../helpers/http-get.js';

mkdirSync(join(ROOT, 'test/.tmp'), { recursive: true });

const get = async (url: string): Promise<string> => {
  const r = await httpGet(url, 30_000);
  return r.body;
};

const app = (word: string) =>
  `import sys\n\ndef application(environ, start_response):\n    start_response("200 OK", [("Content-Type", "text/plain")])\n    return [("${word} " + sys.prefix).encode()]\n`;

test('a virtualenv: --python .venv/bin/python, and $VIRTUAL_ENV alone, run the workers in it', async () => {
  const dir = mkdtempSync(join(ROOT, 'test/.tmp/pyvenv-'));
  execFileSync(PYTHON, ['-m', 'venv', '--without-pip', '--system-site-packages', join(dir, '.venv')]);
  writeFileSync(join(dir, 'hello.py'), app('venv'));
  const venv = join(dir, '.venv');
  for (const [args, env] of [
    [['--python', '.venv/bin/python'], {}],
    [[], { VIRTUAL_ENV: venv }],
  ] as const) {
    const { t, url } = await startServer([...args, 'hello:application'], { cwd: dir, workers: 1, env });
    try {
      assert.equal(await get(url), `venv ${venv}`);
      assert.match(t.output, /Python: \S*\.venv\/bin\/python \(Python 3\./);
    } finally {
      assert.equal((await t.stop()).code, 0);
    }
  }
});

test('--reload: a change to a .py file under chdir brings up workers with the new code', async () => {
  const dir = mkdtempSync(join(ROOT, 'test/.tmp/pyreload-'));
  writeFileSync(join(dir, 'hello.py'), app('before'));
  const { t, url } = await startServer(['--python', PYTHON, '--reload', 'hello:application'], { cwd: dir, workers: 1 });
  try {
    assert.match(await get(url), /^before /);
    await sleep(300); // the watcher is ready once the server serves; give its first scan a moment
    writeFileSync(join(dir, 'hello.py'), app('after'));
    let body = '';
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; await sleep(100)) {
      body = await get(url).catch(() => '');
      if (body.startsWith('after ')) break;
    }
    assert.match(body, /^after /);
  } finally {
    assert.equal((await t.stop()).code, 0);
  }
});

for (const sig of ['SIGINT', 'SIGQUIT'] as const) {
  test(`${sig} stops a Python app quickly: exit 0 without waiting for the request in flight`, async () => {
    const { t, url } = await startServer(['--python', PYTHON, '-k', 'gevent', '--graceful-timeout', '20', 'app:application'], { cwd: PY_FIXTURES, workers: 1 });
    // A quick stop cuts the request: the client sees the connection close, or the front's 502 if the
    // Python worker went first.
    const inflight = get(`${url}/sleep?10`).then(
      (body) => (/Bad Gateway/.test(body) ? 'cut' : `answered: ${body}`),
      () => 'cut',
    );
    await sleep(300);
    const started = Date.now();
    t.signal(sig);
    assert.equal((await t.exited).code, 0);
    assert.ok(Date.now() - started < 5000, `quick (${Date.now() - started} ms)`);
    assert.equal(await inflight, 'cut');
    assert.match(t.output, /Worker exiting \(pid: \d+\)/);
  });
}
