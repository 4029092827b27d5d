/**
 * Gunicorn's access_log_format, compiled once into a function. Atoms (Gunicorn's glogging):
 *   h remote address   l '-'   u user (basic auth)   t [date]   r request line   s status
 *   m method   U path   q query   H protocol   b body bytes ('-' if no response)   B body bytes
 *   f referer   a user agent   T seconds   D microseconds   M milliseconds   L decimal seconds
 *   p <pid>   {name}i request header   {name}o response header   {name}e environment variable
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { headerBlock } from '../node-internals.js';

export interface AccessRecord {
  req: IncomingMessage;
  res: ServerResponse;
  /** Remote address as logged (after trusted X-Forwarded-For). */
  remote: string;
  /** Request duration in nanoseconds. */
  durationNs: bigint;
  /** Body bytes sent. */
  bytes: number;
  /** When the request started (ms since epoch). */
  startedMs: number;
}

type Piece = string | ((r: AccessRecord) => string);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

let cachedSecond = NaN;
let cachedTime = '';

/** Apache/Gunicorn request time: [10/Oct/2000:13:55:36 -0700] (formatted once per second). */
export function accessTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second === cachedSecond) return cachedTime;
  cachedSecond = second;
  cachedTime = formatAccessTime(ms);
  return cachedTime;
}

export function formatAccessTime(ms: number): string {
  const d = new Date(ms);
  const off = -d.getTimezoneOffset();
  const abs = Math.abs(off);
  return `[${pad(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${off >= 0 ? '+' : '-'}${pad(Math.floor(abs / 60))}${pad(abs % 60)}]`;
}

const dash = (v: unknown) => (v === undefined || v === null || v === '' ? '-' : Array.isArray(v) ? v.join(', ') : String(v));

function path(req: IncomingMessage): string {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function user(req: IncomingMessage): string {
  const auth = req.headers.authorization;
  if (!auth || !/^basic /i.test(auth)) return '-';
  const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? decoded.slice(0, colon) : '-';
}

/**
 * A response header as it went out. Headers given to writeHead() as an object (as fetch apps'
 * responses are written) are not kept for getHeader(): read them from the header block sent.
 */
export function sentHeader(res: ServerResponse, lowerName: string): string | undefined {
  const block = headerBlock(res);
  if (!block) return undefined;
  const values: string[] = [];
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.length > lowerName.length && line.slice(0, colon).toLowerCase() === lowerName) values.push(line.slice(colon + 1).trim());
  }
  return values.length ? values.join(', ') : undefined;
}

const ATOMS: Record<string, (r: AccessRecord) => string> = {
  h: (r) => r.remote,
  l: () => '-',
  u: (r) => user(r.req),
  t: (r) => accessTime(r.startedMs),
  r: (r) => `${r.req.method} ${r.req.url} HTTP/${r.req.httpVersion}`,
  s: (r) => String(r.res.statusCode),
  m: (r) => r.req.method ?? '-',
  U: (r) => path(r.req),
  q: (r) => {
    const url = r.req.url ?? '';
    const i = url.indexOf('?');
    return i === -1 ? '' : url.slice(i + 1);
  },
  H: (r) => `HTTP/${r.req.httpVersion}`,
  // Gunicorn: the body bytes sent, '-' when no response went out at all.
  b: (r) => (r.res.headersSent ? String(r.bytes) : '-'),
  B: (r) => String(r.bytes),
  f: (r) => dash(r.req.headers.referer),
  a: (r) => dash(r.req.headers['user-agent']),
  T: (r) => String(r.durationNs / 1_000_000_000n),
  D: (r) => String(r.durationNs / 1000n),
  M: (r) => String(r.durationNs / 1_000_000n),
  L: (r) => (Number(r.durationNs / 1000n) / 1e6).toFixed(6),
  p: () => `<${process.pid}>`,
};

function atom(name: string): (r: AccessRecord) => string {
  const braced = /^\{([^}]+)\}([ioe])$/.exec(name);
  if (braced) {
    const key = braced[1]!.toLowerCase();
    const raw = braced[1]!;
    if (braced[2] === 'i') return (r) => dash(r.req.headers[key]);
    if (braced[2] === 'o') return (r) => dash(r.res.getHeader(key) ?? sentHeader(r.res, key));
    return () => dash(process.env[raw]);
  }
  const fn = ATOMS[name];
  if (fn) return fn;
  return () => '-';
}

/** Compile a Gunicorn access_log_format into a line builder (without the trailing newline). */
export function compileAccessFormat(format: string): (r: AccessRecord) => string {
  const pieces: Piece[] = [];
  const re = /%\(([^)]+)\)s|%%/g;
  let last = 0;
  for (const m of format.matchAll(re)) {
    if (m.index! > last) pieces.push(format.slice(last, m.index));
    pieces.push(m[0] === '%%' ? '%' : atom(m[1]!));
    last = m.index! + m[0].length;
  }
  if (last < format.length) pieces.push(format.slice(last));
  return (r) => {
    let out = '';
    for (const p of pieces) out += typeof p === 'string' ? p : p(r);
    return out;
  };
}

/** Atoms Gunicorn knows, for validating a format at start-up. */
export function unknownAtoms(format: string): string[] {
  const bad: string[] = [];
  for (const m of format.matchAll(/%\(([^)]+)\)s/g)) {
    const name = m[1]!;
    if (!(name in ATOMS) && !/^\{[^}]+\}[ioe]$/.test(name)) bad.push(name);
  }
  return bad;
}

const str = (v: string | undefined | null) => (v === undefined || v === null ? 'null' : JSON.stringify(v));
let isoSecond = NaN;
let isoPrefix = '';

/** ISO 8601 UTC with milliseconds, the seconds part formatted once per second. */
function isoTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    isoSecond = second;
    isoPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  return `${isoPrefix}${String(ms - second * 1000).padStart(3, '0')}Z`;
}

/**
 * The JSON access line for log_format=json: the same object JSON.stringify would give, built by
 * hand (strings still go through JSON.stringify for escaping); about twice as fast on a busy worker.
 */
export function jsonAccessLine(r: AccessRecord, requestId: string | undefined): string {
  const { req } = r;
  const referer = req.headers.referer;
  const agent = req.headers['user-agent'];
  return (
    `{"time":"${isoTime(r.startedMs)}","pid":${process.pid},"remote_addr":${str(r.remote)},"method":${str(req.method)},` +
    `"path":${str(path(req))},"query":${str(ATOMS.q!(r))},"protocol":"HTTP/${req.httpVersion}","status":${r.res.statusCode},` +
    `"bytes":${r.bytes},"duration_ms":${Number(r.durationNs / 1000n) / 1000},"referer":${str(referer)},"user_agent":${str(agent)},` +
    `"request_id":${str(requestId)}}`
  );
}
