/**
 * Fetch apps, request by request: bodies stream both ways, request.signal fires when the client goes
 * away and when the request times out, and override_globals decides whether the global Request and
 * Response are @hono/node-server's.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { before, describe, test } from 'node:test';
import { sleep, startServer, type Tunicorn } from '../helpers/cli.js';

describe('fetch apps', { concurrency: 1, timeout: 60_000 }, () => {
  let app: { t: Tunicorn; url: string; port: number };
  let features: { t: Tunicorn; url: string; port: number };
  let plain: { t: Tunicorn; url: string; port: number };
  before(async () => {
    // --timeout 3, not 1: the master's 1 s heartbeats make a shorter timeout kill busy or booting workers.
    [app, features, plain] = await Promise.all([
      startServer(['app.mjs', '--timeout', '3'], { workers: 1 }),
      startServer(['fetch-features.mjs', '--timeout', '3'], { workers: 1, path: '/globals' }),
      startServer(['fetch-features.mjs', '--override-globals', 'false'], { workers: 1, path: '/globals' }),
    ]);
  });

  test('a 1 MB request body reaches the app and comes back intact', async () => {
    const body = randomBytes(1 << 20);
    const res = await fetch(`${app.url}/echo`, { method: 'POST', body, signal: AbortSignal.timeout(10_000) });
    assert.equal(res.status, 200);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(body));
    // Streamed back out as well (a ReadableStream body in the Response).
    const res2 = await fetch(`${features.url}/echo`, { method: 'POST', body, signal: AbortSignal.timeout(10_000) });
    assert.ok(Buffer.from(await res2.arrayBuffer()).equals(body));
  });

  test('request.arrayBuffer(), bytes(), text() and json() read bodies whole, large (one copy) and small; a second read is refused', async () => {
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const big = randomBytes(1 << 20);
    const text = Buffer.from('é'.repeat(100_000) + 'z');
    const json = Buffer.from(JSON.stringify({ items: Array.from({ length: 5000 }, (_, i) => ({ i, name: `item ${i}` })) }));
    const small = Buffer.from('{"a":1}');
    for (const [as, body] of [
      ['arrayBuffer', big],
      ['bytes', big],
      ['text', text],
      ['json', json],
      ['json', small],
      ['arrayBuffer', small],
    ] as const) {
      const res = await fetch(`${features.url}/read?as=${as}`, { method: 'POST', body, signal: AbortSignal.timeout(10_000) });
      assert.deepEqual(await res.json(), { length: body.length, sha256: sha(body) }, `${as} of ${body.length} bytes`);
    }
    const twice = await fetch(`${features.url}/read-twice`, { method: 'POST', body: big });
    assert.equal(twice.status, 400);
    assert.match(await twice.text(), /^TypeError: Body is unusable/);
  });

  test('a client that goes away halfway through a large body: the read rejects with an AbortError, the worker serves on', async () => {
    await new Promise<void>((resolve, reject) => {
      const s = net.connect(features.port, '127.0.0.1', () => {
        s.write(`POST /read-cut HTTP/1.1\r\nHost: x\r\nContent-Length: ${1 << 20}\r\n\r\n`);
        s.write(Buffer.alloc(100 * 1024, 97), () => setTimeout(() => (s.destroy(), resolve()), 200));
      });
      s.on('error', reject);
    });
    await features.t.waitFor(/BODY CUT AbortError/);
    assert.equal((await fetch(`${features.url}/read?as=text`, { method: 'POST', body: 'still here' })).status, 200);
  });

  test('the request body streams: the app reads its first chunk before the client has sent the rest', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const s = net.connect(features.port, '127.0.0.1');
      let out = '';
      const timer = setTimeout(() => (s.destroy(), reject(new Error(`no answer while the body was incomplete; got ${JSON.stringify(out)}`))), 5000);
      s.on('data', (d) => {
        out += d;
        if (out.includes('bytes')) {
          clearTimeout(timer);
          s.destroy();
          resolve(out);
        }
      });
      s.on('error', reject);
      // Announce 1 MB, send 16 KB, and wait: a buffering server could not answer.
      s.write(`POST /first-chunk HTTP/1.1\r\nHost: x\r\nContent-Length: ${1 << 20}\r\n\r\n`);
      s.write(Buffer.alloc(16 * 1024, 97));
    });
    assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(answer, /first chunk \d+ bytes/);
  });

  test('request.signal fires when the client goes away', async () => {
    const before = app.t.count(/ABORTED \/wait-abort/);
    const ac = new AbortController();
    const pending = fetch(`${app.url}/wait-abort`, { signal: ac.signal }).catch((err: Error) => err);
    await sleep(300);
    ac.abort();
    assert.equal(((await pending) as Error).name, 'AbortError');
    await app.t.waitFor(/ABORTED \/wait-abort/, 3000);
    assert.equal(app.t.count(/ABORTED \/wait-abort/), before + 1);
  });

  test('a request running past --timeout is answered 504, logged, and its signal fires', async () => {
    const before = app.t.count(/ABORTED \/wait-abort/);
    const started = Date.now();
    const get = (url: string) => fetch(url, { signal: AbortSignal.timeout(8000) });
    const [waiting, slow, rejecting] = await Promise.all([get(`${app.url}/wait-abort`), get(`${app.url}/slow?ms=3600`), get(`${features.url}/abort-reason`)]);
    const elapsed = Date.now() - started;
    for (const res of [waiting, slow, rejecting]) {
      assert.equal(res.status, 504);
      assert.equal(res.headers.get('connection'), 'close');
      assert.equal(await res.text(), 'Gateway Timeout\n');
    }
    assert.ok(elapsed >= 2900 && elapsed < 6000, `answered after ${elapsed} ms`);
    await app.t.waitFor(/\[ERROR\] Request timed out after 3s: GET \/wait-abort/, 3000);
    await app.t.waitFor(/\[ERROR\] Request timed out after 3s: GET \/slow\?ms=3600/, 3000);
    await features.t.waitFor(/\[ERROR\] Request timed out after 3s: GET \/abort-reason/, 3000);
    // The apps saw their signal fire.
    await app.t.waitFor(new RegExp(`(ABORTED /wait-abort[\\s\\S]*){${before + 1}}`), 3000);
    await features.t.waitFor(/SIGNAL FIRED \/abort-reason/, 3000);
    // Late answers are dropped quietly: /wait-abort's Response after its signal, /slow's at 3.6 s, and
    // /abort-reason's rejection with the signal's reason (the app giving up, not an app error).
    await sleep(800);
    for (const { t } of [app, features]) {
      assert.doesNotMatch(t.output, /ERR_HTTP_HEADERS_SENT|Cannot write headers/);
      assert.doesNotMatch(t.output, /Error handling request/);
      // The worker is still the same one.
      assert.equal(t.workerPids().length, 1, t.output);
    }
    assert.equal(await (await fetch(`${app.url}/`)).text(), 'Hello, World!');
  });

  test('by default the global Request and Response are replaced (override_globals)', async () => {
    const res = await fetch(`${features.url}/globals`);
    assert.deepEqual(await res.json(), { requestReplaced: true, responseReplaced: true, instanceOfOriginal: true });
  });

  test('--override-globals false keeps the built-in classes and still serves fetch apps', async () => {
    const res = await fetch(`${plain.url}/globals`);
    assert.deepEqual(await res.json(), { requestReplaced: false, responseReplaced: false, instanceOfOriginal: true });
    const body = randomBytes(256 * 1024);
    const echo = await fetch(`${plain.url}/echo`, { method: 'POST', body });
    assert.ok(Buffer.from(await echo.arrayBuffer()).equals(body));
  });

  test('all three servers stop cleanly', async () => {
    const codes = await Promise.all([app, features, plain].map((s) => s.t.stop()));
    for (const { code } of codes) assert.equal(code, 0);
  });
});
