/** The front's side of the frame format and the dispatcher's choices, as pure modules. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { creditFrame, Frame, frame, FrameReader } from '../../src/python/frames.js';
import { Dispatcher } from '../../src/python/dispatch.js';

test('frames: a 9-byte big-endian header, split anywhere across reads, in order', () => {
  const got: Array<[number, number, string]> = [];
  const reader = new FrameReader((type, stream, payload) => got.push([type, stream, payload.toString()]));
  const bytes = Buffer.concat([frame(Frame.Request, 7, '["GET"]'), frame(Frame.End, 7), creditFrame(Frame.Credit, 0x01020304, 65536), frame(Frame.Data, 9, Buffer.from('body'))]);
  assert.deepEqual([...bytes.subarray(0, 9)], [1, 0, 0, 0, 7, 0, 0, 0, 7]);
  for (let i = 0; i < bytes.length; i += 5) reader.push(bytes.subarray(i, i + 5));
  assert.deepEqual(
    got.map(([t, s]) => [t, s]),
    [
      [1, 7],
      [3, 7],
      [5, 0x01020304],
      [2, 9],
    ],
  );
  assert.equal(got[0]![2], '["GET"]');
  assert.equal(got[3]![2], 'body');
});

test('frames: a streamed type comes in pieces as read, views into the chunks; other frames whole', () => {
  const got: Array<[number, number, string, boolean]> = [];
  const reader = new FrameReader((type, stream, payload, more) => got.push([type, stream, payload.toString(), more]), Frame.ResponseData);
  const bytes = Buffer.concat([frame(Frame.Response, 3, '[200,"OK",[]]'), frame(Frame.ResponseData, 3, 'abcdefghij'), frame(Frame.ResponseEnd, 3)]);
  const cuts = [4, 20, 27, 30, 33, 37, bytes.length]; // the DATA header ends at 31
  let at = 0;
  for (const cut of cuts) {
    reader.push(bytes.subarray(at, cut));
    at = cut;
  }
  assert.deepEqual(
    got.map(([t, s]) => [t, s]),
    [
      [11, 3],
      [12, 3],
      [12, 3],
      [12, 3],
      [13, 3],
    ],
  );
  assert.equal(got[0]![2], '[200,"OK",[]]');
  assert.equal(
    got
      .filter(([t]) => t === 12)
      .map(([, , p]) => p)
      .join(''),
    'abcdefghij',
  );
  assert.deepEqual(
    got.filter(([t]) => t === 12).map(([, , , more]) => more),
    [true, true, false],
  );
  assert.equal(got[4]![3], false);
});

test('frames: read into one reused buffer, streamed pieces and split frames outlive the read', () => {
  const got: Array<[number, Buffer, number]> = [];
  const reader = new FrameReader((type, stream, payload) => got.push([type, type === Frame.ResponseData ? payload : Buffer.from(payload), stream]), Frame.ResponseData, true);
  const bytes = Buffer.concat([frame(Frame.ResponseData, 1, 'x'.repeat(40)), frame(Frame.Response, 2, '[200,"OK",["A","b"]]'), frame(Frame.ResponseData, 2, 'yz')]);
  const shared = Buffer.alloc(16);
  for (let i = 0; i < bytes.length; i += 16) {
    const n = bytes.copy(shared, 0, i, i + 16);
    reader.push(shared.subarray(0, n));
    shared.fill(0); // the next read overwrites it
  }
  const body = (stream: number) => Buffer.concat(got.filter(([t, , s]) => t === Frame.ResponseData && s === stream).map(([, p]) => p)).toString();
  assert.equal(body(1), 'x'.repeat(40));
  assert.equal(got.find(([t]) => t === Frame.Response)![1].toString(), '[200,"OK",["A","b"]]');
  assert.equal(body(2), 'yz');
  assert.ok(got.filter(([t, , s]) => t === Frame.ResponseData && s === 1).length > 1);
});

test('dispatcher: the bounded queue refuses when full and when a request waited too long', async () => {
  const d = new Dispatcher({ queueLimit: 1, queueTimeoutMs: 50 });
  const outcomes: string[] = [];
  d.acquire((u, why) => outcomes.push(u ? 'served' : `refused:${why}`));
  d.acquire((u, why) => outcomes.push(u ? 'served' : `refused:${why}`));
  assert.deepEqual(outcomes, ['refused:full']);
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(outcomes, ['refused:full', 'refused:timeout']);
  assert.deepEqual(d.refused, { full: 1, timeout: 1 });
});

/** A unix socket that answers each PING with a PONG, as a worker's reading loop does; nothing else. */
async function pongingWorker(): Promise<{ path: string; close(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'tunicorn-dispatch-'));
  const path = join(dir, 'w.sock');
  const conns = new Set<net.Socket>();
  const server = net
    .createServer((s) => {
      conns.add(s);
      s.on('error', () => {});
      const reader = new FrameReader((type) => {
        if (type === Frame.Ping) s.write(frame(Frame.Pong, 0));
      });
      s.on('data', (chunk: Buffer) => reader.push(chunk));
    })
    .listen(path);
  await once(server, 'listening');
  return {
    path,
    close() {
      server.close();
      for (const s of conns) s.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Wait for `grant` from the dispatcher (a new connection serves once its worker has answered). */
const granted = (d: Dispatcher) =>
  new Promise<NonNullable<Parameters<Parameters<Dispatcher['acquire']>[0]>[0]>>((resolve, reject) => d.acquire((u) => (u ? resolve(u) : reject(new Error('refused')))));

test('dispatcher: a worker taken out, put back and taken out again still reports the request on its first connection', async () => {
  const worker = await pongingWorker();
  try {
    const d = new Dispatcher({ queueLimit: 1, queueTimeoutMs: 1000 });
    const info = { id: 7, socket: worker.path, capacity: 10 };
    d.update([info]);
    const first = await granted(d);
    first.open({ onFrame() {}, flush() {}, onLost() {}, describe: (now) => ({ method: 'GET', path: '/block', ms: Math.round(now) }) });
    d.update([]); // stalled: out of turn
    d.update([info]); // a late heartbeat: back, on a new connection
    assert.notEqual(await granted(d), first);
    d.update([]); // timed out
    assert.deepEqual(
      d.running(7).map((r) => r.path),
      ['/block'],
    );
  } finally {
    worker.close();
  }
});

test('dispatcher: a worker whose listener is gone by the time the front connects gets no request; they wait for one that answers', async () => {
  const live = await pongingWorker();
  const goneDir = mkdtempSync(join(tmpdir(), 'tunicorn-dispatch-'));
  try {
    const d = new Dispatcher({ queueLimit: 100, queueTimeoutMs: 2000 });
    // The stopped worker has room for more: before, the dispatcher sent it the whole batch, each lost (502).
    d.update([
      { id: 1, socket: live.path, capacity: 30 },
      { id: 2, socket: join(goneDir, 'stopped.sock'), capacity: 1000 },
    ]);
    let lost = 0;
    const ids = await Promise.all(
      Array.from({ length: 30 }, async () => {
        const u = await granted(d);
        u.open({ onFrame() {}, flush() {}, onLost: () => lost++ });
        return u.id;
      }),
    );
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(new Set(ids), new Set([1]));
    assert.equal(lost, 0);
  } finally {
    live.close();
    rmSync(goneDir, { recursive: true, force: true });
  }
});
