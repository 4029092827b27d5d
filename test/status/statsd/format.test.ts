/** The statsd line formatter and datagram packer, against the lines Gunicorn's statsd.py writes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineFormat, pack, pyFloat, statsdPrefix } from '../../../src/status/statsd/format.js';

test("the prefix rule is Gunicorn's: one trailing dot, none added to one character", () => {
  assert.equal(statsdPrefix(''), '');
  assert.equal(statsdPrefix('test'), 'test.');
  assert.equal(statsdPrefix('test.'), 'test.');
  assert.equal(statsdPrefix('test...'), 'test.');
  assert.equal(statsdPrefix('test.asdf.'), 'test.asdf.');
  assert.equal(statsdPrefix('a'), 'a'); // Gunicorn's regex needs two characters
});

test('lines as Gunicorn writes them', () => {
  const f = new LineFormat({ prefix: '', tags: '' });
  assert.equal(f.counter('gunicorn.requests', 1), 'gunicorn.requests:1|c|@1.0');
  assert.equal(f.counter('gunicorn.request.status.200', 37), 'gunicorn.request.status.200:37|c|@1.0');
  assert.equal(f.timer('gunicorn.request.duration', 12.345), 'gunicorn.request.duration:12.345|ms');
  assert.equal(f.timer('gunicorn.request.duration', 3), 'gunicorn.request.duration:3.0|ms');
  assert.equal(f.gauge('gunicorn.workers', 4), 'gunicorn.workers:4|g');
  assert.equal(f.histogram('gunicorn.backlog', 0), 'gunicorn.backlog:0|h');
});

test('prefix and dogstatsd tags', () => {
  const f = new LineFormat({ prefix: 'myapp', tags: 'env:prod,team:web' });
  assert.equal(f.counter('gunicorn.log.warning', 1), 'myapp.gunicorn.log.warning:1|c|@1.0|#env:prod,team:web');
  assert.equal(f.gauge('gunicorn.workers', 2), 'myapp.gunicorn.workers:2|g|#env:prod,team:web');
});

test('a sampled timer carries its rate', () => {
  const f = new LineFormat({ prefix: '', tags: 'a:b' });
  assert.equal(f.timer('gunicorn.request.duration', 1.5, 0.25), 'gunicorn.request.duration:1.5|ms|@0.25|#a:b');
  assert.equal(f.timer('gunicorn.request.duration', 1.5, 1), 'gunicorn.request.duration:1.5|ms|#a:b');
});

test("pyFloat prints as Python's str(float)", () => {
  assert.equal(pyFloat(0.5), '0.5');
  assert.equal(pyFloat(120), '120.0');
  assert.equal(pyFloat(0.001), '0.001');
});

test('pack: newline-joined datagrams within the limit, in order, nothing lost', () => {
  const lines = Array.from({ length: 200 }, (_, i) => `gunicorn.request.duration:${i}.123|ms`);
  const grams = pack(lines, 1432);
  assert.ok(grams.length > 1);
  for (const g of grams) {
    assert.ok(g.text.length <= 1432, `${g.text.length}`);
    assert.equal(g.text.split('\n').length, g.lines);
  }
  assert.deepEqual(
    grams.flatMap((g) => g.text.split('\n')),
    lines,
  );
  assert.deepEqual(pack(['x'.repeat(2000), 'y'], 1432), [
    { text: 'x'.repeat(2000), lines: 1 },
    { text: 'y', lines: 1 },
  ]);
  assert.deepEqual(pack([], 1432), []);
});
