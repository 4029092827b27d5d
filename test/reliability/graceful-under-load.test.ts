/**
 * Issue 4 point 3 and issue 13 point 3: TERM with 100 requests in flight, on the Node app and on a
 * Python app (gevent): every accepted request is answered 200 within graceful_timeout, exit 0, and
 * no process of the server is left behind.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { sleep } from '../helpers/cli.js';
import { childPids } from '../helpers/proc.js';
import { APPS } from './apps.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

for (const app of APPS) {
  test(`${app.name}: TERM with 100 requests in flight: all answered 200 within graceful_timeout, exit 0`, { timeout: 60_000 }, async (tt) => {
    if (app.missing()) return void tt.skip(app.missing()!);
    const { t, url } = await app.start(['--graceful-timeout', '10'], { workers: 2 });
    const procs = childPids(t.pid);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 100 });
    const answers = Array.from(
      { length: 100 },
      (_, i) =>
        new Promise<number | string>((resolve) => {
          http
            .get(`${url}${app.slowPath(500 + (i % 10) * 100)}`, { agent }, (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode!));
            })
            .on('error', (err) => resolve(err.message));
        }),
    );
    await sleep(300);
    const termAt = Date.now();
    t.signal('SIGTERM');
    const results = await Promise.all(answers);
    const { code } = await t.exited;
    const took = Date.now() - termAt;
    agent.destroy();
    const leftover = procs.filter(alive);
    console.log(`${app.name} graceful shutdown: ${results.filter((s) => s === 200).length}/100 answered, exit ${code} after ${took} ms; processes left: ${leftover.length}`);
    assert.deepEqual(results, Array(100).fill(200));
    assert.equal(code, 0);
    assert.ok(took < 10_000, `exited ${took} ms after TERM`);
    assert.deepEqual(leftover, []);
    if (app.forbidden) assert.doesNotMatch(t.output, app.forbidden);
  });
}
