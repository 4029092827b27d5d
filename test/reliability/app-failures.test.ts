/** Issue 4, point 8: handlers that throw, reject, throw after the headers, or leak rejections and exceptions. */
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { startServer } from '../helpers/cli.js';

function get(url: string): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
        res.on('error', (err) => resolve({ error: err.message }));
      })
      .on('error', (err) => resolve({ error: err.message }));
  });
}

test('app failures: 500 or a closed connection, the stack in the log, the worker keeps serving or is replaced with a reason', async () => {
  const { t, url } = await startServer(['failures.mjs'], { workers: 1 });
  const pid = ((await get(`${url}/pid`)) as { body: string }).body;

  assert.deepEqual(await get(`${url}/throw`), { status: 500, body: 'Internal Server Error\n' });
  await t.waitFor(/\[ERROR\] Error handling request GET \/throw\nError: thrown before any header\n\s+at failures \(file:\/\/[^)]*failures\.mjs:\d+:\d+\)/);

  assert.deepEqual(await get(`${url}/reject`), { status: 500, body: 'Internal Server Error\n' });
  await t.waitFor(/Error handling request GET \/reject\nError: rejected before any header/);

  const cut = await get(`${url}/throw-after-headers`);
  assert.ok('error' in cut || cut.body === 'partial ', `connection closed mid-response: ${JSON.stringify(cut)}`);
  await t.waitFor(/Error handling request GET \/throw-after-headers\nError: thrown after the headers were sent/);

  assert.deepEqual(await get(`${url}/unhandled`), { status: 200, body: 'answered anyway' });
  await t.waitFor(/Unhandled promise rejection in the app \(the worker keeps serving\)\nError: an unhandled rejection/);
  assert.equal(((await get(`${url}/pid`)) as { body: string }).body, pid, 'same worker after throw, reject and unhandled rejection');

  assert.deepEqual(await get(`${url}/uncaught`), { status: 200, body: 'answered before the timer fires' });
  await t.waitFor(/\[CRITICAL\] Uncaught exception in the app; the worker will be replaced\nError: an uncaught exception in a timer/);
  await t.waitFor(new RegExp(`Worker \\(pid:${pid}\\) asked to be replaced \\(uncaught exception\\)`));
  await t.waitFor(new RegExp(`Worker exiting \\(pid: ${pid}\\)`));
  const after = await get(`${url}/pid`);
  assert.ok('status' in after && after.status === 200 && after.body !== pid, 'a replacement serves');
  assert.equal((await t.stop()).code, 0);
});
