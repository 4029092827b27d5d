// Run by test/node-internals.test.ts on each Node it checks: exercises every accessor of
// src/node-internals.ts on real sockets and prints the ones that no longer work, one per line.
import http from 'node:http';
import net from 'node:net';
import { Readable } from 'node:stream';
import tls from 'node:tls';

const internals = await import(process.argv[2]);
const broken = [];
const check = (name, ok) => {
  if (!ok) broken.push(name);
};

const handle = internals.createServerHandle('127.0.0.1', 0, 4);
check('net._createServerHandle (binds without listening)', typeof handle === 'object' && typeof handle.getsockname === 'function');
check('handle.fd', internals.handleFd(handle) >= 0);
if (typeof handle === 'object') handle.close();

const server = http.createServer((req, res) => {
  check('socket._httpMessage (the response being written)', internals.socketResponse(req.socket) === res);
  check('socket.parser.incoming (the request being received)', internals.socketParser(req.socket)?.incoming === req);
  const chunk = internals.socketParser(req.socket)?.getCurrentBuffer?.();
  check('socket.parser.getCurrentBuffer() (the bytes being parsed)', Buffer.isBuffer(chunk) && chunk.toString('latin1').startsWith('GET /x HTTP/1.1'));
  check('an HTTP socket is not released', !internals.releasedByHttp(req.socket));
  res.writeHead(200, { 'X-Probe': 'yes' });
  check('response._header (the header block written)', /\r\nX-Probe: yes\r\n/.test(internals.headerBlock(res) ?? ''));
  res.end('ok', () => check('socket._bytesDispatched and _handle.writeQueueSize', internals.kernelTook(req.socket) > 0));
});
server.on('upgrade', (req, socket) => {
  check('an upgraded socket is released by node:http (parser null)', internals.releasedByHttp(socket));
  socket.end('HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: probe\r\n\r\n');
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
check('server._handle', typeof internals.serverHandle(server) === 'object' && internals.handleFd(internals.serverHandle(server)) >= 0);
const { port } = server.address();
await new Promise((resolve, reject) => http.get({ port, host: '127.0.0.1', path: '/x', agent: false }, (res) => res.resume().on('end', resolve)).on('error', reject));
await new Promise((resolve, reject) => {
  const req = http.request({ port, host: '127.0.0.1', path: '/u', headers: { Connection: 'Upgrade', Upgrade: 'probe' } });
  req.on('upgrade', (_res, socket) => (socket.destroy(), resolve()));
  req.on('error', reject);
  req.end();
});
server.close();

const raw = new net.Socket();
check('TLSSocket._parent (the socket it wraps)', internals.tlsParent(new tls.TLSSocket(raw)) === raw);
const peered = new net.Socket();
internals.setPeerCache(peered, { address: '192.0.2.7', port: 4567, family: 'IPv4' });
check('socket._peername (the cached peer)', peered.remoteAddress === '192.0.2.7' && peered.remotePort === 4567 && peered.remoteFamily === 'IPv4');
const state = internals.readableState(new Readable({ read() {} }));
check('stream._readableState', state?.ended === false && state.length === 0 && state.highWaterMark > 0);

if (internals.V8_EXTERNAL_MEMORY_APART) {
  const { spawnSync } = await import('node:child_process');
  const run = spawnSync(process.execPath, [internals.EXTERNAL_MEMORY_FLAG, '-e', '0'], { encoding: 'utf8' });
  check(`V8 flag ${internals.EXTERNAL_MEMORY_FLAG}`, run.status === 0 && run.stderr === '');
}

process.stdout.write(broken.length ? broken.map((b) => `broken: ${b}\n`).join('') : 'ok\n');
