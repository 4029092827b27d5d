/**
 * The PROXY protocol header (HAProxy's proxy-protocol.txt), v1 (a text line) and v2 (binary), as a
 * pure function of the bytes a connection began with: a header is complete, needs more bytes, or is
 * wrong. Nothing here touches a socket (src/http/proxy-protocol.ts does).
 */
import { isIP } from 'node:net';

export type ProxyMode = 'v1' | 'v2' | 'auto';

/** The client a proxy speaks for; null when the header carries none (v1 UNKNOWN, v2 LOCAL, UNSPEC or UNIX). */
export interface ProxySource {
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

export type ProxyParse = { kind: 'more' } | { kind: 'error'; reason: string } | { kind: 'done'; version: 1 | 2; length: number; source: ProxySource | null };

const V1_PREFIX = Buffer.from('PROXY ');
/** The longest v1 line, CRLF included (the spec's 107 bytes). */
export const V1_MAX = 107;
export const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V2_FIXED = 16;

const MORE: ProxyParse = { kind: 'more' };
const error = (reason: string): ProxyParse => ({ kind: 'error', reason });

/** Whether `buf` is `sig` so far (true while it is shorter but agrees). */
const agrees = (buf: Buffer, sig: Buffer) => buf.subarray(0, sig.length).equals(sig.subarray(0, Math.min(sig.length, buf.length)));

/** Parse the header at the start of `buf`. `length` in a 'done' result is the header's size in bytes. */
export function parseProxyHeader(buf: Buffer, mode: ProxyMode): ProxyParse {
  if (buf.length === 0) return MORE;
  const v1 = mode !== 'v2' && agrees(buf, V1_PREFIX);
  const v2 = mode !== 'v1' && agrees(buf, V2_SIGNATURE);
  if (v1) return buf.length < V1_PREFIX.length ? MORE : parseV1(buf);
  if (v2) return buf.length < V2_SIGNATURE.length ? MORE : parseV2(buf);
  const other =
    mode === 'v1' && agrees(buf, V2_SIGNATURE)
      ? 'a v2 header, but proxy_protocol is v1'
      : mode === 'v2' && agrees(buf, V1_PREFIX)
        ? 'a v1 header, but proxy_protocol is v2'
        : `no PROXY protocol header (the connection began ${describe(buf)})`;
  return error(other);
}

/** The first bytes, printable, for a log line. */
function describe(buf: Buffer): string {
  const head = buf.subarray(0, 24).toString('latin1');
  const shown = JSON.stringify(head).slice(1, -1);
  return `"${shown}${buf.length > 24 ? '...' : ''}"`;
}

function parseV1(buf: Buffer): ProxyParse {
  const end = buf.indexOf('\r\n', 0, 'latin1');
  if (end < 0 && buf.length < V1_MAX && !buf.includes(0x0a)) return MORE;
  if (end < 0 || end + 2 > V1_MAX) return error(`a v1 line not ended by CRLF within ${V1_MAX} bytes`);
  const line = buf.toString('latin1', 0, end);
  const length = end + 2;
  const parts = line.split(' ');
  if (parts[1] === 'UNKNOWN') return { kind: 'done', version: 1, length, source: null };
  if (parts.length !== 6) return error(`a malformed v1 line ${JSON.stringify(line)}`);
  const [, proto, src, dst, sport, dport] = parts as [string, string, string, string, string, string];
  const family = proto === 'TCP4' ? 4 : proto === 'TCP6' ? 6 : 0;
  if (!family) return error(`a v1 line with protocol ${JSON.stringify(proto)} (TCP4, TCP6 or UNKNOWN expected)`);
  if (isIP(src) !== family || isIP(dst) !== family) return error(`a v1 line with addresses that are not ${proto}: ${JSON.stringify(line)}`);
  const port = v1Port(sport);
  if (port < 0 || v1Port(dport) < 0) return error(`a v1 line with a bad port: ${JSON.stringify(line)}`);
  const address = family === 4 ? src : canonicalV6(src);
  return { kind: 'done', version: 1, length, source: { address, port, family: family === 4 ? 'IPv4' : 'IPv6' } };
}

/** A decimal port 0-65535 without leading zeros, or -1. */
function v1Port(s: string): number {
  if (!/^(0|[1-9]\d{0,4})$/.test(s)) return -1;
  const n = Number(s);
  return n <= 65535 ? n : -1;
}

function parseV2(buf: Buffer): ProxyParse {
  if (buf.length < V2_FIXED) return MORE;
  const verCmd = buf[12]!;
  if (verCmd >> 4 !== 2) return error(`a v2 header of version ${verCmd >> 4}`);
  const command = verCmd & 0x0f;
  if (command > 1) return error(`a v2 header with command ${command} (LOCAL or PROXY expected)`);
  const famProto = buf[13]!;
  const addrLen = buf.readUInt16BE(14);
  const length = V2_FIXED + addrLen;
  if (buf.length < length) return MORE;
  // LOCAL: the proxy's own connection (a health check); the peer is the proxy itself. TLVs are skipped.
  if (command === 0) return { kind: 'done', version: 2, length, source: null };
  const family = famProto >> 4;
  const transport = famProto & 0x0f;
  if (family === 0 || family === 3) return { kind: 'done', version: 2, length, source: null };
  if (transport !== 1) return error(`a v2 header for transport ${transport} (only STREAM, TCP, is served)`);
  const at = V2_FIXED;
  if (family === 1) {
    if (addrLen < 12) return error(`a v2 IPv4 header with ${addrLen} bytes of addresses (12 needed)`);
    const address = `${buf[at]}.${buf[at + 1]}.${buf[at + 2]}.${buf[at + 3]}`;
    return { kind: 'done', version: 2, length, source: { address, port: buf.readUInt16BE(at + 8), family: 'IPv4' } };
  }
  if (family === 2) {
    if (addrLen < 36) return error(`a v2 IPv6 header with ${addrLen} bytes of addresses (36 needed)`);
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(buf.readUInt16BE(at + i).toString(16));
    return { kind: 'done', version: 2, length, source: { address: canonicalV6(groups.join(':')), port: buf.readUInt16BE(at + 32), family: 'IPv6' } };
  }
  return error(`a v2 header with address family ${family}`);
}

/**
 * An IPv6 address as Node writes a peer's (RFC 5952: lower case, longest zero run as ::), with an
 * IPv4-mapped address in dotted form (::ffff:1.2.3.4), so it matches proxy_allow_ips and logs alike.
 */
export function canonicalV6(address: string): string {
  const host = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (!mapped) return host;
  const hi = parseInt(mapped[1]!, 16);
  const lo = parseInt(mapped[2]!, 16);
  return `::ffff:${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}
