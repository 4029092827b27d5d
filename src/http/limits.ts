/** Gunicorn's request limits (and HTTP/1.1's Host header), checked on each parsed request: a violation is answered 400. */
import type { IncomingMessage } from 'node:http';

export interface Limits {
  line: number;
  fields: number;
  fieldSize: number;
}

/** Gunicorn's meaning of 0: the maximum. */
export function limitsFrom(c: { limit_request_line: number; limit_request_fields: number; limit_request_field_size: number }): Limits {
  return { line: c.limit_request_line || 8190, fields: c.limit_request_fields || 32768, fieldSize: c.limit_request_field_size || 65536 };
}

/** Node's parser needs room for everything the limits allow; bounded at 1 MiB of header block. */
export function maxHeaderSize(l: Limits): number {
  return Math.min(Math.max(16384, l.line + 2 + l.fields * (l.fieldSize + 2) + 2), 1 << 20);
}

/** Why the request breaks a limit, or null when it is within them. */
export function limitViolation(req: IncomingMessage, l: Limits): string | null {
  const lineLength = (req.method?.length ?? 0) + (req.url?.length ?? 0) + 10;
  if (lineLength > l.line) return `request line is too large (${lineLength} > ${l.line})`;
  // rawHeaders, not req.headers: node:http builds the headers object lazily, and an app that never
  // reads it should not pay for it.
  const raw = req.rawHeaders;
  // An HTTP/2 request's pseudo-headers (:method, :path...) are its request line, not fields.
  const pseudo = req.httpVersionMajor === 2 ? pseudoHeaders(raw) : 0;
  if (raw.length / 2 - pseudo > l.fields) return `too many header fields (more than ${l.fields})`;
  let host = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const size = name.length + 2 + raw[i + 1]!.length;
    if (size > l.fieldSize && !(pseudo && name.charCodeAt(0) === 58)) return `header field ${name} is too large (${size} > ${l.fieldSize})`;
    if (!host && name.length === 4 && name.toLowerCase() === 'host') host = true;
  }
  if (!host && req.httpVersionMajor === 1 && req.httpVersionMinor >= 1) return 'missing Host header (required in HTTP/1.1)';
  return null;
}

function pseudoHeaders(raw: string[]): number {
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.charCodeAt(0) === 58 /* : */) n++;
  return n;
}
