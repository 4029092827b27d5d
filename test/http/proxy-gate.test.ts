/**
 * ProxyGate in-process, on real loopback sockets: what the worker does with a connection before
 * node:http gets it. The header timeout (the HTTP headers timeout, 60 s, in a worker) is shortened
 * here; the end-to-end cases are in proxy-protocol.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ErrorLog } from '../../src/logging/error-log.js';
import { ProxyGate } from '../../src/http/proxy-protocol.js';
import { ROOT } from '../helpers/cli.js';

mkdirSync(join(ROOT, 'test/.tmp'), { recursive: true });
const logFile = join(mkdtempSync(join(ROOT, 'test/.tmp/gate-')), 'error.log');
const log = new ErrorLog({ target: logFile, level: 'debug', format: 'text' });
const logged = () => (log.flush(), readFileSync(logFile, 'utf8'));

/** A server whose connections go through a gate; `handed` gets each socket the gate lets through. */
async function gated(timeoutMs: number, handed: (s: net.Socket) => void): Promise<{ port: number; gate: ProxyGate; server: net.Server }> {
  const gate = new ProxyGate({ mode: 'auto', allow: ['127.0.0.1'], log, timeoutMs });
  const server = net.createServer((s) => gate.admit(s, handed));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => server.close());
  return { port: (server.address() as net.AddressInfo).port, gate, server };
}

test('a header split over writes, then the request: handed over with the client as peer, the request readable after', async () => {
  let got!: (v: { peer: string; port: number; family: string; first: string }) => void;
  const result = new Promise<{ peer: string; port: number; family: string; first: string }>((r) => (got = r));
  const { port } = await gated(5000, (s) => s.once('data', (d) => got({ peer: s.remoteAddress!, port: s.remotePort!, family: s.remoteFamily!, first: String(d) })));
  const c = net.connect(port, '127.0.0.1');
  c.write('PROXY TCP6 2001:db8::9 ::1 ');
  await new Promise((r) => setTimeout(r, 50));
  c.write('4321 80\r\nGET / HTTP/1.1\r\n');
  const r = await result;
  c.destroy();
  assert.deepEqual(r, { peer: '2001:db8::9', port: 4321, family: 'IPv6', first: 'GET / HTTP/1.1\r\n' });
});

test('a header that does not complete within the timeout is closed, with a debug line', async () => {
  const { port } = await gated(300, () => assert.fail('handed over'));
  const c = net.connect(port, '127.0.0.1');
  c.on('error', () => {});
  c.write('PROXY TCP4 1.2');
  const started = Date.now();
  await new Promise((r) => c.on('close', r));
  assert.ok(Date.now() - started < 5000);
  assert.match(logged(), /\[DEBUG\] PROXY protocol header from ip=127\.0\.0\.1 not received within 0\.3s; connection closed/);
});

test('a connection that ends halfway through its header: closed, one warning naming how far it got', async () => {
  const { port } = await gated(5000, () => assert.fail('handed over'));
  const c = net.connect(port, '127.0.0.1');
  c.on('error', () => {});
  c.end('PROXY TCP4 1.2.3.4');
  await new Promise((r) => c.on('close', r));
  await new Promise((r) => setTimeout(r, 50));
  assert.match(logged(), /\[WARNING\] Invalid PROXY protocol header from ip=127\.0\.0\.1: the connection ended after 18 byte\(s\), before the header was complete; connection closed/);
});

test('closeWaiting closes the connections still sending their header', async () => {
  const { port, gate } = await gated(60_000, () => assert.fail('handed over'));
  const c = net.connect(port, '127.0.0.1');
  c.on('error', () => {});
  c.write('PRO');
  await new Promise((r) => setTimeout(r, 100));
  gate.closeWaiting();
  await new Promise((r) => c.on('close', r));
});
