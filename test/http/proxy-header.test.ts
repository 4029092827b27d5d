/** The PROXY protocol header parser (a pure function of the bytes a connection began with). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalV6, parseProxyHeader, V2_SIGNATURE } from '../../src/http/proxy-header.js';

const REQ = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';

/** A v2 header: version/command byte, family/transport byte, address block, then TLVs. */
function v2(verCmd: number, famProto: number, addresses: Buffer, tlvs: Buffer = Buffer.alloc(0)): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(addresses.length + tlvs.length);
  return Buffer.concat([V2_SIGNATURE, Buffer.from([verCmd, famProto]), len, addresses, tlvs]);
}
function ipv4Block(src: number[], dst: number[], sport: number, dport: number): Buffer {
  const b = Buffer.alloc(12);
  Buffer.from(src).copy(b, 0);
  Buffer.from(dst).copy(b, 4);
  b.writeUInt16BE(sport, 8);
  b.writeUInt16BE(dport, 10);
  return b;
}
function ipv6Block(src: number[], dst: number[], sport: number, dport: number): Buffer {
  const b = Buffer.alloc(36);
  src.forEach((g, i) => b.writeUInt16BE(g, i * 2));
  dst.forEach((g, i) => b.writeUInt16BE(g, 16 + i * 2));
  b.writeUInt16BE(sport, 32);
  b.writeUInt16BE(dport, 34);
  return b;
}
/** A TLV: type, 2-byte length, value. */
const tlv = (type: number, value: string) => {
  const v = Buffer.from(value);
  const h = Buffer.from([type, 0, 0]);
  h.writeUInt16BE(v.length, 1);
  return Buffer.concat([h, v]);
};

describe('PROXY protocol v1', () => {
  test('TCP4: the source address and port, and the header length (the request after it is left)', () => {
    const line = 'PROXY TCP4 203.0.113.7 10.0.0.1 56324 443\r\n';
    const r = parseProxyHeader(Buffer.from(line + REQ), 'v1');
    assert.deepEqual(r, { kind: 'done', version: 1, length: line.length, source: { address: '203.0.113.7', port: 56324, family: 'IPv4' } });
  });

  test('TCP6, written in canonical form like a peer address', () => {
    const r = parseProxyHeader(Buffer.from('PROXY TCP6 2001:DB8:0:0:0:0:0:1 ::1 1 65535\r\n'), 'auto');
    assert.equal(r.kind, 'done');
    assert.deepEqual(r.kind === 'done' && r.source, { address: '2001:db8::1', port: 1, family: 'IPv6' });
  });

  test("UNKNOWN: done, no source (the connection's own address stays)", () => {
    for (const line of ['PROXY UNKNOWN\r\n', 'PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n']) {
      const r = parseProxyHeader(Buffer.from(line), 'auto');
      assert.deepEqual(r, { kind: 'done', version: 1, length: line.length, source: null });
    }
  });

  test('every shorter prefix of a good line needs more bytes', () => {
    const line = 'PROXY TCP4 203.0.113.7 10.0.0.1 56324 443\r\n';
    for (let n = 0; n < line.length; n++) assert.equal(parseProxyHeader(Buffer.from(line.slice(0, n)), 'auto').kind, 'more', `at ${n} bytes`);
  });

  test('malformed lines are errors', () => {
    const bad = [
      'PROXY TCP4 203.0.113.7 10.0.0.1 56324\r\n', // a field short
      'PROXY TCP4 203.0.113.7 10.0.0.1 56324 443 extra\r\n',
      'PROXY UDP4 203.0.113.7 10.0.0.1 56324 443\r\n',
      'PROXY TCP4 ::1 10.0.0.1 56324 443\r\n', // family mismatch
      'PROXY TCP6 203.0.113.7 ::1 56324 443\r\n',
      'PROXY TCP4 203.0.113.999 10.0.0.1 56324 443\r\n',
      'PROXY TCP4 203.0.113.7 10.0.0.1 65536 443\r\n',
      'PROXY TCP4 203.0.113.7 10.0.0.1 0443 443\r\n', // leading zero
      'PROXY TCP4 203.0.113.7 10.0.0.1 -1 443\r\n',
      'PROXY TCP4 203.0.113.7 10.0.0.1 56324 443\n', // LF without CR
      'PROXY TCP4  203.0.113.7 10.0.0.1 56324 443\r\n', // two spaces
    ];
    for (const line of bad) assert.equal(parseProxyHeader(Buffer.from(line), 'auto').kind, 'error', JSON.stringify(line));
  });

  test('a line with no CRLF within 107 bytes is an error, not a wait', () => {
    assert.equal(parseProxyHeader(Buffer.from('PROXY TCP6 ' + 'a'.repeat(96)), 'auto').kind, 'error');
    assert.equal(parseProxyHeader(Buffer.from('PROXY TCP6 ' + 'a'.repeat(95)), 'auto').kind, 'more');
  });

  test('v1 only: a v2 header is refused', () => {
    const r = parseProxyHeader(v2(0x21, 0x11, ipv4Block([1, 2, 3, 4], [5, 6, 7, 8], 1, 2)), 'v1');
    assert.deepEqual(r, { kind: 'error', reason: 'a v2 header, but proxy_protocol is v1' });
  });
});

describe('PROXY protocol v2', () => {
  test('PROXY over IPv4, with the request after it', () => {
    const h = v2(0x21, 0x11, ipv4Block([198, 51, 100, 22], [10, 0, 0, 1], 40000, 8080));
    const r = parseProxyHeader(Buffer.concat([h, Buffer.from(REQ)]), 'v2');
    assert.deepEqual(r, { kind: 'done', version: 2, length: h.length, source: { address: '198.51.100.22', port: 40000, family: 'IPv4' } });
  });

  test('PROXY over IPv6, compressed like a peer address; IPv4-mapped written dotted', () => {
    const h = v2(0x21, 0x21, ipv6Block([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x42], [0, 0, 0, 0, 0, 0, 0, 1], 443, 80));
    const r = parseProxyHeader(h, 'auto');
    assert.deepEqual(r.kind === 'done' && r.source, { address: '2001:db8::42', port: 443, family: 'IPv6' });
    const m = v2(0x21, 0x21, ipv6Block([0, 0, 0, 0, 0, 0xffff, 0xc633, 0x6416], [0, 0, 0, 0, 0, 0, 0, 1], 1, 2));
    const rm = parseProxyHeader(m, 'auto');
    assert.equal(rm.kind === 'done' && rm.source?.address, '::ffff:198.51.100.22');
  });

  test('TLVs after the addresses are skipped (the length covers them)', () => {
    const tlvs = Buffer.concat([tlv(0x01, 'h2'), tlv(0x05, 'unique-id-1234'), tlv(0x04, '')]);
    const h = v2(0x21, 0x11, ipv4Block([192, 0, 2, 1], [10, 0, 0, 1], 1234, 80), tlvs);
    const r = parseProxyHeader(Buffer.concat([h, Buffer.from(REQ)]), 'auto');
    assert.deepEqual(r, { kind: 'done', version: 2, length: 16 + 12 + tlvs.length, source: { address: '192.0.2.1', port: 1234, family: 'IPv4' } });
  });

  test("LOCAL (a proxy's health check): done, no source, whatever the family", () => {
    for (const fam of [0x00, 0x11]) {
      const h = v2(0x20, fam, fam ? ipv4Block([1, 2, 3, 4], [5, 6, 7, 8], 1, 2) : Buffer.alloc(0));
      assert.deepEqual(parseProxyHeader(h, 'v2'), { kind: 'done', version: 2, length: h.length, source: null });
    }
  });

  test('UNSPEC and UNIX families: done, no source', () => {
    assert.deepEqual(parseProxyHeader(v2(0x21, 0x00, Buffer.alloc(0)), 'auto'), { kind: 'done', version: 2, length: 16, source: null });
    assert.deepEqual(parseProxyHeader(v2(0x21, 0x31, Buffer.alloc(216)), 'auto'), { kind: 'done', version: 2, length: 232, source: null });
  });

  test('truncated: every shorter prefix needs more bytes', () => {
    const h = v2(0x21, 0x21, ipv6Block([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0, 1], 1, 2), tlv(1, 'http/1.1'));
    for (let n = 0; n < h.length; n++) assert.equal(parseProxyHeader(h.subarray(0, n), 'v2').kind, 'more', `at ${n} bytes`);
    assert.equal(parseProxyHeader(h, 'v2').kind, 'done');
  });

  test('malformed headers are errors', () => {
    const a4 = ipv4Block([1, 2, 3, 4], [5, 6, 7, 8], 1, 2);
    const cases: Array<[string, Buffer]> = [
      ['version 1', v2(0x11, 0x11, a4)],
      ['version 3', v2(0x31, 0x11, a4)],
      ['command 2', v2(0x22, 0x11, a4)],
      ['UDP', v2(0x21, 0x12, a4)],
      ['family 4', v2(0x21, 0x41, a4)],
      ['IPv4 with 8 address bytes', v2(0x21, 0x11, a4.subarray(0, 8))],
      ['IPv6 with 12 address bytes', v2(0x21, 0x21, a4)],
    ];
    for (const [what, h] of cases) assert.equal(parseProxyHeader(h, 'auto').kind, 'error', what);
  });

  test('a damaged signature is not a header; v2 only refuses a v1 line', () => {
    const h = v2(0x21, 0x11, ipv4Block([1, 2, 3, 4], [5, 6, 7, 8], 1, 2));
    h[5] = 0x0e;
    assert.equal(parseProxyHeader(h, 'auto').kind, 'error');
    assert.deepEqual(parseProxyHeader(Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n'), 'v2'), { kind: 'error', reason: 'a v1 header, but proxy_protocol is v2' });
  });
});

describe('no header', () => {
  test('plain HTTP is an error at its first byte, naming what came', () => {
    const r = parseProxyHeader(Buffer.from(REQ), 'auto');
    assert.equal(r.kind, 'error');
    assert.match(r.kind === 'error' ? r.reason : '', /^no PROXY protocol header \(the connection began "GET \/ HTTP\/1\.1\\r\\nHost: x\\r\.\.\."\)$/);
    assert.equal(parseProxyHeader(Buffer.from('G'), 'auto').kind, 'error');
    assert.equal(parseProxyHeader(Buffer.from('PROXX'), 'auto').kind, 'error');
    assert.equal(parseProxyHeader(Buffer.from([0x16, 0x03, 0x01]), 'auto').kind, 'error'); // a TLS hello
  });

  test('nothing yet needs more', () => {
    assert.equal(parseProxyHeader(Buffer.alloc(0), 'auto').kind, 'more');
    assert.equal(parseProxyHeader(Buffer.from('\r\n\r\n'), 'auto').kind, 'more');
    assert.equal(parseProxyHeader(Buffer.from('PRO'), 'v1').kind, 'more');
  });

  test('canonicalV6', () => {
    assert.equal(canonicalV6('0:0:0:0:0:0:0:1'), '::1');
    assert.equal(canonicalV6('2001:0db8:0000:0000:0001:0000:0000:0001'), '2001:db8::1:0:0:1');
    assert.equal(canonicalV6('::FFFF:10.1.2.3'), '::ffff:10.1.2.3');
  });
});
