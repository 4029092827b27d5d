/**
 * TERM while 100 requests are in flight: every accepted request is answered, exit 0, nothing left
 * running; for a Node app and for a Python app with the seed's gunicorn.conf.py (5 gevent Python
 * workers behind the fronts, Flask: test/fixtures/python/attack_flask.py).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { sleep, startServer } from '../helpers/cli.js';
import { acceptQueue, alive, childPids } from '../helpers/proc.js';
import { PY_FIXTURES, PYTHON, pythonHas } from '../helpers/python.js';
import { SEED_CONF } from './python-lib.js';

const cases = [
  { name: 'Node app', args: ['app.mjs'], opts: { workers: 2 }, path: (ms: number) => `/slow?ms=${ms}`, body: null, missing: null },
  {
    name: 'Python app (seed config, gevent)',
    args: ['--python', PYTHON, '-c', SEED_CONF, 'attack_flask:app'],
    opts: { cwd: PY_FIXTURES },
    path: (ms: number) => `/sleep?s=${(ms / 1000).toFixed(1)}`,
    body: 'slept',
    missing: pythonHas('gevent', 'flask'),
  },
];

for (const c of cases) {
  test(`${c.name}: TERM with 100 requests in flight: all answered 200 within graceful_timeout, exit 0`, async (tt) => {
    if (c.missing) return void tt.skip(c.missing);
    const { t, url, port } = await startServer(['--graceful-timeout', '10', ...c.args], c.opts);
    const kids = childPids(t.pid);
    const procs = [...kids, ...kids.flatMap((k) => childPids(k))];
    const agent = new http.Agent({ keepAlive: true, maxSockets: 100 });
    let connected = 0;
    const answers = Array.from(
      { length: 100 },
      (_, i) =>
        new Promise<number | string>((resolve) => {
          http
            .get(url + c.path(500 + (i % 10) * 100), { agent }, (res) => {
              let body = '';
              res.on('data', (d) => (body += d));
              res.on('end', () => resolve(res.statusCode === 200 && (c.body === null || body === c.body) ? 200 : `${res.statusCode} ${body}`));
            })
            .on('socket', (socket) => socket.once('connect', () => connected++))
            .on('error', (err) => resolve(err.message));
        }),
    );
    // TERM once every request is accepted by a front: ones still in the listen queue when the
    // listeners close are reset by the kernel, with any server (Gunicorn's too).
    for (let i = 0; i < 200 && (connected < 100 || acceptQueue(port) !== 0); i++) await sleep(25);
    await sleep(300);
    const termAt = Date.now();
    t.signal('SIGTERM');
    const results = await Promise.all(answers);
    const { code } = await t.exited;
    const took = Date.now() - termAt;
    agent.destroy();
    const left = procs.filter(alive);
    console.log(`graceful shutdown, ${c.name}: ${results.filter((s) => s === 200).length}/100 answered, exit ${code} after ${took} ms; processes left: ${left.length}`);
    if (results.some((r) => r !== 200))
      console.log(
        t.output
          .split('\n')
          .filter((l) => !/Booting|Worker exiting/.test(l))
          .join('\n'),
      );
    assert.deepEqual(results, Array(100).fill(200));
    assert.equal(code, 0);
    assert.ok(took < 10_000);
    assert.deepEqual(left, [], 'no worker, front or forker left running');
  });
}
