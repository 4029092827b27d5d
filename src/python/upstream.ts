/**
 * A front's connection to one Python worker: requests multiplexed as numbered streams over one
 * unix socket (docs/python-workers.md). Frames written in one event-loop iteration leave in one
 * write: setImmediate runs after the poll phase has handled every ready client socket, whereas a
 * nextTick would flush after each socket's callback (a write, and a worker wake-up, per request).
 */
import net from 'node:net';
import { Frame, FrameReader, frame, frameHeader, WINDOW } from './frames.js';
import type { RunningRequest } from '../workers/running.js';

/** What a stream's owner (the request being served) is told. */
export interface StreamHandler {
  /**
   * `more`: the payload is a piece of a DATA frame whose rest comes with later reads. A payload is a
   * view into the connection's read buffer, valid until the read has been handled: copy what is kept
   * longer, and call Upstream.lend when a write still holds a piece.
   */
  onFrame(type: number, payload: Buffer, more: boolean): void;
  /** Called once the chunk read from the worker has been handled, if flushAfterRead asked for it. */
  flush(): void;
  /** The connection to the worker broke before the stream ended. */
  onLost(): void;
  /** The request, for the WORKER TIMEOUT line. */
  describe?(now: number): RunningRequest | undefined;
}

export interface UpstreamInfo {
  /** The worker's age: unique for the master's life. */
  id: number;
  socket: string;
  /** Requests the worker runs at once (1 for sync, threads for gthread, worker_connections for gevent). */
  capacity: number;
  /** The worker's pid: the only process whose files the front opens for it (wsgi.file_wrapper). */
  pid?: number;
}

/** How often fronts ping each worker, and how long a worker may be silent before the dispatcher prefers others. */
export const PING_MS = 100;
const QUIET_MS = 250;
const PING = frame(Frame.Ping, 0);
/**
 * Each worker connection reads into one buffer again and again: a 100 KB response is one read, and
 * nothing is allocated for what is read only to be parsed. Response body pieces are handed on as
 * views into it and written to the client before the read ends; a piece that waits (for the rest of
 * its frame) is copied by its request. When a client write keeps a piece past the read (the client
 * socket's buffer was full), the connection's next read goes into a new buffer (Upstream.lend): a
 * copy of every piece instead is external memory that makes V8 run full collections (bench/limits.md).
 */
const READ_SIZE = 256 * 1024;

/** A cancelled stream: it waits for the worker's END or ERROR, and still says what request it was. */
class Cancelled implements StreamHandler {
  constructor(private was: StreamHandler) {}
  onFrame(): void {}
  flush(): void {}
  onLost(): void {}
  describe(now: number): RunningRequest | undefined {
    return this.was.describe?.(now);
  }
}

export class Upstream {
  readonly id: number;
  readonly capacity: number;
  readonly pid: number | undefined;
  /** Streams started and not yet finished. */
  active = 0;
  /** Taken off the master's list: no new streams; the connection closes when the last one ends. */
  draining = false;
  dead = false;
  /**
   * The worker has answered on this connection (its first PONG): only then does it get streams. A
   * unix-socket connect succeeds once queued in the listen backlog, so a front that hears late of a
   * worker that has since closed its listener would otherwise lose every request it sent there.
   */
  private established = false;
  private sock: net.Socket;
  private streams = new Map<number, StreamHandler>();
  private nextStream = 1;
  private heardAt = performance.now();
  private pingedAt = 0;
  /** Streams that asked to be flushed once the current chunk from the worker is handled. */
  private touched: StreamHandler[] = [];
  private out: Buffer[] = [];
  private outBytes = 0;
  /** The DATA frame last queued in `out` (its header is patched when more of its body follows), and its stream. */
  private lastData: Buffer | null = null;
  private lastDataStream = 0;
  private flushQueued = false;
  private readBuf = Buffer.allocUnsafeSlow(READ_SIZE);
  /** A client write still holds bytes of readBuf: the next read goes into a new buffer. */
  private lent = false;
  private readonly flush = (): void => {
    this.flushQueued = false;
    this.lastData = null;
    const out = this.out;
    if (out.length === 0 || this.dead) return;
    this.out = [];
    const bytes = this.outBytes;
    this.outBytes = 0;
    if (out.length === 1) this.sock.write(out[0]!);
    else if (bytes <= 65536) this.sock.write(Buffer.concat(out, bytes));
    else {
      // Large bodies: one writev rather than a copy.
      this.sock.cork();
      for (const b of out) this.sock.write(b);
      this.sock.uncork();
    }
  };

  constructor(
    info: UpstreamInfo,
    private onGone: (u: Upstream) => void,
    /** Room came free: a cancelled stream's slot, or the whole capacity once the worker answered (the dispatcher hands it to waiting requests). */
    private onFree: () => void = () => {},
  ) {
    this.id = info.id;
    this.capacity = info.capacity;
    this.pid = info.pid;
    // Response bodies are handed on as they are read, without gathering a frame into one buffer.
    const reader = new FrameReader((type, stream, payload, more) => this.onFrame(type, stream, payload, more), Frame.ResponseData, true, false);
    const onRead = (n: number, buf: Uint8Array): boolean => {
      this.heardAt = performance.now();
      reader.push((buf as Buffer).subarray(0, n));
      const touched = this.touched;
      if (touched.length > 0) {
        this.touched = [];
        for (const h of touched) h.flush();
      }
      return true;
    };
    // A function: Node asks it for the buffer of each next read.
    this.sock = net.connect({ path: info.socket, onread: { buffer: () => this.nextReadBuffer(), callback: onRead } });
    this.sock.on('error', () => {});
    this.sock.on('close', () => this.lost());
    this.ping(performance.now());
  }

  private nextReadBuffer(): Buffer {
    if (this.lent) {
      this.lent = false;
      this.readBuf = Buffer.allocUnsafeSlow(READ_SIZE);
    }
    return this.readBuf;
  }

  /** A response body piece read just now is still held by a client write that did not complete at once. */
  lend(): void {
    this.lent = true;
  }

  /**
   * Silent for QUIET_MS though pinged every PING_MS: its loop is blocked (heartbeats tell the
   * master only seconds later). The dispatcher prefers other workers while any has room.
   */
  quiet(now: number): boolean {
    return now - this.heardAt > QUIET_MS;
  }

  /** Called every PING_MS: one PING in flight at a time, answered by the worker's reading loop. */
  ping(now: number): void {
    if (this.dead || (this.pingedAt !== 0 && now - this.pingedAt < QUIET_MS)) return;
    this.pingedAt = now;
    this.write(PING);
  }

  get free(): number {
    return this.draining || this.dead || !this.established ? 0 : this.capacity - this.active;
  }

  /** Start a stream; returns its id. */
  open(handler: StreamHandler): number {
    const id = this.nextStream;
    this.nextStream = id >= 0xfffffff0 ? 1 : id + 1;
    this.streams.set(id, handler);
    this.active++;
    return id;
  }

  flushAfterRead(h: StreamHandler): void {
    this.touched.push(h);
  }

  /** The stream is over: its response ended (END, ERROR, or a file the front took). */
  close(stream: number): void {
    if (!this.streams.delete(stream)) return;
    this.active--;
    if (this.draining && this.active === 0) this.end();
  }

  /**
   * The front cancelled the stream: the worker may still be running it (a sync worker stuck in
   * the app), so its slot stays taken until the worker's END or ERROR says it stopped.
   */
  cancel(stream: number): void {
    if (!this.streams.has(stream)) return;
    this.write(frame(Frame.Cancel, stream));
    this.streams.set(stream, new Cancelled(this.streams.get(stream)!));
  }

  /** The requests on this worker now, cancelled ones included (the worker may still run them). */
  running(): RunningRequest[] {
    const now = performance.now();
    const out: RunningRequest[] = [];
    for (const h of this.streams.values()) {
      const r = h.describe?.(now);
      if (r) out.push(r);
    }
    return out;
  }

  private onFrame(type: number, stream: number, payload: Buffer, more: boolean): void {
    if (type === Frame.Pong) {
      this.pingedAt = 0;
      if (!this.established) {
        this.established = true;
        this.onFree();
      }
      return;
    }
    const h = this.streams.get(stream);
    if (h instanceof Cancelled) {
      if (type === Frame.ResponseEnd || type === Frame.Error) {
        this.close(stream);
        this.onFree();
      }
    } else h?.onFrame(type, payload, more);
  }

  /**
   * Request body bytes of `stream`: added to the DATA frame queued for it in this turn when it is
   * the last one queued, so the worker reads one frame (and credits once) for several client reads.
   */
  writeData(stream: number, chunk: Buffer): void {
    if (this.dead) return;
    const last = this.lastData;
    if (last && this.lastDataStream === stream) {
      const len = last.readUInt32BE(5) + chunk.length;
      if (len <= WINDOW / 2) {
        last.writeUInt32BE(len, 5);
        this.out.push(chunk);
        this.outBytes += chunk.length;
        return;
      }
    }
    const header = frameHeader(Frame.Data, stream, chunk.length);
    this.write(header);
    this.write(chunk);
    this.lastData = header;
    this.lastDataStream = stream;
  }

  write(buf: Buffer): void {
    if (this.dead) return;
    this.lastData = null;
    this.out.push(buf);
    this.outBytes += buf.length;
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(this.flush);
    }
  }

  /** Whether the socket's buffer is over its high-water mark (pause the body being forwarded). */
  get congested(): boolean {
    return this.sock.writableNeedDrain;
  }

  drain(): void {
    this.draining = true;
    if (this.active === 0) this.end();
  }

  private end(): void {
    this.flush();
    this.sock.end();
  }

  private lost(): void {
    if (this.dead) return;
    this.dead = true;
    const left = [...this.streams.values()];
    this.streams.clear();
    this.active = 0;
    for (const h of left) h.onLost();
    this.onGone(this);
  }
}

export { Frame };
