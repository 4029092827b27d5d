/** worker_connections, the sync worker, and keep-alive: connections above the cap wait, never reset. */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { sleep, startServer } from '../helpers/cli.js';

/** Open a raw connection and send one keep-alive request; resolves with the response head once it arrives. */
function rawRequest(port: number, path = '/'): { socket: net.Socket; response: Promise<string> } {
  const socket = net.connect(port, '127.0.0.1');
  socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  const response = new Promise<string>((resolve, reject) => {
    let data = '';
    socket.on('data', (c) => {
      data += c;
      if (data.includes('\r\n\r\n')) resolve(data);
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed before a response: ${JSON.stringify(data)}`)));
  });
  return { socket, response };
}

test('above worker_connections a new connection waits (not reset) while the others are busy, then is served', async () => {
  const { t, port } = await startServer(['--worker-connections', '2', '--keep-alive', '30', 'app.mjs'], { workers: 1 });
  const a = rawRequest(port, '/slow?ms=1500');
  const b = rawRequest(port, '/slow?ms=1500');
  await sleep(200);
  const c = rawRequest(port);
  const early = await Promise.race([c.response.then(() => 'served'), sleep(1000).then(() => 'waiting')]);
  assert.equal(early, 'waiting', 'the third connection waits while two requests are in progress');
  assert.match(await a.response, /^HTTP\/1\.1 200/);
  assert.match(await b.response, /^HTTP\/1\.1 200/);
  assert.match(await c.response, /^HTTP\/1\.1 200/, 'served once a slot frees (idle connections are shed at the cap)');
  for (const x of [a, b, c]) x.socket.destroy();
  assert.equal((await t.stop()).code, 0);
});

test('at the cap, slow-header connections are shed so a normal client is still served', async () => {
  const { t, port, url } = await startServer(['--worker-connections', '3', 'app.mjs'], { workers: 1 });
  // Three connections that dribble a request line and never finish their headers (slowloris).
  const slow = Array.from({ length: 3 }, () => {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    s.write('GET / HTTP/1.1\r\nHost: x\r\n');
    return s;
  });
  await sleep(1300);
  const started = Date.now();
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200);
  console.log(`served past 3 slow-header connections in ${Date.now() - started} ms`);
  await t.waitFor(/worker_connections \(3\) reached: closed \d+ connection\(s\) waiting on slow or idle clients/);
  assert.ok(
    slow.some((s) => s.destroyed || s.readableEnded),
    'a slow connection was shed',
  );
  for (const s of slow) s.destroy();
  assert.equal((await t.stop()).code, 0);
});

test('sync worker: one request at a time per worker, Connection: close after each response', async () => {
  const { t, url } = await startServer(['-k', 'sync', 'app.mjs'], { workers: 1 });
  const started = Date.now();
  const [r1, r2] = await Promise.all([fetch(`${url}/slow?ms=400`), fetch(`${url}/slow?ms=400`)]);
  const elapsed = Date.now() - started;
  assert.equal(r1.headers.get('connection'), 'close');
  assert.equal(await r1.text(), 'slept 400');
  assert.equal(await r2.text(), 'slept 400');
  assert.ok(elapsed >= 780, `served one after the other (${elapsed} ms)`);
  assert.equal((await t.stop()).code, 0);
});

test('async worker serves concurrent requests on one worker', async () => {
  const { t, url } = await startServer(['app.mjs'], { workers: 1 });
  const started = Date.now();
  const all = await Promise.all(Array.from({ length: 20 }, () => fetch(`${url}/slow?ms=400`).then((r) => r.text())));
  assert.equal(all.length, 20);
  assert.ok(Date.now() - started < 1500, 'concurrently');
  assert.equal((await t.stop()).code, 0);
});

test('gevent, eventlet, gthread and tornado are accepted as async with an info line', async () => {
  const { t } = await startServer(['-k', 'gevent', 'app.mjs'], { workers: 1 });
  assert.match(t.output, /\[INFO\] worker_class gevent is served by tunicorn's async worker/);
  assert.match(t.output, /Using worker: async/);
  assert.equal((await t.stop()).code, 0);
});
