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

/**
 * `more` is true when the payload is a piece of a longer frame whose rest comes with later reads
 * (only for the streamed type, see FrameReader).
 */
export type OnFrame = (type: number, stream: number, payload: Buffer, more: boolean) => void;

/**
 * Splits a byte stream into frames; a payload is a view into the received chunk where it fits in
 * one. Frames of the `streamed` type (body bytes) are handed on in pieces as their bytes arrive:
 * a body frame larger than a read is never gathered into one buffer. Other frames split across
 * reads are gathered, copied once when complete. With `reused` (the chunks are one buffer read
 * into again and again), payloads of other types are valid only during onFrame, and streamed
 * pieces and kept bytes are copied out of the chunk.
 */
export class FrameReader {
  /** The start of an incomplete frame (or header), as received. */
  private parts: Buffer[] = [];
  private partsLen = 0;
  /** Bytes still to come of the streamed frame being handed on, its type and stream. */
  private left = 0;
  private leftType = 0;
  private leftStream = 0;

  constructor(
    private onFrame: OnFrame,
    private streamed = -1,
    private reused = false,
    /** With `reused`: false hands streamed pieces on as views valid only during onFrame (the consumer copies what it keeps). */
    private copyStreamed = true,
  ) {}

  private piece(b: Buffer): Buffer {
    return this.reused ? Buffer.from(b) : b;
  }

  private streamedPiece(b: Buffer): Buffer {
    return this.reused && this.copyStreamed ? Buffer.from(b) : b;
  }

  push(chunk: Buffer): void {
    let off = 0;
    if (this.left > 0) {
      const n = Math.min(this.left, chunk.length);
      this.left -= n;
      this.onFrame(this.leftType, this.leftStream, this.streamedPiece(chunk.subarray(0, n)), this.left > 0);
      if (n === chunk.length) return;
      off = n;
    }
    let buf = chunk;
    if (this.partsLen > 0) {
      // Gather until the incomplete frame is whole (a streamed one: until its header is), then copy once.
      this.parts.push(this.piece(off ? chunk.subarray(off) : chunk));
      this.partsLen += chunk.length - off;
      if (this.partsLen < HEADER) return;
      const h = this.parts[0]!.length >= HEADER ? this.parts[0]! : Buffer.concat(this.parts, HEADER);
      const need = h[0] === this.streamed ? HEADER : HEADER + h.readUInt32BE(5);
      if (this.partsLen < need) return;
      const first = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partsLen);
      this.parts = [];
      this.partsLen = 0;
      buf = first;
      off = 0;
    }
    const end = buf.length;
    while (end - off >= HEADER) {
      const len = buf.readUInt32BE(off + 5);
      const type = buf[off]!;
      const stream = buf.readUInt32BE(off + 1);
      const p = off + HEADER;
      if (end - p < len) {
        if (type !== this.streamed) break;
        this.left = len - (end - p);
        this.leftType = type;
        this.leftStream = stream;
        if (end > p) this.onFrame(type, stream, this.streamedPiece(buf.subarray(p, end)), true);
        return;
      }
      const payload = len === 0 ? EMPTY : buf.subarray(p, p + len);
      this.onFrame(type, stream, type === this.streamed ? this.streamedPiece(payload) : payload, false);
      off = p + len;
    }
    if (off < end) this.keep(buf.subarray(off));
  }

  private keep(b: Buffer): void {
    b = this.piece(b);
    this.parts = [b];
    this.partsLen = b.length;
  }
}
