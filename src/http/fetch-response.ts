/**
 * A fetch app's large ASCII string body, written by tunicorn as Latin-1 (the same bytes).
 *
 * @hono/node-server answers a string body with `Buffer.byteLength(body)` and `res.end(body)`, and
 * node:http writes a string as UTF-8. On Node 20 both measure the UTF-8 length of a long string with
 * V8's scalar Utf8Length (Buffer.byteLength takes its SIMD path only from optimized code and for a
 * flat string), a pass over every character each, before the encoding pass. For an ASCII string
 * the length is its length and Latin-1 is a straight copy; finding out that it is ASCII is one
 * encodeInto() into a scratch buffer. Encoding the body to a Buffer instead would also avoid both
 * passes, but a body-sized Buffer per response is external memory that keeps the garbage collector
 * busier than the string does.
 *
 * @hono/node-server's lightweight Response keeps `[status, body, headers]` under a private symbol
 * that its listener reads; the symbol is found once, from a probe Response. If a later version
 * keeps it differently, nothing is found and responses go out through the listener as before.
 * Only plain-object (or no) headers are handled here; a Headers object, an array, a
 * Transfer-Encoding or Trailer header, a non-ASCII body and HTTP/2 take the listener's path.
 */
import { ServerResponse, type OutgoingHttpHeaders } from 'node:http';

/** From this many characters on (node:http's own threshold for measuring UTF-8 first). */
export const ASCII_FROM = 64 * 1024;
/** Longer strings are left to the listener (the scratch buffer is kept for reuse). */
export const ASCII_UP_TO = 4 * 1024 * 1024;
/** @hono/node-server's Content-Type for a body given without headers. */
const DEFAULT_TYPE = 'text/plain; charset=UTF-8';

type Entry = [status: number, body: unknown, headers: unknown];

/** The symbol under which `ResponseClass` keeps its [status, body, headers], if it is @hono/node-server's. */
export function responseEntryKey(ResponseClass: typeof Response): symbol | null {
  try {
    const probe = new ResponseClass('probe', { status: 299 }) as unknown as Record<symbol, unknown>;
    for (const key of Object.getOwnPropertySymbols(probe)) {
      const entry = probe[key];
      if (Array.isArray(entry) && entry.length === 3 && entry[0] === 299 && entry[1] === 'probe') return key;
    }
  } catch {
    // Not a class that can be probed: no fast path.
  }
  return null;
}

const encoder = new TextEncoder();
let scratch = new Uint8Array(0);

/** Whether every character of `s` is below 0x80 (each then encodes to exactly one UTF-8 byte). */
export function isAsciiString(s: string): boolean {
  if (scratch.length < s.length) scratch = new Uint8Array(Math.min(ASCII_UP_TO, Math.max(s.length, scratch.length * 2)));
  const { read, written } = encoder.encodeInto(s, scratch.subarray(0, s.length));
  return read === s.length && written === s.length;
}

/** Headers for writeHead, or null when a header makes this a case for the listener. */
function headOf(headers: unknown, length: number): OutgoingHttpHeaders | null {
  if (headers === undefined || headers === null) return { 'Content-Type': DEFAULT_TYPE, 'Content-Length': length };
  if (typeof headers !== 'object' || Object.getPrototypeOf(headers) !== Object.prototype) return null;
  let hasLength = false;
  for (const key in headers) {
    const lower = key.toLowerCase();
    if (lower === 'content-length') hasLength = true;
    else if (lower === 'transfer-encoding' || lower === 'trailer') return null;
  }
  return hasLength ? (headers as OutgoingHttpHeaders) : { ...(headers as OutgoingHttpHeaders), 'Content-Length': length };
}

/**
 * If `response` is a lightweight Response with a large ASCII string body, write it to `outgoing`
 * (head and body in one end()) and say so; otherwise leave both alone.
 */
export function writeAsciiBody(response: unknown, key: symbol, outgoing: ServerResponse): boolean {
  const entry = (response as Record<symbol, Entry | undefined>)[key];
  if (entry === undefined || !(outgoing instanceof ServerResponse)) return false;
  const [status, body, headers] = entry;
  if (typeof body !== 'string' || body.length < ASCII_FROM || body.length > ASCII_UP_TO) return false;
  if (status < 200 || status === 204 || status === 304) return false;
  const head = headOf(headers, body.length);
  if (head === null || !isAsciiString(body)) return false;
  outgoing.writeHead(status, head);
  outgoing.end(body, 'latin1');
  return true;
}
