/**
 * Connection handling: requests past --timeout are answered 504 (Node apps), idle keep-alive
 * connections close after --keep-alive seconds, and during a graceful shutdown (TERM) in-flight
 * responses carry Connection: close while idle keep-alive connections are closed at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sleep, startServer, type Tunicorn } from '../helpers/cli.js';
import { RawConnection } from './raw-http.js';

const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;

describe('connections', { timeout: 60_000, concurrency: true }, () => {
  let draining: { t: Tunicorn; port: number };
  let timeouts: { t: Tunicorn; port: number; url: string };
  let noKeepAlive: { t: Tunicorn; port: number };
  before(async () => {
    [draining, timeouts, noKeepAlive] = await Promise.all([
      startServer(['app.mjs', '--keep-alive', '30', '--graceful-timeout', '10'], { workers: 1 }),
      // --timeout 3: with 1 s heartbeats a shorter timeout can kill a busy or booting worker.
      startServer(['timeouts.mjs', '--timeout', '3', '--keep-alive', '1'], { workers: 1 }),
      startServer(['app.mjs', '--keep-alive', '0'], { workers: 1 }),
    ]);
  });

  test("a Node app's request running past --timeout gets 504 and an error-log line; the worker serves on", async () => {
    const pid = await (await fetch(`${timeouts.url}/pid`)).text();
    const started = Date.now();
    const res = await fetch(`${timeouts.url}/hang`, { signal: AbortSignal.timeout(10_000) });
    const elapsed = Date.now() - started;
    assert.equal(res.status, 504);
    assert.equal(await res.text(), 'Gateway Timeout\n');
    assert.equal(res.headers.get('connection'), 'close');
    assert.ok(elapsed >= 2900 && elapsed < 6000, `504 after ${elapsed} ms`);
    await timeouts.t.waitFor(new RegExp(`\\[${pid}\\] \\[ERROR\\] Request timed out after 3s: GET /hang`));
    assert.equal(await (await fetch(`${timeouts.url}/pid`)).text(), pid);
  });

  test('an idle keep-alive connection is closed after --keep-alive seconds (1 s)', async () => {
    const c = new RawConnection(timeouts.port);
    const r = await c.request(GET('/'));
    assert.equal(r.status, 200);
    assert.equal(r.headers['connection'], 'keep-alive');
    assert.match(r.headers['keep-alive'] ?? '', /timeout=1\b/);
    const idleFrom = Date.now();
    // Still usable well within the window.
    await sleep(300);
    assert.equal((await c.request(GET('/'))).status, 200);
    const closedAt = await c.waitClosed(4000);
    assert.ok(closedAt !== null, 'the server never closed the idle connection');
    const idle = closedAt - idleFrom;
    assert.ok(idle >= 900 && idle < 3000, `closed after ${idle} ms idle`);
  });

  test('--keep-alive 0 closes the connection after each response', async () => {
    const c = new RawConnection(noKeepAlive.port);
    const r = await c.request(GET('/'));
    assert.equal(r.status, 200);
    assert.equal(r.headers['connection'], 'close');
    assert.notEqual(await c.waitClosed(1000), null);
  });

  test('TERM: the in-flight response carries Connection: close, idle keep-alive connections close at once', async () => {
    const idle = new RawConnection(draining.port);
    const first = await idle.request(GET('/'));
    assert.equal(first.headers['connection'], 'keep-alive');
    const busy = new RawConnection(draining.port);
    await busy.connected();
    const inflight = busy.request(GET('/slow?ms=1500'), 8000);
    await sleep(300); // the slow request is running
    const termAt = Date.now();
    draining.t.signal('SIGTERM');

    const idleClosedAt = await idle.waitClosed(3000);
    assert.ok(idleClosedAt !== null, 'the idle keep-alive connection was not closed');
    assert.ok(idleClosedAt - termAt < 800, `idle connection closed ${idleClosedAt - termAt} ms after TERM`);

    const r = await inflight;
    assert.equal(r.status, 200);
    assert.equal(r.body, 'slept 1500');
    assert.equal(r.headers['connection'], 'close');
    assert.notEqual(await busy.waitClosed(2000), null);
    const { code } = await draining.t.exited;
    assert.equal(code, 0, draining.t.output);
  });

  after(async () => {
    for (const { t } of [timeouts, noKeepAlive]) assert.equal((await t.stop()).code, 0, t.output);
  });
});
