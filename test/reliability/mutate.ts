/**
 * A small deterministic request fuzzer for the fuzz tests: a seed corpus of valid requests and a
 * mutator (byte flips, insertions of CR/LF/NUL/space/colon and framing fragments, deletions,
 * duplications, truncations, repeated or swapped header lines, long runs), and a runner that sends
 * mutated requests over many concurrent loopback connections and tallies what came back.
 */
import { exchange } from './wire.js';

/** mulberry32: a seeded PRNG, so a failing run can be replayed with the seed it printed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const H = 'Host: x\r\n';
export const SEEDS: string[] = [
  `GET / HTTP/1.1\r\n${H}\r\n`,
  `GET /search?q=tunicorn&page=2 HTTP/1.1\r\n${H}User-Agent: fuzz/1.0\r\nAccept: text/html,*/*;q=0.8\r\nAccept-Encoding: gzip, br\r\nCookie: a=1; b=2\r\n\r\n`,
  `POST /echo HTTP/1.1\r\n${H}Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello`,
  `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 42\r\n\r\n`,
  `PUT /items/1 HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: 13\r\n\r\n{"name":"x1"}`,
  `HEAD / HTTP/1.1\r\n${H}\r\n`,
  `OPTIONS * HTTP/1.1\r\n${H}\r\n`,
  `GET http://x/abs?y=1 HTTP/1.1\r\n${H}\r\n`,
  'GET /old HTTP/1.0\r\n\r\n',
  'GET /old-ka HTTP/1.0\r\nConnection: keep-alive\r\nHost: x\r\n\r\n',
  `POST /echo HTTP/1.1\r\n${H}Expect: 100-continue\r\nContent-Length: 3\r\n\r\nabc`,
  `GET /close HTTP/1.1\r\n${H}Connection: close\r\n\r\n`,
  `GET /204 HTTP/1.1\r\n${H}\r\n`,
  `DELETE /items/1 HTTP/1.1\r\n${H}Authorization: Bearer abc.def\r\n\r\n`,
  `PATCH /items/1 HTTP/1.1\r\n${H}Content-Length: 0\r\n\r\n`,
  `GET /ws HTTP/1.1\r\n${H}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  `GET /a HTTP/1.1\r\n${H}\r\nGET /b HTTP/1.1\r\n${H}\r\n`,
  `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /after HTTP/1.1\r\n${H}\r\n`,
];

const TOKENS = [
  '\r',
  '\n',
  '\r\n',
  '\0',
  ' ',
  '\t',
  ':',
  ',',
  ';',
  '=',
  '"',
  '\x0b',
  '\x0c',
  '\x7f',
  '\xff',
  '\x80',
  '0',
  '-',
  '+',
  '#',
  '*',
  '\\',
  '/',
  '?',
  '%',
  '%00',
  '@',
  'chunked',
  ' chunked',
  'identity, ',
  'HTTP/1.1',
  'HTTP/1.0',
  'HTTP/2.0',
  '\r\n\r\n',
  '0\r\n\r\n',
  'Transfer-Encoding: chunked\r\n',
  'Transfer-Encoding: identity\r\n',
  'Content-Length: 0\r\n',
  'Content-Length: 5\r\n',
  'Content-Length: 99999999999\r\n',
  'Host: y\r\n',
  'Connection: close\r\n',
  'Expect: 100-continue\r\n',
  ' folded\r\n',
  'ffffffffffffffff',
  '1'.repeat(20),
];

/** One mutation of `input` (latin1 string: one char per byte). */
function mutateOnce(s: string, r: () => number): string {
  const pos = () => Math.floor(r() * (s.length + 1));
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const lines = () => s.split('\r\n');
  switch (Math.floor(r() * 13)) {
    case 0: {
      // replace a byte with any byte
      const p = Math.floor(r() * s.length);
      return s.slice(0, p) + String.fromCharCode(Math.floor(r() * 256)) + s.slice(p + 1);
    }
    case 1: {
      // flip one bit
      const p = Math.floor(r() * s.length);
      return s.slice(0, p) + String.fromCharCode(s.charCodeAt(p) ^ (1 << Math.floor(r() * 8))) + s.slice(p + 1);
    }
    case 2:
    case 3: {
      // insert a special byte or a framing fragment
      const p = pos();
      return s.slice(0, p) + pick(TOKENS) + s.slice(p);
    }
    case 4: {
      // delete a range
      const p = pos();
      return s.slice(0, p) + s.slice(p + 1 + Math.floor(r() * 16));
    }
    case 5: {
      // duplicate a range
      const p = pos();
      const n = 1 + Math.floor(r() * 32);
      return s.slice(0, p + n) + s.slice(p, p + n) + s.slice(p + n);
    }
    case 6:
      // truncate
      return s.slice(0, pos());
    case 7: {
      // repeat a header line (sometimes many times)
      const ls = lines();
      if (ls.length < 3) return s;
      const i = 1 + Math.floor(r() * (ls.length - 2));
      const times = r() < 0.1 ? 50 + Math.floor(r() * 150) : 1 + Math.floor(r() * 3);
      ls.splice(i, 0, ...Array<string>(times).fill(ls[i]!));
      return ls.join('\r\n');
    }
    case 8: {
      // swap two lines
      const ls = lines();
      const i = Math.floor(r() * ls.length);
      const j = Math.floor(r() * ls.length);
      [ls[i], ls[j]] = [ls[j]!, ls[i]!];
      return ls.join('\r\n');
    }
    case 9: {
      // a line from another seed
      const ls = lines();
      const other = pick(SEEDS).split('\r\n');
      ls.splice(Math.floor(r() * ls.length), 0, pick(other));
      return ls.join('\r\n');
    }
    case 10: {
      // change the case of a range
      const p = pos();
      const n = 1 + Math.floor(r() * 20);
      const part = s.slice(p, p + n);
      return s.slice(0, p) + (r() < 0.5 ? part.toUpperCase() : part.toLowerCase()) + s.slice(p + n);
    }
    case 11: {
      // a long run (hits the line, field and header-block limits)
      const p = pos();
      const n = r() < 0.2 ? 4000 + Math.floor(r() * 70_000) : 1 + Math.floor(r() * 300);
      return s.slice(0, p) + pick(['a', ' ', '\t', 'X-A: b\r\n', '0', '/']).repeat(Math.max(1, Math.floor(n / 4))) + s.slice(p);
    }
    default: {
      // CRLF -> LF or CR, or LF -> CRLF
      const p = s.indexOf('\r\n', pos());
      if (p === -1) return s.replace('\n', '\r\n');
      return s.slice(0, p) + pick(['\n', '\r', '\r\r\n', '\n\r']) + s.slice(p + 2);
    }
  }
}

export function mutate(seed: string, r: () => number): string {
  let s = seed;
  const n = 1 + Math.floor(r() * r() * 5);
  for (let i = 0; i < n; i++) s = mutateOnce(s, r);
  return s;
}

export interface FuzzStats {
  requests: number;
  connections: number;
  /** Final status code -> count, over every response the server sent. */
  statuses: Map<number, number>;
  /** Connections the server closed without answering anything. */
  closedSilently: number;
  /** Connections the client gave up on (the server was waiting for more bytes). */
  gaveUp: number;
  /** Connections that failed at connect (refused, reset): should be 0. */
  connectErrors: number;
  /** Status lines outside the expected set, with what was sent (at most 20). */
  unexpected: Array<{ status: number; sent: string }>;
  ms: number;
}

/** Statuses a mutated request may get: served (from the app), or refused by node:http or tunicorn. */
export const EXPECTED_STATUSES = new Set([100, 200, 204, 304, 400, 408, 413, 417, 431, 501]);

/**
 * Send `total` mutated requests over `concurrency` connections at a time (1 to 4 per connection,
 * pipelined), stopping early at `deadline` (epoch ms). A third of the connections half-close after
 * sending, a few are cut at once; the rest wait for the answers, or give up after `waitMs`.
 */
export async function fuzz(port: number, opts: { total: number; concurrency: number; seed: number; deadline?: number; waitMs?: number; expected?: Set<number> }): Promise<FuzzStats> {
  const expected = opts.expected ?? EXPECTED_STATUSES;
  const r = rng(opts.seed);
  const stats: FuzzStats = { requests: 0, connections: 0, statuses: new Map(), closedSilently: 0, gaveUp: 0, connectErrors: 0, unexpected: [], ms: 0 };
  const started = Date.now();
  const waitMs = opts.waitMs ?? 150;
  const worker = async () => {
    while (stats.requests < opts.total && (!opts.deadline || Date.now() < opts.deadline)) {
      const k = r() < 0.8 ? 1 : 2 + Math.floor(r() * 3);
      let data = '';
      for (let i = 0; i < k; i++) data += mutate(SEEDS[Math.floor(r() * SEEDS.length)]!, r);
      stats.requests += k;
      stats.connections++;
      const mode = r();
      const res = await exchange(port, Buffer.from(data, 'latin1'), mode < 0.05 ? { ms: 0 } : mode < 0.35 ? { ms: waitMs, end: true } : { ms: waitMs, responses: k, quietMs: 15 });
      if (res.error) {
        stats.connectErrors++;
        continue;
      }
      let any = false;
      for (const m of res.raw.matchAll(/(?:^|\n)HTTP\/1\.[01] (\d{3}) /g)) {
        any = true;
        const status = Number(m[1]);
        stats.statuses.set(status, (stats.statuses.get(status) ?? 0) + 1);
        if (!expected.has(status) && stats.unexpected.length < 20) stats.unexpected.push({ status, sent: data.slice(0, 300) });
      }
      if (!any && res.raw === '' && mode >= 0.05) {
        if (res.closed) stats.closedSilently++;
        else stats.gaveUp++;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  stats.ms = Date.now() - started;
  return stats;
}

export function describe(s: FuzzStats): string {
  const statuses = [...s.statuses]
    .sort(([a], [b]) => a - b)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  return `${s.requests} mutated requests over ${s.connections} connections in ${(s.ms / 1000).toFixed(1)} s (${Math.round(s.requests / (s.ms / 1000))}/s); responses ${statuses}; closed without an answer ${s.closedSilently}, client gave up waiting ${s.gaveUp}, connect errors ${s.connectErrors}`;
}
