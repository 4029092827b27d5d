/**
 * WebSockets and other upgrades reach the app: a `ws` server on an exported http.Server, on an
 * Express server captured from app.listen(), socket.io, and a Hono fetch app with
 * @hono/node-server's upgradeWebSocket. Real clients (ws, socket.io-client) talk to the real CLI.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { describe, test } from 'node:test';
import { io as ioClient } from 'socket.io-client';
import WebSocket from 'ws';
import { startServer } from '../helpers/cli.js';

const open = async (url: string) => {
  const ws = new WebSocket(url);
  await once(ws, 'open');
  return ws;
};
const ask = async (ws: WebSocket, text: string) => {
  const reply = once(ws, 'message');
  ws.send(text);
  return String((await reply)[0]);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('WebSocket echo through each kind of app', { concurrency: 2, timeout: 60_000 }, () => {
  const cases: Array<[file: string, path: string, expect: (s: string) => string]> = [
    ['ws/ws-server.mjs', '/', (s) => s],
    ['ws/express-listen.cjs', '/ws', (s) => `express:${s}`],
    ['ws/hono-ws.mjs', '/ws', (s) => `hono:${s}`],
  ];
  for (const [file, path, expect] of cases) {
    test(file, async () => {
      const { t, port, url } = await startServer([file], { workers: 2 });
      const ws = await open(`ws://127.0.0.1:${port}${path}`);
      assert.equal(await ask(ws, 'hello'), expect('hello'));
      ws.close();
      // Plain requests still answered as before.
      assert.equal((await fetch(url)).status, 200);
      assert.equal((await t.stop()).code, 0, t.output);
    });
  }

  test('socket.io, websocket transport', async () => {
    const { t, port } = await startServer(['ws/socketio.mjs'], { workers: 2 });
    const socket = ioClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
    await once(socket, 'connect');
    const reply = await socket.timeout(5000).emitWithAck('echo', 'hi');
    assert.match(reply, /^io:hi:\d+$/);
    socket.close();
    assert.equal((await t.stop()).code, 0, t.output);
  });
});

test('the request guard and limits apply to the upgrade request; timeout does not cut a socket', { timeout: 60_000 }, async () => {
  const { t, port } = await startServer(['ws/ws-server.mjs', '--timeout', '1', '--limit-request-field-size', '100'], { workers: 1 });
  const raw = net.connect(port, '127.0.0.1');
  raw.write(`GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
  let answer = '';
  raw.on('data', (d) => (answer += d));
  await once(raw, 'close');
  assert.match(answer, /^HTTP\/1\.1 400 /);

  // A field over limit_request_field_size: refused before the app sees the handshake.
  const big = new WebSocket(`ws://127.0.0.1:${port}/`, { headers: { 'X-Big': 'y'.repeat(200) } });
  const [, res] = (await Promise.race([once(big, 'unexpected-response'), once(big, 'open')])) as [unknown, { statusCode?: number } | undefined];
  assert.equal(res?.statusCode, 400);

  const ws = await open(`ws://127.0.0.1:${port}/`);
  await sleep(2500); // past `timeout` (1 s) and the worker's heartbeats
  assert.equal(await ask(ws, 'still here'), 'still here');
  ws.close();
  assert.match(t.output, /Invalid request from ip=127\.0\.0\.1/);
  assert.equal((await t.stop()).code, 0, t.output);
});

test('1000 concurrent sockets on 2 workers', { timeout: 120_000 }, async () => {
  const { t, port } = await startServer(['ws/ws-server.mjs'], { workers: 2 });
  const sockets: WebSocket[] = [];
  for (let i = 0; i < 1000; i += 100) sockets.push(...(await Promise.all(Array.from({ length: 100 }, () => open(`ws://127.0.0.1:${port}/`)))));
  const replies = await Promise.all(sockets.map((ws, i) => ask(ws, `n:${i}`)));
  const pids = new Set(replies.map((r, i) => (assert.match(r, new RegExp(`^ack:${i}:\\d+$`)), r.split(':')[2])));
  assert.equal(pids.size, 2, 'both workers hold sockets');
  for (const ws of sockets) ws.close();
  assert.equal((await t.stop()).code, 0, t.output);
});

test('a reload with sockets open: each gets 1001, reconnects to a new worker, no acked message lost', { timeout: 120_000 }, async () => {
  const { t, port } = await startServer(['ws/ws-server.mjs', '--graceful-timeout', '10'], { workers: 2 });
  const before = new Set<string>();
  const clients = 20;
  const acked = new Set<number>();
  const codes: number[] = [];
  let next = 0;
  let refused = 0;
  let stop = false;
  let stopNow = () => {};
  const stopped = new Promise<void>((r) => (stopNow = r));
  const run = async () => {
    const pending = new Set<number>();
    let seenNewWorker = false;
    while (!stop || pending.size) {
      // A handshake that reaches an old worker as it stops is refused (503, Connection: close):
      // a reconnecting client tries again, as after a 1001.
      const ws = await open(`ws://127.0.0.1:${port}/`).catch((err: Error) => {
        if (!/Unexpected server response: 503/.test(err.message)) throw err;
        refused++;
        return null;
      });
      if (!ws) continue;
      ws.on('message', (d) => {
        const [, n, pid] = String(d).split(':');
        pending.delete(Number(n));
        acked.add(Number(n));
        if (before.size && !before.has(pid!)) seenNewWorker = true;
        else if (!stop) before.add(pid!);
      });
      // Resend what was not acked on the last connection, then keep sending.
      for (const n of pending) ws.send(`n:${n}`);
      const closed = once(ws, 'close');
      const sender = setInterval(() => {
        if (stop || ws.readyState !== WebSocket.OPEN) return;
        const n = next++;
        pending.add(n);
        ws.send(`n:${n}`);
      }, 20);
      const [code] = (await Promise.race([closed, stopped.then(() => [0])])) as [number];
      clearInterval(sender);
      // Done sending: wait for the acks still due on this connection.
      for (let i = 0; !code && pending.size && i < 100; i++) await sleep(50);
      if (code) codes.push(code);
      if (!code) {
        ws.close();
        break;
      }
    }
    return seenNewWorker;
  };
  const runs = Array.from({ length: clients }, run);
  await sleep(1000);
  const oldPids = t.workerPids();
  t.signal('SIGHUP');
  await t.waitFor(/Sent 1001 going away/, 20_000);
  await sleep(2000);
  stop = true;
  stopNow();
  const results = await Promise.all(runs);
  console.log(
    `reload with ${clients} sockets open: ${codes.filter((c) => c === 1001).length} closed with 1001, ${refused} handshake(s) refused by a stopping worker and retried, ${next} messages acked`,
  );
  assert.ok(results.every(Boolean), 'every client reconnected to a new worker');
  assert.ok(codes.filter((c) => c === 1001).length >= clients, `1001 for each client: ${codes.join(',')}`);
  for (let n = 0; n < next; n++) assert.ok(acked.has(n), `message ${n} was never acked`);
  assert.notDeepEqual(t.workerPids(), oldPids);
  assert.equal((await t.stop()).code, 0, t.output);
});
