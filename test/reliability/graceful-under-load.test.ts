/** Issue 4, point 3: TERM while requests are in flight: every accepted request is answered, exit 0. */
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { sleep, startServer } from '../helpers/cli.js';

test('TERM with 100 requests in flight: all answered 200 within graceful_timeout, exit 0', async () => {
  const { t, url } = await startServer(['--graceful-timeout', '10', 'app.mjs'], { workers: 2 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 100 });
  const answers = Array.from(
    { length: 100 },
    (_, i) =>
      new Promise<number | string>((resolve) => {
        http
          .get(`${url}/slow?ms=${500 + (i % 10) * 100}`, { agent }, (res) => {
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
  console.log(`graceful shutdown: ${results.filter((s) => s === 200).length}/100 answered, exit ${code} after ${took} ms`);
  assert.deepEqual(results, Array(100).fill(200));
  assert.equal(code, 0);
  assert.ok(took < 10_000);
  agent.destroy();
});
