/**
 * TLS end to end, through the real CLI, with certificates openssl makes here (a CA, two server
 * certificates for localhost, a client certificate): curl and Node clients over https; mutual TLS
 * accepted with a client certificate and refused without; a bad certificate stops the start with
 * one line before anything binds; HUP and a renewal on disk bring the new certificate to new
 * connections without dropping open ones, and a bad file at reload keeps the running one; a
 * stalled handshake is shed at worker_connections; a reload under load fails no request; Python
 * apps see wsgi.url_scheme https, fetch apps an https request.url, also behind a PROXY header.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, renameSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, sleep, startServer, type Tunicorn } from '../helpers/cli.js';
import { makeCerts, type Certs } from '../helpers/certs.js';
import { load } from '../helpers/load.js';
import { v1Header, GET } from '../helpers/proxied.js';
import { PY_FIXTURES, PYTHON } from '../helpers/python.js';
import { get as statusGet, statusUrl } from '../helpers/status.js';

const certs: Certs = makeCerts();

interface Got {
  status: number;
  body: string;
  /** The certificate the server presented. */
  fingerprint: string;
}

/** One https GET; a fresh connection unless `agent` says otherwise. Verifies the server against the test CA. */
function get(url: string, opts: https.RequestOptions = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: certs.read(certs.ca), servername: 'localhost', agent: false, timeout: 5000, ...opts }, (res) => {
      const fingerprint = (res.socket as tls.TLSSocket).getPeerCertificate().fingerprint256;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, fingerprint }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

function curl(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--max-time', '5', ...args], (err, out, errOut) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out, err: errOut }));
  });
}

/** The certificate new connections get, polled until it is `fingerprint` (a reload reaches workers in a moment). */
async function waitCertificate(server: { t: Tunicorn; url: string }, fingerprint: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await get(`${server.url}/request`).catch(() => null);
    if (got?.fingerprint === fingerprint) return;
    if (Date.now() > deadline) throw new Error(`new connections still get ${got?.fingerprint}, not ${fingerprint}; output:\n${server.t.output}`);
    await sleep(100);
  }
}

/** Files the server is started with, rewritten by the reload tests. */
const live = { cert: join(certs.dir, 'live.pem'), key: join(certs.dir, 'live.key') };
function install(pair: { cert: string; key: string }, how: 'in place' | 'renamed over' = 'in place'): void {
  for (const [from, to] of [
    [pair.key, live.key],
    [pair.cert, live.cert],
  ] as const) {
    if (how === 'in place') copyFileSync(from, to);
    else {
      // As renewal tools write: a new file, renamed over the old one (a new inode).
      copyFileSync(from, `${to}.new`);
      renameSync(`${to}.new`, to);
    }
  }
}

describe('TLS: a fetch app over https, reloads', { timeout: 90_000 }, () => {
  let server: { t: Tunicorn; port: number; url: string };
  before(async () => {
    install(certs.server);
    server = await startServer(['--certfile', live.cert, '--keyfile', live.key, '--keep-alive', '10', '--status-bind', '127.0.0.1:0', '--health-check-path', '/request', 'fetch-features.mjs'], {
      workers: 2,
      path: '/request',
      tls: {},
    });
  });
  after(async () => {
    if (server) assert.equal((await server.t.stop()).code, 0, server.t.output);
  });

  test('the master says https and which certificate; curl and a Node client get 200, and the app sees an https request.url', async () => {
    assert.match(server.t.output, /\[INFO\] TLS: CN=localhost from \S+live\.pem, valid until /);
    assert.match(server.t.output, /Listening at: https:\/\/127\.0\.0\.1:\d+ /);
    const c = await curl(['--cacert', certs.ca, '--resolve', `localhost:${server.port}:127.0.0.1`, `https://localhost:${server.port}/request`]);
    assert.equal(c.code, 0, c.err);
    assert.equal(JSON.parse(c.out).url, `https://localhost:${server.port}/request`);
    const r = await get(`${server.url}/request`);
    assert.equal(r.status, 200);
    assert.equal(r.fingerprint, certs.server.fingerprint);
    assert.match(JSON.parse(r.body).url, /^https:\/\/127\.0\.0\.1:\d+\/request$/);
  });

  test('/readyz asks the app over https (health_check_path)', async () => {
    const url = `${await statusUrl(server.t)}/readyz`;
    let r = await statusGet(url);
    // Ready once the workers have reported in.
    for (const deadline = Date.now() + 10_000; r.status !== 200 && /booting/.test(r.body) && Date.now() < deadline; r = await statusGet(url)) await sleep(100);
    assert.equal(r.status, 200, r.body);
    assert.match(r.body, /\/request answered 200/);
  });

  test('plain HTTP on the TLS port is closed, and the server serves on', async () => {
    const c = await curl([`http://127.0.0.1:${server.port}/request`]);
    assert.notEqual(c.code, 0);
    assert.equal((await get(`${server.url}/request`)).status, 200);
  });

  test('HUP with a renewed certificate: new connections get it; a request in flight and a keep-alive connection are not dropped', async () => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    const first = await get(`${server.url}/request`, { agent });
    assert.equal(first.fingerprint, certs.server.fingerprint);
    const inFlight = get(`${server.url}/late?ms=1500`);
    await sleep(200);
    install(certs.renewed);
    server.t.signal('SIGHUP');
    await server.t.waitFor(/TLS certificate reloaded \((HUP|files changed)\): CN=localhost/);
    await waitCertificate(server, certs.renewed.fingerprint);
    const late = await inFlight;
    assert.equal(late.status, 200);
    assert.equal(late.body, 'too late');
    // The kept-alive connection still has the certificate it was opened with, and is answered.
    const again = await get(`${server.url}/request`, { agent });
    assert.equal(again.status, 200);
    assert.equal(again.fingerprint, certs.server.fingerprint);
    agent.destroy();
  });

  test('a renewal on disk (no HUP, files renamed over the old ones) reaches new connections without replacing a worker', async () => {
    const booted = server.t.workerPids().length;
    const reloads = server.t.count(/TLS certificate reloaded/);
    install(certs.server, 'renamed over');
    await waitCertificate(server, certs.server.fingerprint);
    assert.equal(server.t.count(/TLS certificate reloaded \(files changed\)/) >= 1 && server.t.count(/TLS certificate reloaded/) > reloads, true, server.t.output);
    assert.equal(server.t.workerPids().length, booted, 'no worker was replaced');
  });

  test('a bad certificate at reload (on disk, then HUP) keeps the running one, with a line saying why', async () => {
    writeFileSync(live.cert, 'not a certificate\n');
    await server.t.waitFor(/\[ERROR\] TLS certificate not reloaded \(files changed\): certfile \S+live\.pem holds no PEM certificate.*Still serving the previous certificate\./);
    server.t.signal('SIGHUP');
    await server.t.waitFor(/\[ERROR\] TLS certificate not reloaded \(HUP\): certfile \S+ holds no PEM certificate/);
    // The new generation of workers serves the running certificate.
    await server.t.waitFor(/Booting worker with pid[^]*Booting worker with pid[^]*Booting worker with pid[^]*Booting worker with pid[^]*Booting worker with pid[^]*Booting worker with pid/);
    for (let i = 0; i < 4; i++) assert.equal((await get(`${server.url}/request`)).fingerprint, certs.server.fingerprint);
    install(certs.server);
  });

  test('reloads under load (HUP with a renewed certificate, then a renewal on disk): no request fails', { timeout: 30_000 }, async (t) => {
    const loading = load(`${server.url}/request`, { seconds: 4, connections: 10 });
    await sleep(800);
    install(certs.renewed);
    server.t.signal('SIGHUP');
    await sleep(1500);
    install(certs.server);
    const r = await loading;
    t.diagnostic(
      `${r.requests} requests over TLS in 4 s (${Math.round(r.rps)} req/s) across a HUP and a renewal on disk: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx, ${r.resets} resets`,
    );
    assert.ok(r.requests > 100, `only ${r.requests} requests`);
    assert.deepEqual({ errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx, resets: r.resets }, { errors: 0, timeouts: 0, non2xx: 0, resets: 0 }, JSON.stringify(r));
    await waitCertificate(server, certs.server.fingerprint);
  });
});

describe('TLS: client certificates (cert_reqs 2), ssl_version and stalled handshakes', { timeout: 60_000 }, () => {
  let server: { t: Tunicorn; port: number; url: string };
  const client = { cert: certs.read(certs.client.cert), key: certs.read(certs.client.key) };
  before(async () => {
    server = await startServer(
      [
        '--certfile',
        certs.server.cert,
        '--keyfile',
        certs.server.key,
        '--ca-certs',
        certs.ca,
        '--cert-reqs',
        '2',
        '--ssl-version',
        'TLSv1_3',
        '--worker-connections',
        '2',
        '--log-level',
        'debug',
        'fetch-features.mjs',
      ],
      { workers: 1, path: '/request', tls: client },
    );
  });
  after(async () => {
    if (server) assert.equal((await server.t.stop()).code, 0, server.t.output);
  });

  test('with a client certificate signed by ca_certs: 200 (Node and curl)', async () => {
    assert.match(server.t.output, /client certificates required/);
    assert.equal((await get(`${server.url}/request`, client)).status, 200);
    const c = await curl(['--cacert', certs.ca, '--cert', certs.client.cert, '--key', certs.client.key, '--resolve', `localhost:${server.port}:127.0.0.1`, `https://localhost:${server.port}/request`]);
    assert.equal(c.code, 0, c.err);
  });

  test('without one, or with one not made for client authentication: the handshake is refused', async () => {
    await assert.rejects(get(`${server.url}/request`), /certificate|alert|socket hang up|ECONNRESET/i);
    const stranger = { cert: certs.read(certs.server.cert), key: certs.read(certs.server.key) };
    // The server's own certificate is signed by the CA but not for client authentication.
    await assert.rejects(get(`${server.url}/request`, stranger), /certificate|alert|socket hang up|ECONNRESET/i);
    const c = await curl(['--cacert', certs.ca, '--resolve', `localhost:${server.port}:127.0.0.1`, `https://localhost:${server.port}/request`]);
    assert.notEqual(c.code, 0);
    await server.t.waitFor(/\[DEBUG\] TLS handshake with ip=\S+ failed/);
    assert.equal((await get(`${server.url}/request`, client)).status, 200);
  });

  test('ssl_version TLSv1_3: a client that speaks at most TLS 1.2 is refused', async () => {
    await assert.rejects(get(`${server.url}/request`, { ...client, maxVersion: 'TLSv1.2' }), /version|alert|socket hang up|ECONNRESET/i);
    const r = await new Promise<string>((resolve, reject) => {
      const c = tls.connect({ port: server.port, host: '127.0.0.1', servername: 'localhost', ca: certs.read(certs.ca), ...client }, () => {
        resolve(c.getProtocol() ?? '');
        c.end();
      });
      c.on('error', reject);
    });
    assert.equal(r, 'TLSv1.3');
  });

  test('connections that stall in the handshake hold no slot: at worker_connections they are shed as slow headers', async () => {
    const stalled: net.Socket[] = [];
    const closed: Array<Promise<void>> = [];
    for (let i = 0; i < 2; i++) {
      const s = net.connect(server.port, '127.0.0.1');
      s.on('error', () => {});
      // The first bytes of a ClientHello record, then nothing.
      s.write(Buffer.from([0x16, 0x03, 0x01]));
      closed.push(new Promise((r) => s.on('close', () => r())));
      stalled.push(s);
    }
    await sleep(200);
    // The worker is full (2 of 2): this client waits in the listen queue until the cap sheds the stalled two.
    const r = await get(`${server.url}/request`, { ...client, timeout: 10_000 });
    assert.equal(r.status, 200);
    // Shedding stops once the worker is under the cap: at least one of the two had to go.
    await Promise.race(closed);
    for (const s of stalled) s.destroy();
    await server.t.waitFor(/worker_connections \(2\) reached: closed \d+ connection\(s\) waiting on slow or idle clients \(\d+ so far: [1-9]\d* slow headers/);
  });

  test('TERM closes a connection still handshaking instead of waiting graceful_timeout (30 s) for it', async () => {
    const s = net.connect(server.port, '127.0.0.1');
    s.on('error', () => {});
    s.write(Buffer.from([0x16, 0x03, 0x01]));
    const closed = new Promise<void>((r) => s.on('close', () => r()));
    await sleep(200);
    const exit = await server.t.stop('SIGTERM', 15_000);
    assert.equal(exit.code, 0, server.t.output);
    await closed;
  });
});

describe('TLS: start-up refuses bad material with one line, before binding', { timeout: 60_000, concurrency: true }, () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['a missing certfile', ['--certfile', join(certs.dir, 'nope.pem'), '--keyfile', certs.server.key], /^Error: Cannot read certfile \S+nope\.pem: no such file; check the path/],
    [
      'a key for another certificate',
      ['--certfile', certs.server.cert, '--keyfile', certs.client.key],
      /^Error: The private key in \S+client\.key does not match the certificate in \S+server\.pem; give the key the certificate was made for\.$/,
    ],
    ['a certfile that is not PEM', ['--certfile', certs.server.key, '--keyfile', certs.server.key], /^Error: certfile \S+server\.key holds no PEM certificate/],
    [
      'cert_reqs 2 without ca_certs',
      ['--certfile', certs.server.cert, '--keyfile', certs.server.key, '--cert-reqs', 'required'],
      /^Error: cert_reqs 2 \(client certificates required\) needs ca_certs/,
    ],
    [
      'a cipher list OpenSSL knows nothing of',
      ['--certfile', certs.server.cert, '--keyfile', certs.server.key, '--ciphers', 'NOT-A-CIPHER'],
      /^Error: Invalid value for ciphers: "NOT-A-CIPHER" matches no cipher OpenSSL knows/,
    ],
    [
      'an SSLv3 ssl_version',
      ['--certfile', certs.server.cert, '--keyfile', certs.server.key, '--ssl-version', 'SSLv3'],
      /^Error: Invalid value for ssl_version \(--ssl-version\): "SSLv3"; expected TLSv1_2 or TLSv1_3/,
    ],
  ];
  for (const [what, args, line] of cases) {
    test(what, async () => {
      const r = await runCli(['--bind', '127.0.0.1:0', ...args, 'app.mjs']);
      assert.equal(r.code, 1, r.output);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.output);
      assert.match(lines[0]!, line);
      assert.doesNotMatch(r.output, /Listening at|Booting worker| {4}at /);
    });
  }
});

describe('TLS: a Python app behind a PROXY header', { timeout: 60_000 }, () => {
  let server: { t: Tunicorn; port: number };
  before(async () => {
    const t = (await import('../helpers/cli.js')).Tunicorn;
    const proc = new t(['--bind', '127.0.0.1:0', '--workers', '1', '--python', PYTHON, '--proxy-protocol', '--certfile', certs.server.cert, '--keyfile', certs.server.key, 'app:application'], {
      cwd: PY_FIXTURES,
    });
    const [bound] = await proc.listening();
    server = { t: proc, port: bound!.port };
    await proc.waitFor(/Booting front with pid/);
  });
  after(async () => {
    if (server) assert.equal((await server.t.stop()).code, 0, server.t.output);
  });

  /**
   * A PROXY v1 header, then a GET over TLS. `together`: the header and the ClientHello in one write,
   * as a proxy may send them; otherwise the header alone on connect, as HAProxy sends it.
   */
  function proxiedGet(path: string, together: boolean): Promise<string> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(server.port, '127.0.0.1');
      if (!together) sock.write(v1Header('192.0.2.78', 41000, 443));
      let first = together;
      // A duplex, so the header rides in the same packet as the TLS socket's first write.
      const wire = new Duplex({
        write(chunk: Buffer, _enc, cb) {
          if (first) chunk = Buffer.concat([Buffer.from(v1Header('192.0.2.77', 41000, 443)), chunk]);
          first = false;
          sock.write(chunk, cb);
        },
        read() {},
        final(cb) {
          sock.end();
          cb();
        },
      });
      sock.on('data', (c) => wire.push(c));
      sock.on('end', () => wire.push(null));
      sock.on('error', reject);
      const start = () => {
        const c = tls.connect({ socket: wire, ca: certs.read(certs.ca), servername: 'localhost' }, () => c.write(GET(path)));
        let raw = '';
        c.setEncoding('utf8');
        c.on('data', (d: string) => (raw += d));
        c.on('end', () => resolve(raw));
        c.on('error', reject);
      };
      // Alone: the server reads the header before the ClientHello is sent.
      if (together) start();
      else setTimeout(start, 100);
    });
  }

  test('wsgi.url_scheme is https, and REMOTE_ADDR the client the PROXY header names (header with the ClientHello, and alone)', async () => {
    const deadline = Date.now() + 15_000;
    for (const together of [true, false]) {
      let raw = '';
      while (!raw.startsWith('HTTP/1.1 200') && Date.now() < deadline) {
        raw = await proxiedGet('/environ', together).catch((e: Error) => e.message);
        if (!raw.startsWith('HTTP/1.1 200')) await sleep(200);
      }
      assert.match(raw, /^HTTP\/1\.1 200/, raw);
      const environ = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as Record<string, string>;
      assert.equal(environ['wsgi.url_scheme'], 'https');
      assert.equal(environ.REMOTE_ADDR, together ? '192.0.2.77' : '192.0.2.78');
    }
  });
});
