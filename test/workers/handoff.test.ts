/**
 * Connection handoff on recycling: a retiring worker's keep-alive connections move to its
 * replacement (same TCP connection, requests keep succeeding, served by the new pid); a request
 * in flight when the retirement starts finishes first, without Connection: close.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer } from '../helpers/cli.js';
import { RawConnection } from '../http/raw-http.js';

const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;

test('a keep-alive connection survives its worker recycling: same socket, served by each new worker', async () => {
  const { t, url } = await startServer(['--max-requests', '10', '--max-requests-jitter', '0', 'app.mjs'], { workers: 1 });
  const port = Number(new URL(url).port);
  const conn = new RawConnection(port);
  await conn.connected();
  const local = conn.socket.localPort;
  const served: number[] = [];
  // Until three workers have served on it: two recycles (each replacement boots while the old one serves on).
  for (let i = 0; i < 400 && new Set(served).size < 3; i++) {
    const r = await conn.request(GET('/pid'));
    assert.equal(r.status, 200, `request ${i}: ${r.raw}`);
    assert.notEqual(r.headers.connection, 'close', `request ${i} was answered with Connection: close`);
    served.push(Number(r.body));
    await sleep(10);
  }
  const pids = [...new Set(served)];
  assert.equal(pids.length, 3, `served by ${pids.join(', ')}`);
  assert.equal(conn.closedAt, null, 'the connection stayed open');
  assert.equal(conn.socket.localPort, local, 'one TCP connection throughout');
  // Each is a worker the master booted, in order: the connection moved to each replacement.
  assert.deepEqual(pids, t.workerPids().slice(0, 3));
  conn.socket.destroy();
  assert.equal((await t.stop()).code, 0);
});

test('a request in flight as the worker retires finishes there, then its connection moves too', async () => {
  const { t, url } = await startServer(['--max-requests', '5', '--max-requests-jitter', '0', '--keep-alive', '10', 'app.mjs'], { workers: 1 });
  const port = Number(new URL(url).port);
  const slow = new RawConnection(port);
  const quick = new RawConnection(port);
  await Promise.all([slow.connected(), quick.connected()]);
  const first = Number((await slow.request(GET('/pid'))).body);
  // The slow request is in flight while the quick connection uses up the quota and the replacement boots.
  const pending = slow.request(GET('/slow?ms=2500'), 10_000);
  for (let i = 0; i < 4; i++) assert.equal((await quick.request(GET('/'))).status, 200);
  await t.waitFor(/Booting worker with pid: \d+[\s\S]*Booting worker with pid: \d+/);
  const r = await pending;
  assert.equal(r.body, 'slept 2500');
  assert.notEqual(r.headers.connection, 'close');
  const [, second] = t.workerPids();
  for (const conn of [slow, quick]) {
    const after = await conn.request(GET('/pid'));
    assert.equal(Number(after.body), second, 'served by the replacement');
    assert.equal(conn.closedAt, null);
  }
  assert.notEqual(first, second);
  slow.socket.destroy();
  quick.socket.destroy();
  assert.equal((await t.stop()).code, 0);
});

test('a handed-off connection left idle closes after the keep-alive timeout, as any other', async () => {
  const { t, url } = await startServer(['--max-requests', '3', '--max-requests-jitter', '0', '--keep-alive', '1', 'app.mjs'], { workers: 1 });
  const conn = new RawConnection(Number(new URL(url).port));
  await conn.connected();
  let last = 0;
  for (let i = 0; i < 200 && t.workerPids().length < 2; i++) last = Number((await conn.request(GET('/pid'))).body);
  await t.waitFor(/Worker exiting/);
  // The old worker exits once its connections are gone: this one now belongs to the replacement.
  assert.equal(conn.closedAt, null);
  assert.notEqual(last, 0);
  assert.notEqual(await conn.waitClosed(5000), null, 'closed by the keep-alive timeout');
  assert.equal((await t.stop()).code, 0);
});
