/**
 * Raw bytes over loopback sockets for the hostile-request corpus and the fuzzers: send exact bytes
 * (in steps, optionally waiting for something in between), read what comes back until the server
 * closes or goes quiet, and split it into responses.
 */
import net from 'node:net';

export type Step = string | Buffer | { until: RegExp; ms?: number } | { pause: number };

export interface Exchange {
  /** Everything the server sent (latin1). */
  raw: string;
  /** The server closed the connection (FIN or reset) before we gave up. */
  closed: boolean;
  /** The client's port: the recorder fixture logs it with every request it sees. */
  port: number;
  /** The connection failed before anything was sent (refused, reset at once). */
  error?: string;
}

export interface ExchangeOptions {
  /** Give up (and destroy the socket) this long after the last byte was sent. */
  ms?: number;
  /** Stop early once this many final responses have arrived and nothing more comes for `quietMs`. */
  responses?: number;
  quietMs?: number;
  /** Half-close after the last step (the server then sees EOF). */
  end?: boolean;
}

const latin1 = (s: string | Buffer) => (typeof s === 'string' ? Buffer.from(s, 'latin1') : s);

export function exchange(port: number, steps: Step[] | string | Buffer, opts: ExchangeOptions = {}): Promise<Exchange> {
  const list = Array.isArray(steps) ? steps : [steps];
  const ms = opts.ms ?? 1500;
  const quietMs = opts.quietMs ?? 120;
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1', noDelay: true });
    let raw = '';
    let closed = false;
    let settled = false;
    let localPort = 0;
    let error: string | undefined;
    let giveUp: NodeJS.Timeout | undefined;
    let quiet: NodeJS.Timeout | undefined;
    let wake: (() => void) | null = null;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(giveUp);
      clearTimeout(quiet);
      s.destroy();
      resolve({ raw, closed, port: localPort, ...(error ? { error } : {}) });
    };
    const enough = () => opts.responses !== undefined && finalResponses(raw) >= opts.responses;
    s.on('connect', async () => {
      localPort = s.localPort ?? 0;
      for (const step of list) {
        if (settled || closed) return;
        if (typeof step === 'string' || Buffer.isBuffer(step)) {
          s.write(latin1(step));
        } else if ('pause' in step) {
          await new Promise((r) => setTimeout(r, step.pause));
        } else {
          const deadline = Date.now() + (step.ms ?? 1000);
          while (!step.until.test(raw) && !closed && Date.now() < deadline) {
            await new Promise<void>((r) => {
              const t = setTimeout(r, Math.max(1, deadline - Date.now()));
              wake = () => {
                clearTimeout(t);
                r();
              };
            });
          }
        }
      }
      if (opts.end && !closed) s.end();
      giveUp = setTimeout(finish, ms);
      if (enough()) quiet = setTimeout(finish, quietMs);
    });
    s.on('data', (d) => {
      raw += d.toString('latin1');
      wake?.();
      if (giveUp && enough()) {
        clearTimeout(quiet);
        quiet = setTimeout(finish, quietMs);
      }
    });
    s.on('error', (err) => {
      if (!localPort) error = (err as NodeJS.ErrnoException).code ?? err.message;
    });
    s.on('close', () => {
      closed = true;
      wake?.();
      finish();
    });
  });
}

export interface Response {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The bytes of this response (status line to end of body). */
  raw: string;
}

/**
 * Split what the server sent into responses, framed as a client would: 1xx, 204 and 304 (and
 * responses to HEAD, by position in `heads`) have no body; otherwise Content-Length or chunked.
 * `rest` is whatever could not be framed (should be empty).
 */
export function parseResponses(raw: string, heads: number[] = []): { responses: Response[]; rest: string } {
  const responses: Response[] = [];
  let at = 0;
  let final = 0;
  while (at < raw.length) {
    const end = raw.indexOf('\r\n\r\n', at);
    if (end === -1) break;
    const [statusLine = '', ...lines] = raw.slice(at, end).split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(statusLine);
    if (!m) break;
    const status = Number(m[1]);
    const headers: Record<string, string> = {};
    for (const l of lines) {
      const i = l.indexOf(':');
      if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
    }
    let p = end + 4;
    let body = '';
    const informational = status < 200;
    if (!informational && status !== 204 && status !== 304 && !heads.includes(final)) {
      if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) {
        for (;;) {
          const nl = raw.indexOf('\r\n', p);
          if (nl === -1) return { responses, rest: raw.slice(at) };
          const size = parseInt(raw.slice(p, nl), 16);
          if (Number.isNaN(size)) return { responses, rest: raw.slice(at) };
          if (size === 0) {
            const trailerEnd = raw.indexOf('\r\n\r\n', nl);
            p = trailerEnd === -1 ? raw.length : trailerEnd + 4;
            break;
          }
          body += raw.slice(nl + 2, nl + 2 + size);
          p = nl + 2 + size + 2;
        }
      } else {
        const len = Number(headers['content-length'] ?? 0);
        if (p + len > raw.length) return { responses, rest: raw.slice(at) };
        body = raw.slice(p, p + len);
        p += len;
      }
    }
    responses.push({ status, headers, body, raw: raw.slice(at, p) });
    if (!informational) final++;
    at = p;
  }
  return { responses, rest: raw.slice(at) };
}

/** How many final (non-1xx) status lines the server sent: a quick count for early stopping. */
export function finalResponses(raw: string): number {
  let n = 0;
  for (const m of raw.matchAll(/(?:^|\r\n|\n)HTTP\/1\.[01] (\d)\d\d /g)) if (m[1] !== '1') n++;
  return n;
}

/** Run `fn` over `items` with at most `concurrency` at a time. */
export async function pool<T, R>(items: T[], concurrency: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

// Request builders shared by the hostile corpora (hostile.test.ts, python-hostile.test.ts).
export const H = 'Host: x\r\n';
export const get = (target = '/', headers = H, version = 'HTTP/1.1') => `GET ${target} ${version}\r\n${headers}\r\n`;
export const post = (headers: string, body: string, version = 'HTTP/1.1') => `POST /echo ${version}\r\n${headers}\r\n${body}`;
export const chunked = (body: string, headers = '') => post(`${H}Transfer-Encoding: chunked\r\n${headers}`, body);
export const CHUNKS = '5\r\nhello\r\n0\r\n\r\n';
export const SMUGGLED = 'GET /admin HTTP/1.1\r\nHost: x\r\n\r\n';
