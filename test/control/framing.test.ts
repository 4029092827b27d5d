/** The control socket's framing (src/control/framing.ts): Gunicorn's 4-byte big-endian length, then JSON. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encode, FrameError, FrameReader, MAX_MESSAGE } from '../../src/control/framing.js';

test('encode: a big-endian length, then the UTF-8 JSON body', () => {
  const frame = encode({ id: 1, command: 'show workers', args: [] });
  const body = '{"id":1,"command":"show workers","args":[]}';
  assert.equal(frame.readUInt32BE(0), Buffer.byteLength(body));
  assert.equal(frame.subarray(4).toString(), body);
  // Non-ASCII counts in bytes, not characters.
  assert.equal(encode({ s: 'é' }).readUInt32BE(0), Buffer.byteLength('{"s":"é"}'));
});

test('FrameReader: a frame split at every byte, and several frames in one chunk', () => {
  const frame = encode({ id: 7, status: 'ok', data: { n: 1 } });
  const reader = new FrameReader();
  const got: unknown[] = [];
  for (let i = 0; i < frame.length; i++) got.push(...reader.push(frame.subarray(i, i + 1)));
  assert.deepEqual(got, [{ id: 7, status: 'ok', data: { n: 1 } }]);
  assert.equal(reader.pending, 0);

  const two = Buffer.concat([encode({ a: 1 }), encode({ b: 2 }), encode({ c: 3 }).subarray(0, 5)]);
  assert.deepEqual(reader.push(two), [{ a: 1 }, { b: 2 }]);
  assert.equal(reader.pending, 5, 'the unfinished third frame is held');
});

test('FrameReader: an oversized length or a body that is not JSON is a FrameError with one line', () => {
  const huge = Buffer.alloc(4);
  huge.writeUInt32BE(MAX_MESSAGE + 1);
  assert.throws(
    () => new FrameReader().push(huge),
    (e: Error) => e instanceof FrameError && /^Message too large: \d+ bytes/.test(e.message),
  );
  const bad = Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from('{x}')]);
  assert.throws(
    () => new FrameReader().push(bad),
    (e: Error) => e instanceof FrameError && /^Invalid JSON/.test(e.message),
  );
});
