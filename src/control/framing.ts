/**
 * The control socket's framing, Gunicorn's (gunicorn/ctl/protocol.py): each message is a 4-byte
 * big-endian length, then that many bytes of UTF-8 JSON (an object). Requests are
 * {id, command, args}; replies {id, status: "ok", data} or {id, status: "error", error}.
 */

/** Gunicorn refuses larger messages; so do we (a stray writer cannot make the master buffer more). */
export const MAX_MESSAGE = 16 * 1024 * 1024;

export class FrameError extends Error {}

export interface Request {
  id: number;
  command: string;
  args: unknown[];
}

export type Reply = { id: unknown; status: 'ok'; data: Record<string, unknown> } | { id: unknown; status: 'error'; error: string };

/** One message, framed. */
export function encode(message: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  if (body.length > MAX_MESSAGE) throw new FrameError(`Message too large: ${body.length} bytes (the most is ${MAX_MESSAGE})`);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length, 0);
  return Buffer.concat([head, body]);
}

/** Collects stream chunks and yields each complete message (a frame may arrive in any number of pieces). */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  /** The messages completed by `chunk`; throws FrameError on an oversized or non-JSON frame. */
  push(chunk: Buffer): unknown[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: unknown[] = [];
    while (this.buf.length >= 4) {
      const length = this.buf.readUInt32BE(0);
      if (length > MAX_MESSAGE) throw new FrameError(`Message too large: ${length} bytes (the most is ${MAX_MESSAGE})`);
      if (this.buf.length < 4 + length) break;
      const body = this.buf.subarray(4, 4 + length);
      this.buf = this.buf.subarray(4 + length);
      try {
        out.push(JSON.parse(body.toString('utf8')));
      } catch (err) {
        throw new FrameError(`Invalid JSON: ${(err as Error).message}`);
      }
    }
    return out;
  }

  /** Bytes of an unfinished frame still held (a peer that closes with some has cut a message short). */
  get pending(): number {
    return this.buf.length;
  }
}
