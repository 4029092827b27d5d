/**
 * Python apps, issue point 3 ("a stuck app"): a request that never yields, a busy loop in Python
 * (`/spin`) or a C call gevent cannot patch (`/block`, libc sleep() through ctypes), holds one Python
 * worker of two (test/fixtures/python/attack_flask.py, --timeout 3). The stuck request is answered 504
 * at `timeout`, the worker is killed with its Python traceback logged (the line that loops or blocks),
 * and meanwhile other clients (new connections, so each is dispatched afresh) get a 100% success rate.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleep } from '../helpers/cli.js';
import { pythonHas } from '../helpers/python.js';
import { failed, fmt, get, hammer, processes, startPython } from './python-lib.js';

const CASES = [
  { workerClass: 'sync', path: '/spin', frame: /attack_flask\.py", line \d+ in spin_forever/ },
  { workerClass: 'gevent', path: '/spin', frame: /attack_flask\.py", line \d+ in spin_forever/ },
  { workerClass: 'gevent', path: '/block', frame: /attack_flask\.py", line \d+ in block_in_c/ },
];

for (const c of CASES) {
  const gevent = c.workerClass === 'gevent';
  // Todo (found by this test): the front keeps dispatching to the stuck worker. gevent: the
  // dispatcher (src/python/dispatch.ts, pick()) sends each request to the worker with the most free
  // capacity, and a gevent worker blocked by one request still shows 999 free of 1000, so it gets
  // about half of the new requests until it is killed; each fails (504 at timeout, 502 at the kill).
  // sync: when the front answers the stuck request 504 and sends CANCEL, Upstream.close()
  // (src/python/upstream.ts) frees the slot at once, though the Python worker is still in the loop;
  // the next request goes there and gets 502 when the worker is killed a second later. Gunicorn's
  // blocked worker stops accepting, so only the stuck request fails there.
  const todo = gevent
    ? 'a blocked gevent worker keeps getting new requests from the front until it is killed (src/python/dispatch.ts pick() ignores missed heartbeats)'
    : 'after the 504 and CANCEL the front counts the still-spinning sync worker free (src/python/upstream.ts close()) and sends it a request, which gets 502 at the kill';
  test(`a stuck app (${c.workerClass}, ${c.path}): 504 at timeout, the worker killed with its Python traceback, other requests 100% served`, { timeout: 60_000, todo }, async (tt) => {
    if (gevent && pythonHas('gevent')) return void tt.skip(pythonHas('gevent')!);
    const { t, url } = await startPython('attack_flask:app', ['-k', c.workerClass, '--timeout', '3'], { workers: 2 });
    const [a, b] = processes(t).workers;
    const started = Date.now();
    const stuck = get(url + c.path, { timeoutMs: 15_000 });
    await sleep(300);
    const others = await hammer(url, 5, 8, '/pid');
    const s = await stuck;
    const stuckMs = Date.now() - started;
    await t.waitFor(/\[CRITICAL\] WORKER TIMEOUT \(pid:(\d+)\)/, 10_000);
    const killed = Number(/WORKER TIMEOUT \(pid:(\d+)\)/.exec(t.output)![1]);
    await t.waitFor(new RegExp(`was blocked for over 3s here:[\\s\\S]*?${c.frame.source}`), 10_000);
    console.log(
      `stuck ${c.workerClass} ${c.path}: the stuck request got ${'status' in s ? s.status : s.error} after ${stuckMs} ms; worker ${killed} killed; ` +
        `${others.requests} other requests during the stall, ${failed(others)} failed (${fmt(others.failures)}); answered by ${fmt(others.byPid)}`,
    );
    assert.ok('status' in s && s.status === 504, `the stuck request: 504 (${JSON.stringify(s)})`);
    assert.ok([a, b].includes(killed));
    assert.ok(others.requests > 20, `other requests were served (${others.requests})`);
    // A replacement serves.
    for (let i = 0; i < 5; i++) assert.equal(((await get(`${url}/`)) as { status: number }).status, 200);
    assert.equal((await t.stop()).code, 0);
    assert.equal(failed(others), 0, `other requests: 100% success (${fmt(others.failures)})`);
  });
}
