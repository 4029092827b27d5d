/**
 * proxy_protocol end to end: real HAProxy (send-proxy-v2) and real nginx (stream, proxy_protocol
 * on) in front of tunicorn. Clients connect to the proxy from other loopback addresses
 * (127.0.0.5, 127.0.0.6), so the address the app and the access log see is the client's, not the
 * proxy's 127.0.0.1. Then what a proxy must not get away with: a peer outside proxy_allow_ips, a
 * malformed or missing header, a header that never completes while the worker is full.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { rawRequest } from './raw-http.js';
import { sleep, type Tunicorn } from '../helpers/cli.js';
import { GET, getFrom, startProxied, v1Header } from '../helpers/proxied.js';
import { startHaproxy, startNginxStream, type Proxy } from '../helpers/proxies.js';
import WebSocket from 'ws';
import { V2_SIGNATURE } from '../../src/http/proxy-header.js';

/** Send `data` on one connection and collect what comes back until the server closes it (5 s at most). */
function untilClosed(port: number, data: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let raw = '';
    const timer = setTimeout(() => s.destroy(), 5000);
    s.on('data', (c) => (raw += c));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve(raw);
    });
    s.write(data);
  });
}

/** An access log line's first field (h) for a request path. */
function loggedH(t: Tunicorn, path: string): string | undefined {
  const line = t.output.split('\n').find((l) => l.includes(`"GET ${path} HTTP/1.1"`));
  return line?.split(' ')[0];
}

async function waitLogged(t: Tunicorn, path: string): Promise<string | undefined> {
  await t.waitFor(new RegExp(`"GET ${path.replace(/[?]/g, '\\?')} HTTP/1\\.1"`), 5000);
  return loggedH(t, path);
}

describe('behind HAProxy, send-proxy-v2 (proxy_protocol auto, default proxy_allow_ips)', { timeout: 60_000 }, () => {
  let server: { t: Tunicorn; port: number };
  let haproxy: Proxy;
  let nginxToV2: Proxy;
  before(async () => {
    server = await startProxied(['--proxy-protocol', 'peer.mjs']);
    haproxy = await startHaproxy(server.port, 2);
  });
  after(async () => {
    await haproxy?.proc.stop();
    await nginxToV2?.proc.stop();
    if (server) assert.equal((await server.t.stop()).code, 0, server.t.output);
  });

  test("the Node app sees the client's address and port as req.socket's; the access log's h is the client", async () => {
    const r = await getFrom('127.0.0.5', haproxy.port, '/haproxy-a');
    assert.equal(r.status, 200);
    assert.equal(r.json.remoteAddress, '127.0.0.5');
    assert.equal(r.json.remotePort, r.localPort);
    assert.equal(r.json.remoteFamily, 'IPv4');
    assert.equal(await waitLogged(server.t, '/haproxy-a'), '127.0.0.5');
  });

  test('forwarded_allow_ips judges the client, not the proxy: X-Forwarded-For from 127.0.0.5 is removed', async () => {
    const r = await getFrom('127.0.0.5', haproxy.port, '/haproxy-xff', { 'X-Forwarded-For': '198.51.100.1' });
    assert.equal(r.json.forwardedFor, null);
    // The same header from a client at 127.0.0.1 (trusted by default) reaches the app.
    const trusted = await getFrom('127.0.0.1', haproxy.port, '/haproxy-xff2', { 'X-Forwarded-For': '198.51.100.1' });
    assert.equal(trusted.json.forwardedFor, '198.51.100.1');
  });

  test("a v2 LOCAL header (a health check) is served with the connection's own address; TLVs are skipped", async () => {
    const tlv = Buffer.from([0x05, 0x00, 0x03, 0x61, 0x62, 0x63]);
    const local = Buffer.concat([V2_SIGNATURE, Buffer.from([0x20, 0x00, 0x00, tlv.length]), tlv, Buffer.from(GET('/local'))]);
    const r = await rawRequest(server.port, local);
    assert.equal(r.status, 200, r.raw);
    assert.equal(JSON.parse(r.body).remoteAddress, '127.0.0.1');
  });

  test('an IPv6 client in a v1 line, with two pipelined requests after it in the same packet', async () => {
    const raw = await untilClosed(server.port, v1Header('2001:db8::7', 51000) + `GET /v6 HTTP/1.1\r\nHost: t\r\n\r\n` + GET('/v6-second'));
    const bodies = raw
      .split('\r\n\r\n')
      .filter((p) => p.startsWith('{'))
      .map((b) => JSON.parse(b.slice(0, b.lastIndexOf('}') + 1)));
    assert.deepEqual(
      bodies.map((b) => [b.url, b.remoteAddress, b.remotePort, b.remoteFamily]),
      [
        ['/v6', '2001:db8::7', 51000, 'IPv6'],
        ['/v6-second', '2001:db8::7', 51000, 'IPv6'],
      ],
    );
    assert.equal(await waitLogged(server.t, '/v6-second'), '2001:db8::7');
  });

  test('a malformed header: the connection is closed unanswered, with one warning line', async () => {
    const r = await rawRequest(server.port, 'PROXY TCP4 203.0.113.7 127.0.0.1 56324\r\n' + GET('/bad'));
    assert.equal(r.closed, true);
    assert.equal(r.raw, '');
    await server.t.waitFor(/WARNING\] Invalid PROXY protocol header from ip=127\.0\.0\.1: a malformed v1 line "PROXY TCP4 203\.0\.113\.7 127\.0\.0\.1 56324"; connection closed/);
    assert.equal(server.t.count(/a malformed v1 line/), 1);
    assert.equal(loggedH(server.t, '/bad'), undefined);
  });

  test('a missing header (plain HTTP from a trusted peer): closed, with one warning line', async () => {
    const r = await rawRequest(server.port, GET('/plain'));
    assert.equal(r.raw, '');
    assert.equal(r.closed, true);
    await server.t.waitFor(/Invalid PROXY protocol header from ip=127\.0\.0\.1: no PROXY protocol header \(the connection began "GET \/plain HTTP\/1\.1/);
  });

  test('a connection that closes without sending anything (a TCP health check) logs nothing', async () => {
    const invalid = /Invalid PROXY protocol header/;
    const before = server.t.count(invalid);
    await new Promise<void>((resolve) => {
      const s = net.connect(server.port, '127.0.0.1', () => s.end());
      s.on('error', () => {});
      s.on('close', () => resolve());
    });
    // A request after it, answered and logged, shows the worker has handled the silent one.
    assert.equal((await rawRequest(server.port, v1Header('192.0.2.44') + GET('/after-silent'))).status, 200);
    await waitLogged(server.t, '/after-silent');
    assert.equal(server.t.count(invalid), before);
  });

  test("proxy_protocol v2 refuses nginx's v1 header (a real proxy, the wrong version)", async () => {
    const wrong = /Invalid PROXY protocol header from ip=127\.0\.0\.1: a v1 header, but proxy_protocol is v2; connection closed/;
    // Until its worker listens, connections are refused (closed unanswered too): ready once one was judged.
    const strict = await startProxied(['--proxy-protocol', 'v2', 'peer.mjs'], { ready: (_r, t) => wrong.test(t.output) });
    try {
      nginxToV2 = await startNginxStream(strict.port);
      const before = strict.t.count(wrong);
      const ok = await getFrom('127.0.0.6', nginxToV2.port, '/wrong-version').then(
        () => true,
        () => false,
      );
      assert.equal(ok, false);
      await strict.t.waitFor(new RegExp(`(?:${wrong.source}[^]*){${before + 1}}`)).catch((err: Error) => {
        throw new Error(`${err.message}\nnginx:\n${nginxToV2.proc.output}`);
      });
    } finally {
      assert.equal((await strict.t.stop()).code, 0, strict.t.output);
    }
  });
});

describe('behind nginx, stream proxy_protocol on (proxy_protocol v1, proxy_allow_ips as a network)', { timeout: 60_000 }, () => {
  let server: { t: Tunicorn; port: number };
  let nginx: Proxy;
  before(async () => {
    server = await startProxied(['--proxy-protocol', 'v1', '--proxy-allow-from', '127.0.0.0/24', 'peer.mjs']);
    nginx = await startNginxStream(server.port);
  });
  after(async () => {
    await nginx?.proc.stop();
    if (server) assert.equal((await server.t.stop()).code, 0, server.t.output);
  });

  test('the Node app and the access log see the client 127.0.0.6, on every request of a keep-alive connection', async () => {
    const r = await getFrom('127.0.0.6', nginx.port, '/nginx-a');
    assert.equal(r.status, 200);
    assert.equal(r.json.remoteAddress, '127.0.0.6');
    assert.equal(r.json.remotePort, r.localPort);
    assert.equal(await waitLogged(server.t, '/nginx-a'), '127.0.0.6');
    // Two requests on one connection through nginx: both carry the address the header gave.
    const s = net.connect({ port: nginx.port, host: '127.0.0.1', localAddress: '127.0.0.6' });
    let raw = '';
    s.on('data', (c) => (raw += c));
    s.write('GET /nginx-k1 HTTP/1.1\r\nHost: t\r\n\r\n');
    await sleep(200);
    s.write(GET('/nginx-k2'));
    await new Promise((resolve) => s.on('close', resolve));
    assert.equal((raw.match(/"remoteAddress":"127\.0\.0\.6"/g) ?? []).length, 2, raw);
    assert.equal(await waitLogged(server.t, '/nginx-k2'), '127.0.0.6');
  });
});

describe('proxy_allow_ips: a peer outside it is refused', { timeout: 30_000 }, () => {
  test('--proxy-allow-from 10.0.0.0/8: a connection from 127.0.0.1 with a valid header is closed, one warning line', async () => {
    const refusal = /Connection from ip=127\.0\.0\.1 refused: proxy_protocol is on and the peer is not in proxy_allow_ips \(10\.0\.0\.0\/8\)/;
    const { t, port } = await startProxied(['--proxy-protocol', '--proxy-allow-from', '10.0.0.0/8', 'peer.mjs'], { ready: (_r, t) => refusal.test(t.output) });
    try {
      const before = t.count(refusal);
      const r = await rawRequest(port, v1Header('203.0.113.7') + GET('/untrusted'));
      assert.equal(r.raw, '');
      assert.equal(r.closed, true);
      await t.waitFor(new RegExp(`(?:${refusal.source}[^]*){${before + 1}}`));
      assert.equal(t.count(refusal), before + 1);
      assert.equal(loggedH(t, '/untrusted'), undefined);
    } finally {
      assert.equal((await t.stop()).code, 0, t.output);
    }
  });

  test('a bad proxy_allow_ips entry stops the start with one line', async () => {
    const { runCli } = await import('../helpers/cli.js');
    const r = await runCli(['--proxy-protocol', '--proxy-allow-from', '10.0.0.0/33', 'peer.mjs']);
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /Invalid value for proxy_allow_ips: "10\.0\.0\.0\/33" is not an IP address or network/);
    assert.doesNotMatch(r.output, /\n\s+at /);
  });
});

describe('a header that does not arrive is shed like a slow request header', { timeout: 30_000 }, () => {
  test('worker_connections 2: two connections stuck in their header are closed, and a third client is served', async () => {
    const { t, port } = await startProxied(['--proxy-protocol', '--worker-connections', '2', 'peer.mjs']);
    const stuck = [0, 1].map(() => {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => {});
      s.write('PROXY TCP4 203.0.113'); // and nothing more
      return { s, closed: new Promise<void>((resolve) => s.on('close', () => resolve())) };
    });
    try {
      await sleep(300);
      // The worker is full: this one waits in the listen queue until the stuck ones are shed.
      const served = await rawRequest(port, v1Header('203.0.113.9') + GET('/after-shed'), 10_000);
      assert.equal(served.status, 200, served.raw);
      assert.equal(JSON.parse(served.body).remoteAddress, '203.0.113.9');
      await Promise.all(stuck.map((x) => x.closed));
      await t.waitFor(/worker_connections \(2\) reached: closed \d connection\(s\) waiting on slow or idle clients \(\d+ so far: [12] slow headers/);
    } finally {
      for (const x of stuck) x.s.destroy();
      assert.equal((await t.stop()).code, 0, t.output);
    }
  });
});

describe('more behind HAProxy: its HTTP health checks, a WebSocket, TERM while a header is pending', { timeout: 60_000 }, () => {
  test("option httpchk with check-send-proxy: the checks are served (logged from the proxy's own address)", async () => {
    const { t, port } = await startProxied(['--proxy-protocol', 'peer.mjs']);
    const haproxy = await startHaproxy(port, 2, { httpCheck: '/health' });
    try {
      await t.waitFor(/^127\.0\.0\.1 - - \[[^\]]+\] "GET \/health HTTP\/1\.0" 200 /m, 10_000);
      assert.doesNotMatch(t.output, /Invalid PROXY protocol header/);
    } finally {
      await haproxy.proc.stop();
      assert.equal((await t.stop()).code, 0, t.output);
    }
  });

  test("a WebSocket through HAProxy: the upgrade after the header reaches the app's ws server", async () => {
    const { t, port } = await startProxied(['--proxy-protocol', 'ws/ws-server.mjs']);
    const haproxy = await startHaproxy(port, 2);
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${haproxy.port}/`, { localAddress: '127.0.0.8' });
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      ws.send('hello through haproxy');
      const [echo] = (await new Promise((resolve) => ws.once('message', (...a) => resolve(a)))) as [Buffer];
      assert.equal(String(echo), 'hello through haproxy');
      ws.close();
    } finally {
      await haproxy.proc.stop();
      assert.equal((await t.stop()).code, 0, t.output);
    }
  });

  test('TERM: a connection still sending its header is closed, and the worker does not wait graceful_timeout for it', async () => {
    const { t, port } = await startProxied(['--proxy-protocol', '--graceful-timeout', '30', 'peer.mjs']);
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    const closed = new Promise<void>((resolve) => s.on('close', () => resolve()));
    s.write('PROXY TCP4 203.0.1');
    await sleep(300);
    t.signal('SIGTERM');
    const exit = await t.exitWithin(10_000);
    assert.equal(exit.code, 0, t.output);
    await closed;
  });
});
