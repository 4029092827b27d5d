/**
 * Issue 4, point 5, short version (in npm test): connections that hold a slot while barely moving
 * are shed at worker_connections, by kind, and a request the app is working on never is; then the
 * three slowhttptest attacks at once, scaled down, against one worker. The full-size attacks (10,000
 * connections against the default settings) are in slow-clients.long.ts.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { ConnectionCap } from '../../src/workers/connection-cap.js';
import { ROOT, sleep, startServer } from '../helpers/cli.js';
import { childPids } from '../helpers/proc.js';
import { NODE_APP, PYTHON_APP } from './apps.js';
import { APT_HINT, attack, freshConnections, normalClients, PATH, slowhttptestMissing, type Mode } from './slow-clients-lib.js';

const BIG = 16 * 1024 * 1024; // more than loopback's socket buffers take from a client that does not read

type Kind = 'headers' | 'idle' | 'body' | 'read' | 'upgraded' | 'upload' | 'download';
const REQUEST: Record<Kind, string> = {
  headers: 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n', // never finishes its headers
  idle: 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', // reads its response, then keeps the connection open, silent
  body: 'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n' + 'a'.repeat(10), // 10 bytes of 1000
  read: 'GET /big HTTP/1.1\r\nHost: x\r\n\r\n', // never reads its 16 MB response
  upgraded: 'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n', // the app owns it
  upload: `POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${4096 * 1024}\r\n\r\n`, // then 16 KB every 50 ms (320 KB/s)
  download: 'GET /big HTTP/1.1\r\nHost: x\r\n\r\n', // reads its response at about 1 MB/s
};
const KEPT: Kind[] = ['upgraded', 'upload', 'download'];

/**
 * worker_connections 2, in process: one request the app works on for 5 s, then one connection of
 * the given kind fills the cap for 4 s. Returns what was shed and how each client fared.
 */
async function atTheCap(kind: Kind) {
  const app = http.createServer((req, res) => {
    if (req.url === '/upload') {
      req.resume();
      req.on('end', () => res.end('uploaded'));
    } else if (req.url === '/big') res.end(Buffer.alloc(BIG));
    else if (req.url === '/work') setTimeout(() => res.end('done'), 5000).unref();
    else res.end('hello');
  });
  const upgraded: net.Socket[] = [];
  app.on('upgrade', (_req, socket: net.Socket) => {
    upgraded.push(socket);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n');
  });
  const shed = { headers: 0, idle: 0, body: 0, read: 0 };
  // The defaults: judged after 1 s (2 s for reads), under 1 KB/s, checked every 250 ms.
  const cap = new ConnectionCap({
    cap: 2,
    pause: () => {},
    resume: () => {},
    onShed: (_n, kinds) => {
      for (const k of Object.keys(shed) as Array<keyof typeof shed>) shed[k] += kinds[k];
    },
  });
  const front = net.createServer((s) => {
    cap.add(s);
    app.emit('connection', s);
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  // Nothing here may keep the test process alive if an assertion fails half-way.
  front.unref();
  const port = (front.address() as net.AddressInfo).port;
  const client = (data: string, read: boolean) => {
    const s = net.connect(port, '127.0.0.1');
    s.unref();
    const c = { socket: s, closed: false, received: '' };
    s.on('error', () => {});
    s.on('close', () => (c.closed = true));
    if (read) s.on('data', (d: Buffer) => (c.received += d.toString('latin1')));
    else s.pause();
    s.write(data);
    return c;
  };
  const busy = client('GET /work HTTP/1.1\r\nHost: x\r\n\r\n', true);
  await sleep(50);
  const other = client(REQUEST[kind], kind !== 'read' && kind !== 'download');
  const pacer =
    kind === 'upload'
      ? setInterval(() => other.socket.write(Buffer.alloc(16 * 1024, 'a')), 50)
      : kind === 'download'
        ? setInterval(() => {
            for (let i = 0; i < 4 && other.socket.read(16 * 1024) !== null; i++);
          }, 50)
        : undefined;
  await sleep(4000);
  const otherClosed = other.closed;
  // Once its response is out, the busy connection is idle keep-alive and may be shed in turn.
  const shedWhileBusy = { ...shed };
  await sleep(1500);
  clearInterval(pacer);
  busy.socket.destroy();
  other.socket.destroy();
  for (const s of upgraded) s.destroy();
  front.close();
  return { shed: shedWhileBusy, otherClosed, busyAnswered: /^HTTP\/1\.1 200 OK[\s\S]*done$/.test(busy.received), busyClosed: busy.closed };
}

test('at the cap, slow headers, slow bodies, slow reads and idle keep-alive are shed; a busy request, an upgraded connection, a steady upload and a steady download are kept', async () => {
  const kinds: Kind[] = ['headers', 'idle', 'body', 'read', 'upgraded', 'upload', 'download'];
  const results = await Promise.all(kinds.map((k) => atTheCap(k)));
  kinds.forEach((kind, i) => {
    const r = results[i]!;
    console.log(`${kind}: shed ${JSON.stringify(r.shed)}, closed ${r.otherClosed}; the busy request answered: ${r.busyAnswered}`);
    const expected = { headers: 0, idle: 0, body: 0, read: 0 };
    if (!KEPT.includes(kind)) expected[kind as keyof typeof expected] = 1;
    assert.deepEqual(r.shed, expected, kind);
    // A client that does not read never sees the close queued behind its unread response.
    if (kind !== 'read') assert.equal(r.otherClosed, !KEPT.includes(kind), `${kind} connection ${KEPT.includes(kind) ? 'kept' : 'shed'}`);
    assert.ok(r.busyAnswered, `the request the app was working on was answered (${kind})`);
  });
});

// The same attack on the Node app and on the Python path (one gevent Python worker behind one front).
const TARGETS = [
  { app: NODE_APP, start: () => startServer(['--worker-connections', '100', `${ROOT}bench/apps/fetch.mjs`], { workers: 1 }) },
  { app: PYTHON_APP, start: () => PYTHON_APP.start(['--worker-connections', '100'], { workers: 1 }) },
];

for (const { app, start } of TARGETS) {
  test(`${app.name}: slowhttptest, scaled down: slow headers, slow body and slow read at once, 3x worker_connections; keep-alive clients unharmed, new connections all served`, { timeout: 60_000 }, async (t) => {
    const missing = slowhttptestMissing() ?? app.missing();
    if (missing) {
      t.skip(`${missing}; CI installs it with: ${APT_HINT}`);
      return;
    }
    const { t: server, url } = await start();
    const workers = childPids(server.pid);
    const seconds = 6;
    // Clients already connected (keep-alive), then the attacks; new visitors from the second second on.
    const normal = normalClients(url + '/', seconds + 1, 2, 50);
    await sleep(500);
    const modes: Mode[] = ['headers', 'body', 'read'];
    const attacks = modes.map((mode) => attack({ mode, url: url + PATH[mode], connections: 100, rate: 100, seconds }));
    await sleep(1000);
    const probe = freshConnections(url + '/');
    await sleep((seconds - 2) * 1000);
    const fresh = await probe.stop();
    const n = await normal;
    const results = await Promise.all(attacks.map((a) => a.done));
    const shed = Math.max(0, ...[...server.output.matchAll(/reached: closed .*?\((\d+) so far[:)]/g)].map((m) => Number(m[1])));
    console.log(
      `${app.name}, 300 slow connections (100 each: headers, body, read) against worker_connections 100: keep-alive clients ${n.requests} requests, ` +
        `${n.errors + n.timeouts + n.non2xx} failed, p50 ${n.p50} ms, p99 ${n.p99} ms, max ${n.max} ms; new connections ${fresh.requests - fresh.failures}/${fresh.requests} served, ` +
        `p50 ${fresh.p50} ms, p99 ${fresh.p99} ms, max ${fresh.max} ms; ${shed} connections shed (logged); ` +
        `slowhttptest: ${results.map((r) => `${r.mode} max connected ${r.maxConnected}, unavailable ${r.unavailable}/${r.statuses.length}`).join('; ')}`,
    );
    assert.ok(n.requests >= 100, `keep-alive clients were served (${n.requests})`);
    assert.deepEqual({ errors: n.errors, timeouts: n.timeouts, non2xx: n.non2xx }, { errors: 0, timeouts: 0, non2xx: 0 });
    assert.ok(n.p99 < 1000, `keep-alive clients: p99 ${n.p99} ms`);
    assert.equal(fresh.failures, 0, 'every new connection was served (within 10 s)');
    if (app === NODE_APP) assert.ok(shed > 0, 'connections were shed at the cap');
    assert.deepEqual(childPids(server.pid), workers, 'the same worker(s), never restarted');
    assert.doesNotMatch(server.output, /WORKER TIMEOUT|was sent SIG|exited with code|Python worker went away/);
    assert.equal((await server.stop()).code, 0);
  });
}
