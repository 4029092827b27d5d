/** Bind addresses as Gunicorn reads them (unit tests of src/sockets.ts's pure parts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../src/config/errors.js';
import { parseBind, systemdBinds } from '../src/sockets.js';

test('parseBind: HOST:PORT, :PORT, a host alone (port 8000), [IPv6]:PORT, tcp://, unix:, fd://', () => {
  assert.deepEqual(parseBind('127.0.0.1:9000'), { kind: 'tcp', text: '127.0.0.1:9000', host: '127.0.0.1', port: 9000 });
  assert.deepEqual(parseBind(':8080'), { kind: 'tcp', text: ':8080', host: '0.0.0.0', port: 8080 });
  assert.deepEqual(parseBind('example.internal'), { kind: 'tcp', text: 'example.internal', host: 'example.internal', port: 8000 });
  assert.deepEqual(parseBind('localhost:81'), { kind: 'tcp', text: 'localhost:81', host: '127.0.0.1', port: 81 });
  assert.deepEqual(parseBind('[::1]:8443'), { kind: 'tcp', text: '[::1]:8443', host: '::1', port: 8443 });
  assert.deepEqual(parseBind(' tcp://10.0.0.1:80 '), { kind: 'tcp', text: 'tcp://10.0.0.1:80', host: '10.0.0.1', port: 80 });
  assert.deepEqual(parseBind('unix:/run/app.sock'), { kind: 'unix', text: 'unix:/run/app.sock', path: '/run/app.sock' });
  assert.deepEqual(parseBind('fd://3'), { kind: 'fd', text: 'fd://3', fd: 3 });
});

test('parseBind: each bad address is one ConfigError line saying what to write', () => {
  const cases: Array<[string, RegExp]> = [
    ['unix:', /the socket path is missing; use unix:\/run\/app\.sock/],
    ['fd://x', /fd:\/\/N needs a file descriptor number/],
    ['fd://-1', /fd:\/\/N needs a file descriptor number/],
    ['1.2.3.4:80:90', /use HOST:PORT, :PORT, \[IPv6\]:PORT, unix:\/PATH or fd:\/\/N/],
    [':70000', /port 70000 is above 65535/],
    ['[1.2.3.4]:80', /1\.2\.3\.4 is not an IPv6 address/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseBind(text),
      (err: unknown) => err instanceof ConfigError && message.test(err.message) && !err.message.includes('\n'),
      text,
    );
  }
});

test('systemdBinds: LISTEN_FDS sockets from fd 3, only when LISTEN_PID is this process', () => {
  assert.equal(systemdBinds({}), null);
  assert.equal(systemdBinds({ LISTEN_FDS: '2', LISTEN_PID: String(process.pid + 1) }), null);
  assert.deepEqual(systemdBinds({ LISTEN_FDS: '2', LISTEN_PID: String(process.pid) }), [
    { kind: 'fd', text: 'fd://3', fd: 3 },
    { kind: 'fd', text: 'fd://4', fd: 4 },
  ]);
});
