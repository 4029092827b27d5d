/**
 * A front hands response body pieces to its clients as views into the buffer it reads a worker's
 * connection into, and reads the next chunk into a new buffer when a client write still holds one
 * (src/python/upstream.ts). Many clients on one worker connection, some stalling 300 ms on a 6 MB
 * body so their writes stay pending while the others' responses are read: every body must be the
 * one its request asked for, byte for byte (without the new buffer, 187 of 3,081 were not, in one run).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { test } from 'node:test';
import { startServer } from '../helpers/cli.js';
import { PY_FIXTURES, PYTHON } from '../helpers/python.js';

const SECONDS = 5;

function expected(n: number, size: number): Buffer {
  const unit = Buffer.from(createHash('sha256').update(String(n)).digest('hex'));
  const body = Buffer.alloc(size);
  for (let i = 0; i < size; i += unit.length) unit.copy(body, i, 0, Math.min(unit.length, size - i));
  return body;
}

test(`${SECONDS} s of 40 clients on one gevent worker, some stalling on 6 MB bodies: every response body is its own`, async () => {
  const { t, url } = await startServer(['--python', PYTHON, '-k', 'gevent', 'patterned:application'], { cwd: PY_FIXTURES, workers: 1 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 40 });
  let ok = 0;
  const bad: number[] = [];
  const one = (n: number) =>
    new Promise<void>((resolve, reject) => {
      const size = n % 10 === 0 ? 6_000_000 : [50_000, 100_000, 300_000, 700_000][n % 4]!;
      http
        .get(`${url}/?n=${n}&size=${size}${n % 3 === 0 ? '&stream=1' : ''}`, { agent }, (res) => {
          const chunks: Buffer[] = [];
          let stalled = false;
          res.on('data', (c: Buffer) => {
            chunks.push(c);
            if (n % 10 === 0 && !stalled) {
              stalled = true;
              res.pause();
              setTimeout(() => res.resume(), 300);
            }
          });
          res.on('end', () => {
            if (Buffer.concat(chunks).equals(expected(n, size))) ok++;
            else bad.push(n);
            resolve();
          });
        })
        .on('error', reject);
    });
  try {
    const until = Date.now() + SECONDS * 1000;
    let next = 0;
    await Promise.all(
      Array.from({ length: 40 }, async () => {
        while (Date.now() < until) await one(next++);
      }),
    );
    console.log(`response integrity: ${ok} bodies as asked, ${bad.length} not`);
    assert.ok(ok > 100, `enough responses to mean something (${ok})`);
    assert.deepEqual(bad, []);
    assert.doesNotMatch(t.output, /ERROR|CRITICAL|Traceback/);
  } finally {
    agent.destroy();
    await t.stop();
  }
});
