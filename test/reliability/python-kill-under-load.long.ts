/**
 * Python apps, issue point 3 ("kill -9 of a Python worker under load"): gevent, 2 Python workers
 * serving test/fixtures/python/attack_flask.py, 20 keep-alive connections of load; one Python worker
 * is killed with SIGKILL: only requests in flight on it fail (at most the 20 connections), the
 * death is logged, and a replacement serves within 2 s. In npm run test:reliability (one test at a time).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleep } from '../helpers/cli.js';
import { load } from '../helpers/load.js';
import { pythonHas } from '../helpers/python.js';
import { crashLines, get, processes, startPython } from './python-lib.js';

test('a Python worker killed under load: only its in-flight requests fail, a replacement serves within 2 s', { timeout: 60_000 }, async (tt) => {
  if (pythonHas('gevent', 'flask')) return void tt.skip(pythonHas('gevent', 'flask')!);
  const connections = 20;
  const { t, url } = await startPython('attack_flask:app', ['-k', 'gevent'], { workers: 2 });
  const [victim, survivor] = processes(t).workers;
  const running = load(url, { seconds: 8, connections, requests: [{ method: 'GET', path: '/sleep?s=0.01' }] });
  await sleep(1500);
  const killedAt = Date.now();
  process.kill(victim!, 'SIGKILL');
  // New connections until one is answered by a pid other than the two originals.
  let replacementMs = -1;
  let replacement = '';
  while (Date.now() - killedAt < 10_000) {
    const r = await get(`${url}/pid`, { timeoutMs: 2000 });
    if ('status' in r && r.status === 200 && r.body !== String(victim) && r.body !== String(survivor)) {
      replacementMs = Date.now() - killedAt;
      replacement = r.body;
      break;
    }
    await sleep(20);
  }
  const r = await running;
  for (const l of crashLines(t.output, /\[(WARNING|ERROR|CRITICAL)\]/).slice(0, 10)) console.log(`server: ${l.split('\n')[0]}`);
  console.log(
    `Python kill -9 under load: ${r.requests} requests, ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx (at most ${connections} in flight); replacement ${replacement} serving after ${replacementMs} ms`,
  );
  await t.waitFor(new RegExp(`\\[ERROR\\] Worker \\(pid:${victim}\\) was sent SIGKILL! Perhaps out of memory\\?`));
  assert.ok(replacementMs >= 0 && replacementMs < 2000, `replacement served after ${replacementMs} ms`);
  assert.ok(r.errors + r.timeouts + r.non2xx <= connections, `only requests in flight on the killed worker fail (${r.errors} errors, ${r.non2xx} non-2xx)`);
  assert.ok(r.requests > 200);
  assert.equal((await t.stop()).code, 0);
});
