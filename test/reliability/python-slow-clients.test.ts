/**
 * Python apps, slow request bodies against sync workers (in npm test): three slow bodies against two
 * sync workers, one more than there are workers; a normal request is still served at once. The
 * scaled-down slowhttptest run against gevent is in slow-clients.test.ts (parametrised by app); the
 * full-size attacks (10,000 connections against the seed's config) are the long files' job.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { sleep } from '../helpers/cli.js';
import { get, startPython } from './python-lib.js';

// The front takes a sync worker only once it has a request's body (or its first 256 KiB).
test('sync: 3 slow request bodies against 2 sync workers; a normal request is still served within 1 s', { timeout: 30_000 }, async () => {
  const { t: server, port, url } = await startPython('attack_flask:app', ['-k', 'sync', '--request-queue-timeout', '3'], { workers: 2 });
  const slow: net.Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    s.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nab');
    slow.push(s);
  }
  const drip = setInterval(() => slow.forEach((s) => s.write('a')), 500);
  await sleep(1000);
  const started = Date.now();
  const r = await get(`${url}/`, { timeoutMs: 8000 });
  const ms = Date.now() - started;
  clearInterval(drip);
  slow.forEach((s) => s.destroy());
  console.log(`sync, 3 slow bodies held: a normal GET / got ${'status' in r ? r.status : r.error} after ${ms} ms`);
  await server.stop();
  assert.ok('status' in r && r.status === 200, `served (${JSON.stringify('status' in r ? r.status : r)})`);
  assert.ok(ms < 1000, `within 1 s (${ms} ms)`);
});
