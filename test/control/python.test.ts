/**
 * The control socket with a Python (WSGI) app: `workers` are the Python processes, and `show
 * workers` also lists the fronts that serve HTTP for them; worker add and kill act on Python workers.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, startServer } from '../helpers/cli.js';
import { ctl, ctlJson, readyWorkers, until } from '../helpers/ctl.js';
import { PY_FIXTURES, PYTHON, pythonHas } from '../helpers/python.js';

mkdirSync(join(ROOT, 'test/.tmp'), { recursive: true });

function pidOf(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(`${url}/pidsleep?0`, { agent: false }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(Number(body)));
      })
      .on('error', reject);
  });
}

test('a Python app: show workers, worker add, worker kill', { skip: pythonHas('wsgiref') ?? false }, async () => {
  const sock = join(mkdtempSync(join(ROOT, 'test/.tmp/ctl-py-')), 'tunicorn.ctl');
  const { t, url } = await startServer(['--python', PYTHON, '--control-socket', sock, 'app:application'], { workers: 1, cwd: PY_FIXTURES });
  await t.waitFor(/Control socket listening at /);
  const [py] = await readyWorkers(sock, 1);
  assert.equal(py!.kind, 'python');
  assert.equal(py!.pid, await pidOf(url), 'the listed worker is the one running the app');
  const fronts = await readyWorkers(sock, 1, 'fronts');
  assert.equal(fronts[0]!.kind, 'front');
  const table = await ctl(sock, 'show', 'workers');
  assert.match(table.stdout, /FRONTS \(serve HTTP for the Python workers\)/);

  assert.deepEqual(await ctlJson(sock, 'worker', 'add'), { added: 1, previous: 1, total: 2 });
  const two = await readyWorkers(sock, 2);
  assert.ok(two.every((w) => w.kind === 'python'));

  const victim = two[0]!.pid;
  assert.deepEqual(await ctlJson(sock, 'worker', 'kill', String(victim)), { success: true, killed: victim });
  await until('the Python worker replaced', async () => {
    const rows = await readyWorkers(sock, 2);
    return !rows.some((w) => w.pid === victim) && rows;
  });
  const stats = await ctlJson(sock, 'show', 'stats');
  assert.equal(stats.workers_current, 2, 'fronts are not counted as workers');
  assert.equal(stats.workers_spawned, 3);

  assert.equal((await ctl(sock, 'shutdown')).code, 0);
  assert.equal((await t.exitWithin()).code, 0);
});
