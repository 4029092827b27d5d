/**
 * A fetch app's large ASCII string body is written by tunicorn as Latin-1, head and body in one
 * end(); everything else goes through @hono/node-server's listener. Either way the client gets the
 * same bytes and headers.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fetchListener } from '../../src/http/fetch-adapter.js';
import { ASCII_FROM, isAsciiString } from '../../src/http/fetch-response.js';

describe('isAsciiString', () => {
  test('true only when every character is below 0x80', () => {
    const a = 'a'.repeat(ASCII_FROM);
    assert.equal(isAsciiString(''), true);
    assert.equal(isAsciiString(a), true);
    assert.equal(isAsciiString(`${a}\x7f`), true);
    assert.equal(isAsciiString(`${a}\x80`), false);
    assert.equal(isAsciiString(`é${a}`), false);
    assert.equal(isAsciiString(`${a}\u0101`), false); // low byte 0x01: not ASCII for all that
    assert.equal(isAsciiString(`${a}\ud800`), false); // a lone surrogate
    assert.equal(isAsciiString(`\u0101${a}`.slice(1)), true); // ASCII held as a two-byte string
    assert.equal(isAsciiString('b'.repeat(3 * ASCII_FROM)), true); // the scratch buffer grows
  });
});

describe('fetch app string bodies', () => {
  let server: Server;
  let port: number;
  /** Encodings end() was called with, one per response: 'latin1' when tunicorn wrote the body. */
  const ends: unknown[] = [];
  const ascii = 'x'.repeat(ASCII_FROM);
  /** Made once the listener has replaced the global Response with @hono/node-server's. */
  let reused: Response;

  before(async () => {
    const listener = fetchListener(
      async (request: Request) => {
        const url = new URL(request.url);
        const n = Number(url.searchParams.get('n') ?? ASCII_FROM);
        const body = url.searchParams.get('utf8') ? `${'y'.repeat(n - 1)}é` : 'x'.repeat(n);
        switch (url.pathname) {
          case '/plain':
            return new Response(body, { headers: { 'content-type': 'text/plain', 'x-a': 'b' } });
          case '/none':
            return new Response(body);
          case '/status':
            return new Response(body, { status: 201, headers: { 'content-type': 'text/plain' } });
          case '/length':
            return new Response(body, { headers: { 'Content-Length': String(Buffer.byteLength(body)) } });
          case '/headers-object':
            return new Response(body, { headers: new Headers({ 'content-type': 'text/plain', 'set-cookie': 'a=1' }) });
          case '/sync':
            return reused;
          default:
            return new Response('not found', { status: 404 });
        }
      },
      true,
      (err) => console.error(err),
    );
    reused = new Response(ascii, { headers: { 'content-type': 'text/plain' } });
    // '/sync' is served by a handler that returns its Response directly, not in a Promise.
    const syncListener = fetchListener(
      () => reused,
      true,
      (err) => console.error(err),
    );
    server = createServer((req, res) => {
      const end = res.end;
      res.end = function (this: typeof res, ...args: unknown[]) {
        ends.push(typeof args[1] === 'string' ? args[1] : undefined);
        return (end as (...a: unknown[]) => typeof res).apply(this, args);
      } as typeof res.end;
      (req.url?.startsWith('/sync') ? syncListener : listener)(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** One request on its own connection: the status line, headers (lowercased) and body bytes. */
  async function raw(method: string, path: string): Promise<{ status: string; headers: [string, string][]; body: Buffer; encoding: unknown }> {
    const before = ends.length;
    const data = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const s = net.connect(port, '127.0.0.1', () => s.write(`${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
      s.on('data', (c) => chunks.push(c));
      s.on('end', () => resolve(Buffer.concat(chunks)));
      s.on('error', reject);
    });
    const split = data.indexOf('\r\n\r\n');
    const [status, ...lines] = data.subarray(0, split).toString('latin1').split('\r\n');
    const headers = lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()] as [string, string]).filter(([k]) => k !== 'date');
    assert.equal(ends.length, before + 1);
    return { status, headers, body: data.subarray(split + 4), encoding: ends[before] };
  }

  test('an ASCII body of exactly the threshold is written as Latin-1 with its Content-Length', async () => {
    const r = await raw('GET', '/plain');
    assert.equal(r.encoding, 'latin1');
    assert.equal(r.status, 'HTTP/1.1 200 OK');
    assert.deepEqual(r.headers, [
      ['content-type', 'text/plain'],
      ['x-a', 'b'],
      ['content-length', String(ASCII_FROM)],
      ['connection', 'close'],
    ]);
    assert.ok(r.body.equals(Buffer.from(ascii)));
  });

  test('one character short of it, the listener writes it, with the same headers', async () => {
    const r = await raw('GET', `/plain?n=${ASCII_FROM - 1}`);
    assert.equal(r.encoding, undefined);
    // The listener has node:http add Content-Length after Connection; the order carries no meaning.
    assert.deepEqual(
      r.headers.sort(),
      [
        ['content-type', 'text/plain'],
        ['x-a', 'b'],
        ['content-length', String(ASCII_FROM - 1)],
        ['connection', 'close'],
      ].sort(),
    );
    assert.equal(r.body.length, ASCII_FROM - 1);
  });

  test("no headers: @hono/node-server's default Content-Type; a status and an app's Content-Length are kept", async () => {
    const none = await raw('GET', '/none');
    assert.equal(none.encoding, 'latin1');
    assert.deepEqual(none.headers.slice(0, 2), [
      ['content-type', 'text/plain; charset=UTF-8'],
      ['content-length', String(ASCII_FROM)],
    ]);
    const status = await raw('GET', '/status');
    assert.equal(status.status, 'HTTP/1.1 201 Created');
    assert.equal(status.body.length, ASCII_FROM);
    const length = await raw('GET', '/length');
    assert.equal(length.encoding, 'latin1');
    assert.deepEqual(
      length.headers.filter(([k]) => k === 'content-length'),
      [['content-length', String(ASCII_FROM)]],
    );
  });

  test('a non-ASCII body and a Headers object go through the listener and arrive intact', async () => {
    const utf8 = await raw('GET', '/plain?utf8=1');
    assert.equal(utf8.encoding, undefined);
    const expected = Buffer.from(`${'y'.repeat(ASCII_FROM - 1)}é`);
    assert.ok(utf8.body.equals(expected));
    assert.deepEqual(
      utf8.headers.filter(([k]) => k === 'content-length'),
      [['content-length', String(expected.length)]],
    );
    const headers = await raw('GET', '/headers-object');
    assert.equal(headers.encoding, undefined);
    assert.ok(headers.headers.some(([k, v]) => k === 'set-cookie' && v === 'a=1'));
    assert.equal(headers.body.length, ASCII_FROM);
  });

  test('HEAD gets the Content-Length and no body; one Response returned again and again is written each time', async () => {
    const head = await raw('HEAD', '/plain');
    assert.equal(head.encoding, 'latin1');
    assert.ok(head.headers.some(([k, v]) => k === 'content-length' && v === String(ASCII_FROM)));
    assert.equal(head.body.length, 0);
    for (let i = 0; i < 3; i++) {
      const r = await raw('GET', '/sync');
      assert.equal(r.encoding, 'latin1');
      assert.ok(r.body.equals(Buffer.from(ascii)));
    }
    assert.equal(await reused.text(), ascii); // the app's Response is untouched
  });
});
