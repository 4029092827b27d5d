/**
 * Gunicorn's access_log_format, compiled once into a function. Atoms (Gunicorn's glogging):
 *   h remote address   l '-'   u user (basic auth)   t [date]   r request line   s status
 *   m method   U path   q query   H protocol   b body bytes or '-'   B body bytes
 *   f referer   a user agent   T seconds   D microseconds   M milliseconds   L decimal seconds
 *   p <pid>   {name}i request header   {name}o response header   {name}e environment variable
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

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

/** Apache/Gunicorn request time: [10/Oct/2000:13:55:36 -0700]. */
export function accessTime(ms: number): string {
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
  b: (r) => (r.bytes > 0 ? String(r.bytes) : '-'),
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
    if (braced[2] === 'o') return (r) => dash(r.res.getHeader(key));
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

/** The JSON access line for log_format=json. */
export function jsonAccessLine(r: AccessRecord, requestId: string | undefined): string {
  return JSON.stringify({
    time: new Date(r.startedMs).toISOString(),
    pid: process.pid,
    remote_addr: r.remote,
    method: r.req.method,
    path: path(r.req),
    query: ATOMS.q!(r),
    protocol: `HTTP/${r.req.httpVersion}`,
    status: r.res.statusCode,
    bytes: r.bytes,
    duration_ms: Number(r.durationNs / 1000n) / 1000,
    referer: r.req.headers.referer ?? null,
    user_agent: r.req.headers['user-agent'] ?? null,
    request_id: requestId ?? null,
  });
}
