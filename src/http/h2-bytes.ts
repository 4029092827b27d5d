/**
 * Per-response figures for the access log of an HTTP/2 stream, kept apart from src/http/h2.ts so
 * the HTTP/1.1 front does not load node:http2 when h2 is off.
 */
const BODY_BYTES = Symbol('tunicorn.h2BodyBytes');
const REMOTE = Symbol('tunicorn.h2Remote');
type Counting = { [BODY_BYTES]?: number; [REMOTE]?: string; write: (...args: unknown[]) => boolean };

function sizeOf(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  return chunk instanceof Uint8Array ? chunk.byteLength : 0;
}

/**
 * With an access log: count an HTTP/2 response's body bytes as the app writes them (the connection's
 * count mixes streams). The compatibility API's end(chunk) goes through write, so write alone is counted.
 * The peer is kept too: once the stream has closed, its socket proxy no longer reaches the connection.
 */
export function countBodyBytes(res: object, remote: string | undefined): void {
  const r = res as Counting;
  r[BODY_BYTES] = 0;
  r[REMOTE] = remote;
  const { write } = r;
  r.write = function (this: Counting, chunk: unknown, encoding?: unknown, ...rest: unknown[]) {
    r[BODY_BYTES]! += sizeOf(chunk, encoding);
    return write.call(this, chunk, encoding, ...rest);
  };
}

/** The peer countBodyBytes kept. */
export function h2Remote(res: object): string | undefined {
  return (res as Counting)[REMOTE];
}

/** The bytes countBodyBytes counted, or undefined for an HTTP/1.1 response. */
export function h2BodyBytes(res: object): number | undefined {
  return (res as Counting)[BODY_BYTES];
}
