/**
 * The frames between a front and a Python worker (docs/python-workers.md): a 9-byte header
 * (u8 type, u32 stream, u32 length, big-endian) and the payload.
 */
export const HEADER = 9;

export const enum Frame {
  Request = 1,
  Data = 2,
  End = 3,
  Cancel = 4,
  Credit = 5,
  FileAck = 6,
  Ping = 7,
  Response = 11,
  ResponseData = 12,
  ResponseEnd = 13,
  Error = 14,
  BodyCredit = 15,
  ResponseFile = 16,
  Pong = 17,
}

/** Bytes of body either side may send beyond what the other has credited. */
export const WINDOW = 256 * 1024;

export function frameHeader(type: Frame, stream: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(HEADER);
  b[0] = type;
  b.writeUInt32BE(stream, 1);
  b.writeUInt32BE(length, 5);
  return b;
}

/** A frame with a small payload (a head, a credit) in one buffer. */
export function frame(type: Frame, stream: number, payload?: Buffer | string): Buffer {
  if (payload === undefined) return frameHeader(type, stream, 0);
  const len = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  const b = Buffer.allocUnsafe(HEADER + len);
  b[0] = type;
  b.writeUInt32BE(stream, 1);
  b.writeUInt32BE(len, 5);
  if (typeof payload === 'string') b.write(payload, HEADER);
  else payload.copy(b, HEADER);
  return b;
}

export function creditFrame(type: Frame.Credit | Frame.BodyCredit, stream: number, bytes: number): Buffer {
  const b = Buffer.allocUnsafe(HEADER + 4);
  b[0] = type;
  b.writeUInt32BE(stream, 1);
  b.writeUInt32BE(4, 5);
  b.writeUInt32BE(bytes, HEADER);
  return b;
}

const EMPTY = Buffer.alloc(0);

export type OnFrame = (type: number, stream: number, payload: Buffer) => void;

/** Splits a byte stream into frames; a payload is a view into the received chunk where it fits in one. */
export class FrameReader {
  private pending: Buffer | null = null;

  constructor(private onFrame: OnFrame) {}

  push(chunk: Buffer): void {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    let off = 0;
    while (buf.length - off >= HEADER) {
      const len = buf.readUInt32BE(off + 5);
      if (buf.length - off < HEADER + len) break;
      const type = buf[off]!;
      const stream = buf.readUInt32BE(off + 1);
      this.onFrame(type, stream, len === 0 ? EMPTY : buf.subarray(off + HEADER, off + HEADER + len));
      off += HEADER + len;
    }
    if (off < buf.length) this.pending = buf.subarray(off);
  }
}
