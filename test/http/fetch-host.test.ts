/**
 * A Host that RFC 3986 allows but the URL standard refuses (a last label read as an out-of-range
 * IPv4 number) cannot make a fetch app's request.url: 400, not the app's 500 (found by fuzz.long.ts).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { fetchListener } from '../../src/http/fetch-adapter.js';
import { rawRequest } from './raw-http.js';

let server: Server;
let port: number;

before(async () => {
  const listener = fetchListener(
    (request: Request) => new Response(new URL(request.url).host),
    true,
    (err) => console.error(err),
  );
  server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(() => server.close());

const get = (host: string) => rawRequest(port, `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);

test('a Host the URL standard cannot read is refused 400; good ones before and after it are served', async () => {
  for (const [host, status] of [
    ['example.com', 200],
    [`0x${'a'.repeat(200)}`, 400],
    ['4294967296', 400],
    ['example.com:8080', 200],
    [`0x${'a'.repeat(200)}`, 400],
    ['10.0.0.1', 200],
  ] as const) {
    const r = await get(host);
    assert.equal(r.status, status, `Host: ${host.slice(0, 20)}`);
  }
});
