/**
 * Issue 14, point 3: HTTP/2 slow readers (streams whose responses the client never lets through:
 * its flow-control window is 0, or it stops reading and sends no WINDOW_UPDATE, so nghttp2 holds
 * the data). At worker_connections they are shed as HTTP/1.1 slow reads are, PINGs or not, while
 * an h2 client that reads keeps its connection and new h2 and HTTP/1.1 clients are served; past
 * `timeout` such a stream is reset alone and the worker serves on.
 */
import assert from 'node:assert/strict';
import https from 'node:https';
import http2, { type ClientHttp2Session, type ClientSessionOptions } from 'node:http2';
import { describe, test } from 'node:test';
import { makeCerts } from '../helpers/certs.js';
import { sleep, startServer } from '../helpers/cli.js';
import { get as statusGet, metric, statusUrl } from '../helpers/status.js';

const certs = makeCerts();
const ca = certs.read(certs.ca);

/** An h2 session over TLS (ALPN). */
function connect(url: string, opts: ClientSessionOptions = {}): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, { ca, servername: 'localhost', ...opts });
    session.once('connect', () => resolve(session));
    session.once('error', reject);
  });
}

/** One GET read to its end: the status and the body's length. */
function get(session: ClientHttp2Session, path: string): Promise<{ status: number; length: number }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path });
    let status = 0;
    let length = 0;
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (c: Buffer) => (length += c.length));
    stream.on('end', () => resolve({ status, length }));
    stream.on('error', reject);
  });
}

/** A GET whose response is never read: the stream stays paused, so no WINDOW_UPDATE goes out. */
function neverRead(session: ClientHttp2Session, path: string): void {
  const stream = session.request({ ':path': path });
  stream.on('error', () => {});
  stream.pause();
}

/** One GET over HTTP/1.1 on the same TLS port (ALPN http/1.1), through `agent`. */
function http1Get(port: number, path: string, agent: https.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // Offered by ALPN, as a browser on HTTP/1.1 would (https.RequestOptions leaves the TLS option out of its type).
    const opts: https.RequestOptions & { ALPNProtocols: string[] } = { host: '127.0.0.1', port, path, agent, ca, servername: 'localhost', ALPNProtocols: ['http/1.1'] };
    const req = https.get(opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

/** Connections shed so far, by kind, from the master's /metrics (the worker's heartbeat brings it up to date). */
async function shedByKind(statusBase: string): Promise<{ read: number; other: number }> {
  const text = (await statusGet(`${statusBase}/metrics`)).body;
  const read = metric(text, 'tunicorn_connections_shed_total', { kind: 'read' }) || 0;
  return { read, other: (metric(text, 'tunicorn_connections_shed_total') || 0) - read };
}

const closed = (s: ClientHttp2Session) => new Promise<void>((resolve) => s.once('close', () => resolve()));

describe('HTTP/2 slow readers at worker_connections', { timeout: 45_000 }, () => {
  test("connections whose responses wait on the client's flow-control window are shed as slow reads; a reading h2 client keeps its connection; new h2 and HTTP/1.1 clients are served", async () => {
    const args = [
      '--certfile',
      certs.server.cert,
      '--keyfile',
      certs.server.key,
      '--http-protocols',
      'h2,h1',
      '--worker-connections',
      '5',
      '--keep-alive',
      '60',
      '--status-bind',
      '127.0.0.1:0',
      'fetch-features.mjs',
    ];
    const { t, port, url } = await startServer(args, { workers: 1, path: '/request', tls: { ca } });
    try {
      const status = await statusUrl(t);
      // A client that reads: a 64 KB response every 100 ms on one connection, all the while.
      const steady = await connect(url);
      let steadyClosed = false;
      steady.once('close', () => (steadyClosed = true));
      let stop = false;
      const answers: number[] = [];
      const steadyLoop = (async () => {
        while (!stop) {
          const r = await get(steady, '/big?kb=64');
          assert.equal(r.length, 64 * 1024);
          answers.push(r.status);
          await sleep(100);
        }
      })();

      // Four slow readers fill the cap: a window of 0 (not one byte of a body may be sent), a
      // window of 16 bytes, the default window with a 1 MB response never read, and a window of 0
      // with a PING every 20 ms (frames that move bytes both ways, but no response).
      const slow = await Promise.all([
        connect(url, { settings: { initialWindowSize: 0 } }),
        connect(url, { settings: { initialWindowSize: 16 } }),
        connect(url),
        connect(url, { settings: { initialWindowSize: 0 } }),
      ]);
      const gone = slow.map(closed);
      neverRead(slow[0]!, '/request');
      neverRead(slow[1]!, '/big?kb=64');
      neverRead(slow[2]!, '/big?kb=1024');
      neverRead(slow[3]!, '/big?kb=64');
      const pinger = setInterval(() => !slow[3]!.destroyed && slow[3]!.ping(() => {}), 20);
      void gone[3]!.then(() => clearInterval(pinger));

      // At the cap the worker stops accepting: these wait in the kernel's queue until slots free up.
      // They keep their connections open after their answer, so that the cap is reached again
      // while slow readers remain (two are shed a check), however fast they are answered.
      const freshSession = connect(url);
      const fresh = freshSession.then((s) => get(s, '/big?kb=64'));
      const agent = new https.Agent({ keepAlive: true });
      const h1 = http1Get(port, '/request', agent);

      const line = await t.waitFor(/worker_connections \(5\) reached: closed \d+ connection\(s\)[^\n]*slow reads[^\n]*/, 20_000);
      const open = await Promise.race([Promise.all(gone).then(() => []), sleep(20_000).then(() => slow.map((s, i) => (s.closed || s.destroyed ? -1 : i)).filter((i) => i >= 0))]);
      assert.deepEqual(open, [], 'every slow reader is closed (those listed were still open after 20 s)');
      assert.deepEqual(await fresh, { status: 200, length: 64 * 1024 }, 'a new h2 client is served');
      const h1r = await h1;
      assert.equal(h1r.status, 200, `a new HTTP/1.1 client is served: ${h1r.body}\n${t.output}`);
      (await freshSession).close();
      agent.destroy();

      stop = true;
      await steadyLoop;
      assert.ok(!steadyClosed, `the reading h2 client kept its connection; shed: ${JSON.stringify(await shedByKind(status))}\n${t.output}`);
      assert.ok(answers.length > 0 && answers.every((s) => s === 200), answers.join(','));
      steady.close();

      // The warning is printed at most once a second, so the count by kind is read from /metrics (polled, bounded).
      let shed = await shedByKind(status);
      for (let i = 0; i < 50 && shed.read < 4; i++) {
        await sleep(200);
        shed = await shedByKind(status);
      }
      console.log(`HTTP/2 slow readers at the cap: ${line[0]}; shed by kind: ${JSON.stringify(shed)}`);
      assert.deepEqual(shed, { read: 4, other: 0 }, 'the four slow readers were shed as slow reads, nothing else');
    } finally {
      assert.equal((await t.stop()).code, 0, t.output);
    }
  });
});

describe('HTTP/2 slow readers past timeout', { timeout: 30_000 }, () => {
  test('a stream whose response waits on a window of 0 past `timeout` is reset alone; the worker lives on and serves the next client', async () => {
    const args = ['--certfile', certs.server.cert, '--keyfile', certs.server.key, '--http-protocols', 'h2,h1', '--timeout', '2', 'fetch-features.mjs'];
    const { t, url } = await startServer(args, { workers: 1, path: '/request', tls: { ca } });
    try {
      const slow = await connect(url, { settings: { initialWindowSize: 0 } });
      const stream = slow.request({ ':path': '/big?kb=64' });
      stream.on('error', () => {});
      stream.pause();
      await new Promise<void>((resolve) => stream.once('close', () => resolve()));
      assert.equal(stream.rstCode, http2.constants.NGHTTP2_INTERNAL_ERROR, 'the stream is reset');
      await t.waitFor(/Request timed out after 2s: GET \/big\?kb=64/);
      const next = await connect(url);
      assert.deepEqual(await get(next, '/big?kb=64'), { status: 200, length: 64 * 1024 });
      next.close();
      slow.destroy();
      assert.doesNotMatch(t.output, /Uncaught exception/);
      assert.equal(t.workerPids().length, 1, 'the worker was not replaced');
    } finally {
      assert.equal((await t.stop()).code, 0, t.output);
    }
  });
});
