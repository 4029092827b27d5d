/**
 * TERM right after the first answer, while the other Python workers are still booting or have
 * just booted (test/fixtures/python/attack_flask.py, 5 gevent workers): every request already
 * received is answered before graceful_timeout, exit 0. A freshly booted gevent worker once ran a
 * burst of requests on its one idle greenlet, one after another, and the cut at graceful_timeout
 * came first. Several rounds, since where TERM lands in the boot varies.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { sleep, startServer } from '../helpers/cli.js';
import { PY_FIXTURES, PYTHON, pythonHas } from '../helpers/python.js';

const ROUNDS = 5;

const get = (url: string) =>
  new Promise<void>((resolve, reject) => {
    http.get(url, { agent: false }, (res) => res.resume().on('end', resolve)).on('error', reject);
  });

test('Python app: TERM while workers boot, 100 requests in flight: all answered 200, exit 0', async (tt) => {
  const missing = pythonHas('gevent', 'flask');
  if (missing) return void tt.skip(missing);
  for (let round = 1; round <= ROUNDS; round++) {
    // The requests take 0.5-1.4 s; 8 s leaves a loaded machine room, not 20 of them run in turn.
    const { t, url } = await startServer(['--graceful-timeout', '8', '-k', 'gevent', '--python', PYTHON, 'attack_flask:app'], { cwd: PY_FIXTURES, workers: 5 });
    // A few more answers first, as clients' first requests would be: the workers that served them
    // keep idle request greenlets, which a burst used to queue behind.
    await Promise.all(Array.from({ length: 10 }, () => get(url + '/')));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 100 });
    const answers = Array.from(
      { length: 100 },
      (_, i) =>
        new Promise<number | string>((resolve) => {
          http
            .get(`${url}/sleep?s=${(0.5 + (i % 10) / 10).toFixed(1)}`, { agent }, (res) => {
              let body = '';
              res.on('data', (d) => (body += d));
              res.on('end', () => resolve(res.statusCode === 200 && body === 'slept' ? 200 : `${res.statusCode} ${body}`));
            })
            .on('error', (err) => resolve(err.message));
        }),
    );
    await sleep(400);
    const termAt = Date.now();
    t.signal('SIGTERM');
    const results = await Promise.all(answers);
    const { code } = await t.exited;
    agent.destroy();
    const ok = results.filter((r) => r === 200).length;
    console.log(`round ${round}: ${ok}/100 answered, exit ${code} ${Date.now() - termAt} ms after TERM`);
    if (ok < 100 || code !== 0)
      console.log(
        t.output
          .split('\n')
          .filter((l) => !/Booting|Worker exiting/.test(l))
          .join('\n'),
      );
    assert.equal(
      ok,
      100,
      `round ${round}: ${results
        .filter((r) => r !== 200)
        .slice(0, 3)
        .join(', ')}`,
    );
    assert.equal(code, 0, `round ${round}`);
  }
});
