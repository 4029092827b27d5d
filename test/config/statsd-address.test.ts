/** statsd_host as Gunicorn reads it (its tests/test_config.py cases), and the one-line refusals. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStatsdAddress } from '../../src/config/statsd-address.js';
import { statsdAddress } from '../../src/config/validators.js';

test("Gunicorn's forms", () => {
  assert.deepEqual(parseStatsdAddress('localhost'), { kind: 'udp', host: 'localhost', port: 8125 });
  assert.deepEqual(parseStatsdAddress('statsd:7777'), { kind: 'udp', host: 'statsd', port: 7777 });
  assert.deepEqual(parseStatsdAddress('tcp://127.0.0.1:9125'), { kind: 'udp', host: '127.0.0.1', port: 9125 });
  assert.deepEqual(parseStatsdAddress('[::1]:8125'), { kind: 'udp', host: '::1', port: 8125 });
  assert.deepEqual(parseStatsdAddress('unix:///path/to.sock'), { kind: 'unix', path: '/path/to.sock' });
  assert.deepEqual(parseStatsdAddress('unix://some.socket'), { kind: 'unix', path: 'some.socket' });
  assert.deepEqual(parseStatsdAddress('unix:test.sock'), { kind: 'unix', path: 'test.sock' });
  assert.deepEqual(parseStatsdAddress('unix:7777'), { kind: 'udp', host: 'unix', port: 7777 });
});

test('bad addresses are refused with one line; empty is off', () => {
  assert.equal(statsdAddress('', 'statsd_host'), null);
  assert.equal(statsdAddress(null, 'statsd_host'), null);
  for (const [bad, why] of [
    ['host:string', '"string" is not a port number'],
    ['host:0', '"0" is not a port number'],
    ['::1:8125', 'must be in brackets'],
    ['unix://', 'needs a socket path'],
    ['bad host:1', 'is not a host name'],
  ] as const) {
    assert.throws(
      () => statsdAddress(bad, 'statsd_host'),
      (err: Error) => err.message.includes(why) && !err.message.includes('\n'),
      bad,
    );
  }
});
