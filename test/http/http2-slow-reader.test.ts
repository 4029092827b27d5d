/**
 * Issue 14, point 3: HTTP/2 slow readers (streams whose responses the client never lets through:
 * its flow-control window is 0, or it stops reading and sends no WINDOW_UPDATE, so nghttp2 holds
 * the data). Past `timeout` such a stream is reset alone and the worker serves on.
 */
import assert from 'node:assert/strict';
import http2, { type ClientHttp2Session, type ClientSessionOptions } from 'node:http2';
import { describe, test } from 'node:test';
import { makeCerts } from '../helpers/certs.js';
import { startServer } from '../helpers/cli.js';

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
