/**
 * Accepting a burst of connections while the worker is busy. libuv takes one connection per
 * listening descriptor per turn of the event loop; the acceptor listens on more descriptors when
 * the kernel queue backs up. Measured in turns of the loop, not in time: the app blocks every turn
 * for a few ms and counts them, and each connection of the burst asks for that count.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { startServer } from '../helpers/cli.js';

/** One request on a new connection; resolves with the body. */
function oneShot(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    socket.on('data', (c) => (data += c));
    socket.on('error', reject);
    socket.on('close', () => resolve(data.slice(data.indexOf('\r\n\r\n') + 4)));
  });
}

test('a burst of 300 connections to a busy worker holding 150 others is taken within a few turns of its loop', async () => {
  const { t, port } = await startServer(['app.mjs'], { workers: 1 });
  // 150 idle keep-alive connections: the worker holds many (it grows its listeners from 100 on).
  const idle = await Promise.all(
    Array.from(
      { length: 150 },
      () =>
        new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect(port, '127.0.0.1', () => resolve(s));
          s.on('error', reject);
        }),
    ),
  );
  // Every turn of the worker's loop blocks for 4 ms, for the next 600 turns.
  await oneShot(port, '/busy?turns=600&ms=4');
  while (Number(await oneShot(port, '/blocked')) < 5) {
    /* until the loop is busy */
  }
  const counts = (await Promise.all(Array.from({ length: 300 }, () => oneShot(port, '/blocked')))).map(Number);

  assert.ok(
    counts.every((n) => Number.isInteger(n)),
    'every connection of the burst was answered',
  );
  const spread = Math.max(...counts) - Math.min(...counts);
  console.log(`turns of the loop between the first and the last connection of the burst: ${spread}`);
  // One listener takes one connection a turn: about 300 turns.
  assert.ok(spread < 50, `the burst took ${spread} turns to accept`);
  for (const s of idle) s.destroy();
  assert.equal((await t.stop()).code, 0);
});
