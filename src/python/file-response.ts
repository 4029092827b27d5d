/**
 * A response body the Python worker handed over as a file (wsgi.file_wrapper): the front opens the
 * worker's descriptor through /proc/PID/fd/FD and sends the bytes itself, so the worker is free at
 * once and the file never crosses the worker's socket.
 */
import { close, open, read } from 'node:fs';
import type { ServerResponse } from 'node:http';

/** [pid, fd, offset, count], as the FILE frame carries it. */
export type FileSpec = [pid: number, fd: number, offset: number, count: number];

export function parseFileSpec(payload: Buffer): FileSpec | null {
  try {
    const spec = JSON.parse(payload.toString('latin1')) as unknown;
    if (Array.isArray(spec) && spec.length === 4 && spec.every((n) => Number.isSafeInteger(n) && n >= 0)) return spec as FileSpec;
  } catch {
    // answered as a file the front could not open
  }
  return null;
}

/** Opens the worker's file; the callback gets our own descriptor, or the reason it failed. */
export function openWorkerFile(spec: FileSpec, done: (err: NodeJS.ErrnoException | null, fd: number) => void): void {
  open(`/proc/${spec[0]}/fd/${spec[1]}`, 'r', done);
}

/** Bytes read per turn: large enough that a 1 MiB file is a few reads, small enough to bound memory per client. */
const CHUNK = 512 * 1024;

/** Streams [offset, offset+count) of fd to the client under its backpressure, then closes fd. */
export class FileSender {
  private closed = false;

  constructor(
    private res: ServerResponse,
    private fd: number,
    private pos: number,
    private left: number,
    private onShort: () => void,
  ) {
    this.next = this.next.bind(this);
  }

  start(): void {
    if (this.left === 0) {
      this.done();
      this.res.end();
    } else this.next();
  }

  /** The client went away. */
  abort(): void {
    this.done();
  }

  private next(): void {
    if (this.closed) return;
    const n = Math.min(CHUNK, this.left);
    const buf = Buffer.allocUnsafe(n);
    read(this.fd, buf, 0, n, this.pos, (err, got) => {
      if (this.closed) return;
      if (err || got === 0) {
        // The file shrank under us (or a read failed): the client must not take a short body as whole.
        this.done();
        this.onShort();
        this.res.destroy();
        return;
      }
      this.pos += got;
      this.left -= got;
      const chunk = got === n ? buf : buf.subarray(0, got);
      if (this.left === 0) {
        this.done();
        this.res.end(chunk);
      } else if (this.res.write(chunk)) this.next();
      else this.res.once('drain', this.next);
    });
  }

  private done(): void {
    if (this.closed) return;
    this.closed = true;
    close(this.fd, () => {});
  }
}
