/**
 * The known HTTP/2 attacks, sent as raw frames over h2c (prior knowledge): rapid reset
 * (CVE-2023-44487), a CONTINUATION flood (CVE-2024-27316), SETTINGS and PING floods. Each attacker's
 * connection is closed by the server, the rapid-reset streams never reach the app, and a normal
 * client on another connection is answered throughout by the same worker (no crash, no restart).
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type Tunicorn } from '../helpers/cli.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const HEADERS = 1;
const RST_STREAM = 3;
const SETTINGS = 4;
const PING = 6;
const CONTINUATION = 9;
const END_STREAM = 0x1;
const END_HEADERS = 0x4;
/** HPACK, static table only: :method GET, :scheme http, :path /. */
const GET_ROOT = Buffer.from([0x82, 0x86, 0x84]);

function frame(type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(stream, 5);
  return Buffer.concat([head, payload]);
}

/** Send the frames after the preface; resolves once the server has closed the connection. `readLate`: do not read for a while (so acknowledgements pile up). */
function attack(port: number, frames: Buffer[], readLate = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('the server kept the attacking connection open for 20 s'));
    }, 20_000);
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    if (readLate) {
      socket.pause();
      setTimeout(() => socket.resume(), 1000);
    }
    socket.write(Buffer.concat([PREFACE, frame(SETTINGS, 0, 0), ...frames]));
  });
}

describe('HTTP/2 attacks are refused without harm to other clients', { timeout: 90_000 }, () => {
  let server: { t: Tunicorn; port: number; url: string };
  const log = join(mkdtempSync(join(tmpdir(), 'tunicorn-h2-')), 'access.log');
  let client: http2.ClientHttp2Session;
  before(async () => {
    server = await startServer(['--http-protocols', 'h2,h1', '--http2-cleartext', 'prior-knowledge', '--log-level', 'debug', '--access-logfile', log, 'fetch-features.mjs'], {
      workers: 1,
      path: '/request',
    });
    client = http2.connect(server.url);
  });
  after(async () => {
    client?.close();
    if (server) assert.equal((await server.t.stop()).code, 0, server.t.output);
  });

  /** A normal client's request on its own connection, opened before the attacks. */
  const normal = () =>
    new Promise<number>((resolve, reject) => {
      const req = client.request({ ':path': '/request' });
      req.on('response', (h) => resolve(Number(h[':status'])));
      req.on('error', reject);
      req.resume();
    });

  /** Requests from the normal client while `during` runs; all must be 200. */
  async function alongside(during: Promise<void>): Promise<number> {
    let done = false;
    let served = 0;
    const loop = (async () => {
      while (!done) {
        assert.equal(await normal(), 200);
        served++;
      }
    })();
    await during.finally(() => (done = true));
    await loop;
    assert.equal(await normal(), 200);
    return served + 1;
  }

  test('rapid reset (CVE-2023-44487): 5000 streams opened and cancelled at once end the connection, not the app', async () => {
    const frames: Buffer[] = [];
    for (let i = 0, id = 1; i < 5000; i++, id += 2) frames.push(frame(HEADERS, END_STREAM | END_HEADERS, id, GET_ROOT), frame(RST_STREAM, 0, id, Buffer.from([0, 0, 0, 8])));
    await alongside(attack(server.port, frames));
    // The access log has the normal client's requests; the cancelled streams barely reached the app, if at all.
    const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean).length;
    assert.ok(lines < 1000, `${lines} access log lines`);
  });

  test('CONTINUATION flood (CVE-2024-27316): endless CONTINUATION frames end the connection', async () => {
    const frames = [frame(HEADERS, END_STREAM, 1, GET_ROOT)];
    for (let i = 0; i < 10_000; i++) frames.push(frame(CONTINUATION, 0, 1));
    await alongside(attack(server.port, frames));
  });

  test('SETTINGS and PING floods, unread acknowledgements: the connection is ended', async () => {
    const settings = Array.from({ length: 100_000 }, () => frame(SETTINGS, 0, 0));
    await alongside(attack(server.port, settings, true));
    const pings = Array.from({ length: 100_000 }, () => frame(PING, 0, 0, Buffer.alloc(8)));
    await alongside(attack(server.port, pings, true));
  });

  test('one worker took it all, and says why it ended those sessions', () => {
    assert.equal(server.t.workerPids().length, 1, server.t.output);
    assert.match(server.t.output, /HTTP\/2 session error from ip=127\.0\.0\.1: .*(Flooding was detected|Too many)/);
  });
});
