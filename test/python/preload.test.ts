/**
 * preload_app for Python apps: the app is imported once, workers are forked from that
 * interpreter (as Gunicorn does), supervised like any other: killed ones are replaced, max_requests
 * recycles them, TERM stops everything.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { startServer } from '../helpers/cli.js';
import { load } from '../helpers/load.js';
import { PY_FIXTURES, PYTHON, pythonHas } from '../helpers/python.js';

const parentOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);

for (const k of ['sync', 'gevent']) {
  test(`--preload, -k ${k}: workers forked from the preloaded app; kill -9, recycling and TERM as for any worker`, async (tt) => {
    if (k === 'gevent' && pythonHas('gevent')) return tt.skip(pythonHas('gevent')!);
    const { t, url } = await startServer(['--python', PYTHON, '--preload', '-k', k, '--max-requests', '300', 'flask_app:create_app(debug=False)'], { cwd: PY_FIXTURES, workers: 2 });
    try {
      assert.match(t.output, /workers forked from the preloaded app/);
      const [first] = t.workerPids();
      const preloader = parentOf(first!);
      assert.notEqual(preloader, t.pid, "a worker is the preloader's child, not the master's");
      assert.equal(parentOf(preloader), t.pid);
      assert.deepEqual(await (await fetch(`${url}/api/items/9`)).json(), { id: 9, name: 'item 9', q: null });

      process.kill(first!, 'SIGKILL');
      await t.waitFor(new RegExp(`Worker \\(pid:${first}\\) was sent SIGKILL`));
      await t.waitFor(/(Booting worker with pid: \d+[\s\S]*){3}/);

      const r = await load(url, { seconds: 3, connections: 8 });
      assert.deepEqual({ errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx }, { errors: 0, timeouts: 0, non2xx: 0 });
      assert.ok(t.count(/asked to be replaced \(max_requests\)/) >= 1, 'recycled under load');
      for (const pid of t.workerPids().slice(-1)) assert.equal(parentOf(pid), preloader);
    } finally {
      assert.equal((await t.stop()).code, 0);
    }
  });
}
