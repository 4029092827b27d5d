/**
 * An app that throws or rejects: the client gets a plain 500 with no stack and no error message, the
 * error log gets "Error handling request" with the stack, and the same worker serves the next request.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { startServer, type Tunicorn } from '../helpers/cli.js';
import { rawRequest } from './raw-http.js';

async function expect500(url: string, secret: RegExp): Promise<void> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  const body = await res.text();
  assert.equal(res.status, 500, `${url}: ${body}`);
  assert.equal(body, 'Internal Server Error\n');
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  assert.equal(res.headers.get('connection'), 'close');
  assert.doesNotMatch(body, secret);
}

describe('apps that throw or reject', { timeout: 60_000 }, () => {
  let fetchApp: { t: Tunicorn; url: string };
  let nodeApp: { t: Tunicorn; url: string; port: number };
  before(async () => {
    [fetchApp, nodeApp] = await Promise.all([startServer(['fetch-errors.mjs'], { workers: 1 }), startServer(['node-errors.mjs'], { workers: 1 })]);
  });

  test('fetch app: a synchronous throw, a rejection and a missing Response are each a 500', async () => {
    const pid = await (await fetch(`${fetchApp.url}/pid`)).text();
    await expect500(`${fetchApp.url}/sync-throw`, /thrown synchronously|TypeError|at /);
    await expect500(`${fetchApp.url}/reject`, /rejected by|RangeError|at /);
    await expect500(`${fetchApp.url}/nothing`, /TypeError/);
    const { t } = fetchApp;
    await t.waitFor(new RegExp(`\\[${pid}\\] \\[ERROR\\] Error handling request GET /sync-throw\\nTypeError: thrown synchronously by the fetch handler\\n\\s+at .*fetch-errors\\.mjs:\\d+`));
    await t.waitFor(new RegExp(`\\[${pid}\\] \\[ERROR\\] Error handling request GET /reject\\nRangeError: rejected by the fetch handler\\n\\s+at .*fetch-errors\\.mjs:\\d+`));
    await t.waitFor(/\[ERROR\] Error handling request GET \/nothing\nTypeError: The fetch handler returned no Response/);
    // The same worker answers: it was neither killed nor replaced.
    assert.equal(await (await fetch(`${fetchApp.url}/pid`)).text(), pid);
    assert.deepEqual(t.workerPids(), [Number(pid)]);
  });

  test('node app: a throw and a rejected promise are each a 500; the worker keeps serving', async () => {
    const pid = await (await fetch(`${nodeApp.url}/pid`)).text();
    await expect500(`${nodeApp.url}/throw`, /boom|at /);
    await expect500(`${nodeApp.url}/reject`, /rejected|at /);
    const { t } = nodeApp;
    await t.waitFor(new RegExp(`\\[${pid}\\] \\[ERROR\\] Error handling request GET /throw\\nError: boom from a node listener\\n\\s+at listener .*node-errors\\.mjs:\\d+`));
    await t.waitFor(new RegExp(`\\[${pid}\\] \\[ERROR\\] Error handling request GET /reject\\nError: rejected in a node listener\\n\\s+at listener .*node-errors\\.mjs:\\d+`));
    assert.equal(await (await fetch(`${nodeApp.url}/pid`)).text(), pid);
    assert.deepEqual(t.workerPids(), [Number(pid)]);
  });

  test('node app: a throw after the response started closes the connection (the status cannot change)', async () => {
    const r = await rawRequest(nodeApp.port, 'GET /throw-after-headers HTTP/1.1\r\nHost: x\r\n\r\n', 3000);
    assert.equal(r.status, 200);
    assert.match(r.raw, /partial /, 'what was written before the throw is delivered');
    assert.ok(r.closed, 'connection closed');
    assert.doesNotMatch(r.raw, /thrown after|at /);
    await nodeApp.t.waitFor(/\[ERROR\] Error handling request GET \/throw-after-headers\nError: thrown after the response started/);
    assert.equal(await (await fetch(`${nodeApp.url}/`)).text(), 'ok');
  });

  test('both stop cleanly', async () => {
    for (const { t } of [fetchApp, nodeApp]) assert.equal((await t.stop()).code, 0, t.output);
  });
});
