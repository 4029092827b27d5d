/**
 * Python apps, issue point 3 ("a stuck app"): a request that never yields, a busy loop in Python
 * (`/spin`) or a C call gevent cannot patch (`/block`, libc sleep() through ctypes), holds one Python
 * worker of two (test/fixtures/python/attack_flask.py, --timeout 3). The stuck request is answered 504
 * at `timeout`, the worker is killed with its Python traceback logged (the line that loops or blocks),
 * and meanwhile other clients (new connections, so each is dispatched afresh) get a 100% success rate
 * from the other workers.
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
  // The front prefers workers that are not silent with requests on them, and a cancelled request
  // holds its slot until the worker says it stopped: the stuck worker gets nothing new.
  test(`a stuck app (${c.workerClass}, ${c.path}): 504 at timeout, the worker killed with its Python traceback, other requests 100% served`, { timeout: 60_000 }, async (tt) => {
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
    // The fronts say which request held it, though the front answered it 504 already (a /pid sent
    // to the worker before the master took it out of turn is "1 more request in flight").
    assert.match(t.output, new RegExp(`WORKER TIMEOUT \\(pid:\\d+\\) running GET ${c.path} for \\d+\\.\\ds(; \\d+ more requests? in flight)?\\n`));
    const killed = Number(/WORKER TIMEOUT \(pid:(\d+)\)/.exec(t.output)![1]);
    await t.waitFor(new RegExp(`was blocked for over 3s here:[\\s\\S]*?${c.frame.source}`), 10_000);
    console.log(
      `stuck ${c.workerClass} ${c.path}: the stuck request got ${'status' in s ? s.status : s.error} after ${stuckMs} ms; worker ${killed} killed; ` +
        `${others.requests} other requests during the stall, ${failed(others)} failed (${fmt(others.failures)}); answered by ${fmt(others.byPid)}`,
    );
    if (failed(others) || !('status' in s && s.status === 504))
      console.log(
        t.output
          .split('\n')
          .filter((l) => /WARNING|ERROR|CRITICAL|504|502/.test(l))
          .slice(0, 30)
          .join('\n'),
      );
    assert.ok('status' in s && s.status === 504, `the stuck request: 504 (${JSON.stringify(s)})`);
    assert.ok([a, b].includes(killed));
    assert.ok(others.requests > 20, `other requests were served (${others.requests})`);
    // A replacement serves.
    for (let i = 0; i < 5; i++) assert.equal(((await get(`${url}/`)) as { status: number }).status, 200);
    assert.equal((await t.stop()).code, 0);
    // The issue asks 100% from the other workers: a request the front sent the stuck worker in the
    // ~250 ms before it counted as silent is the stuck worker's, answered 504 and named in the line.
    const onStuck = Number(/WORKER TIMEOUT \(pid:\d+\) running [^\n]*?; (\d+) more requests? in flight/.exec(t.output)?.[1] ?? 0);
    assert.ok(
      failed(others) <= onStuck && (others.failures.get('status 504') ?? 0) === failed(others),
      `other requests: 100% success but for ${onStuck} sent to the stuck worker (${fmt(others.failures)})`,
    );
  });
}
