/**
 * HTTP/2 end to end, through the real CLI: h2 and HTTP/1.1 on one TLS port (ALPN), cleartext h2
 * with prior knowledge for trusted peers; a Node listener, a fetch app and a Flask app served
 * unchanged over it (Node's http2 client, nghttp and h2load from Debian's nghttp2-client); the
 * access log's HTTP/2.0; limits and the header-list limit per stream; the request timeout per
 * stream; GOAWAY on TERM with a stream in flight finishing; max_requests counting streams.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http2, { type ClientHttp2Session, type OutgoingHttpHeaders } from 'node:http2';
import https from 'node:https';
import { after, before, describe, test } from 'node:test';
import { runCli, sleep, startServer, Tunicorn } from '../helpers/cli.js';
import { makeCerts, type Certs } from '../helpers/certs.js';
import { PY_FIXTURES, PYTHON, pythonHas } from '../helpers/python.js';

const certs: Certs = makeCerts();
const ca = certs.read(certs.ca);
const tlsArgs = ['--certfile', certs.server.cert, '--keyfile', certs.server.key];

interface Got {
  status: number;
  body: string;
  headers: http2.IncomingHttpHeaders;
}

function connect(url: string): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, { ca, servername: 'localhost' });
    session.once('connect', () => resolve(session));
    session.once('error', reject);
  });
}

/** One request on an HTTP/2 session; a reset stream rejects with its error (code in err.code). */
function request(session: ClientHttp2Session, path: string, headers: OutgoingHttpHeaders = {}, body?: string): Promise<Got> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path, ...(body !== undefined ? { ':method': 'POST' } : {}), ...headers }, { endStream: body === undefined });
    let got: http2.IncomingHttpHeaders = {};
    let text = '';
    stream.setEncoding('utf8');
    stream.on('response', (h) => (got = h));
    stream.on('data', (c: string) => (text += c));
    stream.on('end', () => resolve({ status: Number(got[':status']), body: text, headers: got }));
    stream.on('error', reject);
    if (body !== undefined) stream.end(body);
  });
}

async function once(url: string, path: string, headers: OutgoingHttpHeaders = {}): Promise<Got> {
  const session = await connect(url);
  try {
    return await request(session, path, headers);
  } finally {
    session.close();
  }
}

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => execFile(cmd, args, { timeout: 20_000 }, (err, out, errOut) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: out + errOut })));
}

function httpsGet(url: string): Promise<{ status: number; body: string; version: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca, servername: 'localhost', agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, version: res.httpVersion }));
      })
      .on('error', reject);
  });
}

describe('HTTP/2 over TLS (ALPN), a Node listener', { timeout: 60_000 }, () => {
  let server: { t: Tunicorn; port: number; url: string };
  before(async () => {
    server = await startServer([...tlsArgs, '--http-protocols', 'h2,h1', '--access-logfile', '-', '--limit-request-field_size', '1000', '--http2-max-header-list-size', '6000', 'node-app.mjs'], {
      workers: 1,
      tls: { ca },
    });
  });
  after(async () => {
    if (server) assert.equal((await server.t.stop()).code, 0, server.t.output);
  });

  test('h2 by ALPN and HTTP/1.1 on the same port; the access log says HTTP/2.0', async () => {
    assert.match(server.t.output, /HTTP\/2: offered by ALPN \(h2,h1\), HTTP\/1\.1 fallback/);
    const r = await once(server.url, '/h2-path');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'Hello from node');
    const h1 = await httpsGet(`${server.url}/`);
    assert.equal(h1.status, 200);
    assert.equal(h1.version, '1.1');
    await server.t.waitFor(/"GET \/h2-path HTTP\/2\.0" 200 15 /);
  });

  test('nghttp and h2load: many streams on few connections, all answered', async () => {
    const n = await run('nghttp', ['-nv', '--no-verify-peer', `https://127.0.0.1:${server.port}/`]);
    assert.equal(n.code, 0, n.out);
    assert.match(n.out, /:status: 200/);
    const h = await run('h2load', ['-n', '400', '-c', '4', '-m', '10', `https://127.0.0.1:${server.port}/`]);
    assert.match(h.out, /400 succeeded, 0 failed/, h.out);
    assert.match(h.out, /Application protocol: h2/);
  });

  test('limits and the header-list limit apply per stream; the connection serves on', async () => {
    const session = await connect(server.url);
    const big = await request(session, '/', { 'x-big': 'a'.repeat(1200) });
    assert.equal(big.status, 400);
    assert.match(big.body, /header field x-big is too large/);
    // Over http2_max_header_list_size: nghttp2 resets the stream before the app sees it.
    await assert.rejects(
      request(session, '/', Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`x-${i}`, 'v'.repeat(900)]))),
      /NGHTTP2_ENHANCE_YOUR_CALM|NGHTTP2_REFUSED|Stream closed with error code/,
    );
    // limit_request_fields (100) counts fields, not the pseudo-headers.
    const fields = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`h${i}`, 'v']));
    assert.equal((await request(session, '/', fields(100))).status, 200);
    const many = await request(session, '/', fields(101));
    assert.equal(many.status, 400);
    assert.match(many.body, /too many header fields \(more than 100\)/);
    const ok = await request(session, '/');
    assert.equal(ok.status, 200);
    session.close();
    assert.match(server.t.output, /Invalid request from ip=\S+: header field x-big is too large/);
  });
});

describe('http_protocols h2 alone', { timeout: 30_000 }, () => {
  test('an HTTP/1.1 client over TLS is refused (ALPN without a match), h2 is served', async () => {
    // startServer's probe speaks HTTP/1.1, which this server refuses: the port comes from the output.
    const t = new Tunicorn(['--bind', '127.0.0.1:0', '--workers', '1', ...tlsArgs, '--http-protocols', 'h2', 'node-app.mjs']);
    const port = Number((await t.waitFor(/Listening at: https:\/\/127\.0\.0\.1:(\d+)/))[1]);
    try {
      const url = `https://127.0.0.1:${port}`;
      let h2: Got | null = null;
      for (let i = 0; i < 50 && !h2; i++) h2 = await once(url, '/').catch(async () => (await sleep(100), null));
      assert.equal(h2?.status, 200);
      await assert.rejects(httpsGet(`${url}/`));
    } finally {
      assert.equal((await t.stop()).code, 0, t.output);
    }
  });
});

describe('HTTP/2 cleartext with prior knowledge, a fetch app', { timeout: 60_000 }, () => {
  let server: { t: Tunicorn; port: number; url: string };
  before(async () => {
    server = await startServer(
      ['--http-protocols', 'h2,h1', '--http2-cleartext', 'prior-knowledge', '--timeout', '2', '--graceful-timeout', '10', '--max-requests', '6', '--max-requests-jitter', '0', 'fetch-features.mjs'],
      { workers: 1, path: '/request' },
    );
  });
  after(async () => {
    if (server?.t.running) await server.t.stop();
  });

  test('a trusted peer speaking h2c is served; the fetch app sees its request; HTTP/1.1 from it is refused (400)', async () => {
    const r = await once(server.url, '/request?x=1');
    assert.equal(r.status, 200);
    assert.match(JSON.parse(r.body).url, new RegExp(`^http://(localhost|127\\.0\\.0\\.1):${server.port}/request\\?x=1$`));
    const echo = await (async () => {
      const s = await connect(server.url);
      try {
        return await request(s, '/echo', { 'content-type': 'text/plain' }, 'posted body');
      } finally {
        s.close();
      }
    })();
    assert.equal(echo.status, 200);
    assert.equal(echo.body, 'posted body');
    const h1 = await run('curl', ['-sS', `http://127.0.0.1:${server.port}/request`]);
    assert.match(h1.out, /Bad Request: HTTP\/2 preface expected/);
  });

  test('timeout answers 504 on the stream; max_requests counts streams; TERM sends GOAWAY and the stream in flight finishes', async () => {
    const session = await connect(server.url);
    const slow = await request(session, '/late?ms=4000');
    assert.equal(slow.status, 504);
    // Streams on one connection count one by one: at most 6 (max_requests) retire the worker.
    const pid = server.t.workerPids()[0];
    let streams = 1;
    while (!/Autorestarting worker after current request/.test(server.t.output) && streams < 6) {
      assert.equal((await request(session, '/request')).status, 200);
      streams++;
      await sleep(50);
    }
    await server.t.waitFor(/Autorestarting worker after current request/);
    session.close();
    await server.t.waitFor(new RegExp(`Worker \\(pid:${pid}\\) exited|Worker exiting \\(pid: ${pid}\\)`));
    assert.equal(server.t.workerPids().length, 2, 'a new worker took over');

    const s2 = await connect(server.url);
    let goaway = false;
    s2.on('goaway', () => (goaway = true));
    const inFlight = request(s2, '/late?ms=1000');
    await sleep(300);
    const stopped = server.t.stop();
    const late = await inFlight;
    assert.equal(late.status, 200);
    assert.equal(late.body, 'too late');
    assert.ok(goaway, 'the client got a GOAWAY');
    assert.equal((await stopped).code, 0, server.t.output);
  });
});

describe('HTTP/2 at worker_connections', { timeout: 30_000 }, () => {
  test('idle HTTP/2 connections are shed; one with a stream in progress is kept and its response arrives', async () => {
    const { t, url } = await startServer(['--http-protocols', 'h2,h1', '--http2-cleartext', 'prior-knowledge', '--worker-connections', '4', '--keep-alive', '60', 'fetch-features.mjs'], {
      workers: 1,
      path: '/request',
    });
    try {
      const busy = await connect(url);
      const slow = request(busy, '/late?ms=3000');
      const idle = await Promise.all([connect(url), connect(url), connect(url)]);
      const closed = idle.map((s) => new Promise<void>((resolve) => s.once('close', () => resolve())));
      await t.waitFor(/worker_connections \(4\) reached: closed \d+ connection\(s\)/);
      // Shedding frees slots until the worker is under the cap again: at least one idle connection goes.
      await Promise.race(closed);
      const late = await slow;
      assert.equal(late.status, 200);
      assert.equal(late.body, 'too late');
      busy.close();
      for (const s of idle) s.destroy();
    } finally {
      assert.equal((await t.stop()).code, 0, t.output);
    }
  });
});

describe('HTTP/2 idle connections that PING at worker_connections', { timeout: 30_000 }, () => {
  test('connections with no stream open are shed as idle keep-alive though they PING every 200 ms; one with a stream in progress is kept', async () => {
    const { t, url } = await startServer(['--http-protocols', 'h2,h1', '--http2-cleartext', 'prior-knowledge', '--worker-connections', '4', '--keep-alive', '60', 'fetch-features.mjs'], {
      workers: 1,
      path: '/request',
    });
    const sessions: ClientHttp2Session[] = [];
    const timers: NodeJS.Timeout[] = [];
    try {
      const busy = await connect(url);
      sessions.push(busy);
      const slow = request(busy, '/late?ms=4000');
      const pinging = await Promise.all([connect(url), connect(url), connect(url)]);
      sessions.push(...pinging);
      for (const s of pinging) timers.push(setInterval(() => !s.destroyed && s.ping(() => {}), 200));
      const closed = pinging.map((s) => new Promise<void>((resolve) => s.once('close', () => resolve())));
      await t.waitFor(/worker_connections \(4\) reached: closed \d+ connection\(s\)[^\n]*[1-9]\d* idle keep-alive/, 15_000);
      await Promise.race(closed);
      const late = await slow;
      assert.equal(late.body, 'too late', 'the connection with a stream in progress was kept');
    } finally {
      for (const timer of timers) clearInterval(timer);
      for (const s of sessions) s.destroy();
      assert.equal((await t.stop()).code, 0, t.output);
    }
  });
});

describe('HTTP/2 slow clients at worker_connections', { timeout: 30_000 }, () => {
  test('connections whose every stream waits on a body that trickles are shed as slow bodies (slow readers: http2-slow-reader.test.ts); a new client is served', async () => {
    const { t, url } = await startServer(['--http-protocols', 'h2,h1', '--http2-cleartext', 'prior-knowledge', '--worker-connections', '4', '--keep-alive', '60', 'fetch-features.mjs'], {
      workers: 1,
      path: '/request',
    });
    try {
      // Two connections each with a POST that announces 1 MB and sends 10 bytes.
      const trickling = await Promise.all([connect(url), connect(url)]);
      for (const session of trickling) {
        const stream = session.request({ ':method': 'POST', ':path': '/count', 'content-length': String(1 << 20) }, { endStream: false });
        stream.on('error', () => {});
        stream.write(Buffer.alloc(10, 97));
      }
      // Two connections that ask for a 1 MB echo and never read it (the stream stays paused: no WINDOW_UPDATE).
      const notReading = await Promise.all([connect(url), connect(url)]);
      for (const session of notReading) {
        const stream = session.request({ ':method': 'POST', ':path': '/echo' });
        stream.on('error', () => {});
        stream.pause();
        stream.end(Buffer.alloc(1 << 20, 98));
      }
      const gone = [...trickling, ...notReading].map((s) => new Promise<void>((resolve) => s.once('close', () => resolve())));
      await t.waitFor(/worker_connections \(4\) reached: closed \d+ connection\(s\).*slow bod/, 15_000);
      await Promise.all(gone.slice(0, 2));
      const fresh = await once(url, '/request');
      assert.equal(fresh.status, 200, 'a new client is served once the slow ones are shed');
      for (const s of [...trickling, ...notReading]) s.destroy();
      const m = /\((\d+) so far: (\d+) slow headers, (\d+) slow bodies, (\d+) slow reads/.exec(
        t.output
          .split('\n')
          .filter((l) => /worker_connections \(4\) reached/.test(l))
          .pop() ?? '',
      );
      console.log(`HTTP/2 slow clients at the cap: ${m?.[0] ?? t.output}`);
      assert.ok(Number(m?.[3]) >= 2, 'the trickling bodies were shed as slow bodies');
    } finally {
      assert.equal((await t.stop()).code, 0, t.output);
    }
  });
});

describe('HTTP/2: a Flask app over TLS', { timeout: 60_000, skip: pythonHas('flask') ?? false }, () => {
  let server: { t: Tunicorn; port: number; url: string };
  before(async () => {
    server = await startServer(['--python', PYTHON, ...tlsArgs, '--http-protocols', 'h2,h1', 'flask_app:app'], { cwd: PY_FIXTURES, workers: 1, tls: { ca } });
  });
  after(async () => {
    if (server) assert.equal((await server.t.stop()).code, 0, server.t.output);
  });

  test('routes, JSON and a streamed response over h2', async () => {
    const session = await connect(server.url);
    const [index, item, stream] = await Promise.all([request(session, '/'), request(session, '/api/items/7?q=z'), request(session, '/stream')]);
    session.close();
    assert.equal(index.body, 'Hello from Flask');
    assert.deepEqual(JSON.parse(item.body), { id: 7, name: 'item 7', q: 'z' });
    assert.equal(stream.body, 'chunk 0\nchunk 1\nchunk 2\n');
  });
});

describe('HTTP/2: a WSGI environ', { timeout: 60_000 }, () => {
  test('SERVER_PROTOCOL HTTP/2.0, Host from :authority, no pseudo-headers, https; hop-by-hop fields dropped', async () => {
    const server = await startServer(['--python', PYTHON, ...tlsArgs, '--http-protocols', 'h2,h1', 'h2_environ:app'], { cwd: PY_FIXTURES, workers: 1, tls: { ca } });
    try {
      const env = JSON.parse((await once(server.url, '/env')).body);
      assert.equal(env.protocol, 'HTTP/2.0');
      // The client's :authority (Node's client names the host it verified, localhost).
      assert.match(env.host, new RegExp(`^(localhost|127\\.0\\.0\\.1):${server.port}$`));
      assert.equal(env.scheme, 'https');
      assert.ok(!env.keys.some((k: string) => k.includes(':')), env.keys.join(','));
      // Connection-specific fields from the app are dropped on HTTP/2 (Node would refuse the head).
      const hop = await once(server.url, '/hop');
      assert.equal(hop.status, 200);
      assert.equal(hop.body, 'hop');
      assert.equal(hop.headers.connection, undefined);
    } finally {
      assert.equal((await server.t.stop()).code, 0, server.t.output);
    }
  });
});

describe('HTTP/2 settings', { timeout: 30_000 }, () => {
  test('http2_max_concurrent_streams, initial_window_size, max_frame_size and max_header_list_size are what the server announces in its SETTINGS', async () => {
    const { t, port } = await startServer(
      [
        '--http-protocols',
        'h2,h1',
        '--http2-cleartext',
        'prior-knowledge',
        '--http2-max-concurrent-streams',
        '7',
        '--http2-initial-window-size',
        '131072',
        '--http2-max-frame-size',
        '32768',
        '--http2-max-header-list-size',
        '12000',
        'fetch-features.mjs',
      ],
      { workers: 1, path: '/request' },
    );
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const settings = await new Promise<http2.Settings>((resolve, reject) => {
      session.once('remoteSettings', resolve);
      session.once('error', reject);
    });
    session.close();
    assert.deepEqual(
      { streams: settings.maxConcurrentStreams, window: settings.initialWindowSize, frame: settings.maxFrameSize, headers: settings.maxHeaderListSize },
      { streams: 7, window: 131072, frame: 32768, headers: 12000 },
    );
    assert.equal((await t.stop()).code, 0);
  });

  test('a bad value is one clear line', async () => {
    for (const [args, re] of [
      [['--http-protocols', 'h3'], /Invalid value for http_protocols[^:]*: h3 \(HTTP\/3\) is not implemented/],
      [['--http-protocols', 'h2,spdy'], /Invalid value for http_protocols[^:]*: "h2,spdy"; expected a comma-separated list of h1 and h2/],
      [['--http2-max-frame-size', '100'], /Invalid value for http2_max_frame_size[^:]*: "100"; expected a whole number from 16384 to 16777215/],
      [['--http2-cleartext', 'upgrade'], /Upgrade to h2c is not supported, use prior-knowledge/],
    ] as const) {
      const r = await runCli([...args, 'app.mjs']);
      assert.notEqual(r.code, 0);
      assert.match(r.output, re);
      assert.equal(r.output.trim().split('\n').length, 1, r.output);
    }
  });
});
