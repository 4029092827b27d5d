/**
 * The front's request listener for a Python app: each request the HTTP front has parsed and
 * guarded becomes a stream to the least busy Python worker; the body goes one way and the response
 * the other, both under the streams' flow control, so neither side buffers more than a window.
 */
import { close as closeFd } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { NodeListener } from '../app/load.js';
import { isForwardedHttps } from '../http/forwarded.js';
import type { ErrorLog } from '../logging/error-log.js';
import type { Dispatcher } from './dispatch.js';
import { FileSender, openWorkerFile, parseFileSpec } from './file-response.js';
import { creditFrame, Frame, frame, WINDOW } from './frames.js';
import type { StreamHandler, Upstream } from './upstream.js';
import { runningRequest, type RunningRequest } from '../workers/running.js';
import { cutOff } from '../http/cut-off.js';
import { h1Fields, h2ResponseFields } from '../http/h2-fields.js';

type Head = [status: number, reason: string, headers: string[]];

function hasLength(headers: string[]): boolean {
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    if (name.length === 14 && name.toLowerCase() === 'content-length') return true;
    if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') return true;
  }
  return false;
}

/** Response bytes written to the client before the front credits them back to the worker. */
const CREDIT_BATCH = 64 * 1024;

export interface WsgiListenerOptions {
  dispatcher: Dispatcher;
  log: ErrorLog;
  /**
   * sync and gthread workers run few requests at once: the front gathers up to one window of a
   * request's body before it takes a worker, so a client that sends its body slowly holds none.
   */
  bufferBodies?: boolean;
}

export function wsgiListener(opts: WsgiListenerOptions): NodeListener {
  const { dispatcher, log } = opts;
  let lastRefusalLog = 0;
  const refuse = (req: IncomingMessage, res: ServerResponse, why: 'full' | 'timeout' | undefined) => {
    if (Date.now() - lastRefusalLog >= 1000) {
      lastRefusalLog = Date.now();
      const { full, timeout } = dispatcher.refused;
      log.warning(
        why === 'full'
          ? `Every Python worker is busy and the request queue is full: 503 for ${req.method} ${req.url} (${full + timeout} refused so far; raise workers or request_queue)`
          : `A request waited past request_queue_timeout for a Python worker: 503 for ${req.method} ${req.url} (${full + timeout} refused so far)`,
      );
    }
    if (res.headersSent || res.destroyed) return;
    res.shouldKeepAlive = false;
    res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': '20', 'Retry-After': '1' });
    res.end('Service Unavailable\n');
  };
  const dispatch = (ex: Exchange, req: IncomingMessage, res: ServerResponse): void => {
    // The common case, a worker with room now, allocates no grant closure.
    const u = dispatcher.take();
    if (u) return ex.start(u);
    const pending = dispatcher.acquire((u, why) => (u ? ex.start(u) : refuse(req, res, why)));
    if (pending) res.once('close', () => pending.cancel());
  };
  return (req, res) => {
    const ex = new Exchange(req, res, dispatcher, log);
    if (opts.bufferBodies && hasRequestBody(req)) ex.gather(() => dispatch(ex, req, res));
    else dispatch(ex, req, res);
  };
}

function hasRequestBody(req: IncomingMessage): boolean {
  const h = req.headers;
  return h['transfer-encoding'] !== undefined || (h['content-length'] !== undefined && h['content-length'] !== '0');
}

const FILE_TAKEN = Buffer.from([1]);
const FILE_REFUSED = Buffer.from([0]);
let fileRefusalLogged = false;

const EXCHANGE = Symbol('tunicorn.exchange');
type ExchangeResponse = ServerResponse & { [EXCHANGE]?: Exchange };

/** One shared 'close' listener (`this` is the response), so a request allocates no closure for it. */
function onResponseClose(this: ExchangeResponse): void {
  this[EXCHANGE]?.clientClosed();
}

class Exchange implements StreamHandler {
  private up: Upstream | null = null;
  private stream = 0;
  private open = false;
  /** Request body bytes sent that the worker has not credited yet. */
  private unacked = 0;
  private paused = false;
  /** Response bytes written to the client and not yet credited to the worker. */
  private owed = 0;
  /**
   * The last DATA frame's bytes (pieces of it as read), held for a turn so a response that arrived
   * whole ends with res.end and a Content-Length; held while the frame is incomplete (`partial`).
   */
  private held: Buffer[] = [];
  private heldLen = 0;
  private partial = false;
  private flushQueued = false;
  /** The response's status, reason and headers, until they are written. */
  private head: Head | null = null;
  /** A FILE frame's file is being opened: hold the head until it is known whether the front sends it. */
  private fileOpening = false;
  /** Body read before a worker was taken (bufferBodies). */
  private gathered: { chunks: Buffer[]; ended: boolean } | null = null;
  private file: FileSender | null = null;
  private startedAt = 0;

  constructor(
    private req: IncomingMessage,
    private res: ServerResponse,
    private dispatcher: Dispatcher,
    private log: ErrorLog,
  ) {}

  describe(now: number): RunningRequest {
    return runningRequest(this.req, this.res, now - this.startedAt);
  }

  start(up: Upstream): void {
    const { req, res } = this;
    if (res.destroyed || res.writableEnded) {
      // The client left while the request waited for a worker.
      this.dispatcher.release();
      return;
    }
    this.up = up;
    this.startedAt = performance.now();
    this.stream = up.open(this);
    this.open = true;
    const socket = req.socket;
    const hasBody = hasRequestBody(req);
    const scheme = isForwardedHttps(req) || (socket as TLSSocket).encrypted ? 'https' : 'http';
    const head = JSON.stringify([
      req.method,
      req.url,
      req.httpVersion,
      req.httpVersionMajor === 2 ? h1Fields(req.rawHeaders) : req.rawHeaders,
      socket.remoteAddress ?? '',
      socket.remotePort ?? 0,
      scheme,
      socket.localAddress ?? '',
      String(socket.localPort ?? ''),
      hasBody ? 1 : 0,
    ]);
    up.write(frame(Frame.Request, this.stream, head));
    (res as ExchangeResponse)[EXCHANGE] = this;
    res.on('close', onResponseClose);
    if (!hasBody) return;
    const gathered = this.gathered;
    this.gathered = null;
    if (gathered) for (const chunk of gathered.chunks) this.onBody(chunk);
    if (gathered?.ended) return this.up!.write(frame(Frame.End, this.stream));
    req.on('data', (chunk: Buffer) => this.onBody(chunk));
    req.on('end', () => this.open && this.up!.write(frame(Frame.End, this.stream)));
    if (gathered && !this.paused) req.resume();
  }

  /** Read the body up to one window (or its end) before a worker is taken, then call `then`. */
  gather(then: () => void): void {
    const req = this.req;
    const chunks: Buffer[] = [];
    let n = 0;
    const done = (ended: boolean): void => {
      if (!ended) req.pause();
      req.off('data', onData);
      req.off('end', onEnd);
      this.gathered = { chunks, ended };
      then();
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      n += chunk.length;
      if (n >= WINDOW) done(false);
    };
    const onEnd = (): void => done(true);
    req.on('data', onData);
    req.on('end', onEnd);
  }

  private onBody(chunk: Buffer): void {
    if (!this.open) return;
    const up = this.up!;
    up.writeData(this.stream, chunk);
    this.unacked += chunk.length;
    if (this.unacked >= WINDOW && !this.paused) {
      this.paused = true;
      this.req.pause();
    }
  }

  onFrame(type: number, payload: Buffer, more: boolean): void {
    switch (type) {
      case Frame.Response:
        this.head = JSON.parse(payload.toString('latin1')) as Head;
        return this.flushSoon();
      case Frame.ResponseData:
        if (this.heldLen > 0 && !this.partial) {
          // Another frame: the response is streaming.
          this.sendHead();
          this.writeHeld();
        }
        // A view into the read buffer, written before the read ends unless it waits for more.
        this.held.push(more || this.fileOpening ? Buffer.from(payload) : payload);
        this.heldLen += payload.length;
        this.partial = more;
        if (!more) this.flushSoon();
        return;
      case Frame.ResponseEnd:
        return this.end();
      case Frame.ResponseFile:
        return this.takeFile(payload);
      case Frame.Error:
        return this.onAppError();
      case Frame.BodyCredit:
        this.unacked -= payload.readUInt32BE(0);
        if (this.paused && this.unacked < WINDOW) {
          this.paused = false;
          this.req.resume();
        }
        return;
    }
  }

  /**
   * Head and body are held until the upstream has handled the whole chunk it read, so a response
   * that arrived whole goes out with a Content-Length (and keep-alive) in one write; one still
   * streaming goes chunked.
   */
  private flushSoon(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    this.up!.flushAfterRead(this);
  }

  flush(): void {
    this.flushQueued = false;
    if (!this.open || this.fileOpening || this.partial) {
      // Kept past this read, so out of the read buffer: a partial frame's pieces were copied as they
      // came (onFrame); pieces held before a FILE frame are copied here.
      if (this.fileOpening) this.held = this.held.map((b) => Buffer.from(b));
      return;
    }
    this.sendHead();
    this.writeHeld();
  }

  /** Pieces just written are views into the upstream's read buffer: a write not done at once keeps it. */
  private afterWrite(): void {
    const res = this.res;
    if (this.req.httpVersionMajor === 2 || !res.socket || (res.socket as TLSSocket).encrypted || res.writableLength > 0) this.up?.lend();
  }

  /** Write the held pieces, in one writev when there are several. */
  private writeHeld(): void {
    const held = this.held;
    if (held.length === 0) return;
    this.held = [];
    this.heldLen = 0;
    if (held.length === 1) this.write(held[0]!);
    else {
      this.res.cork();
      for (const b of held) this.write(b);
      this.res.uncork();
    }
    this.afterWrite();
  }

  /** The worker handed the body over as a file: answer whether the front sends it, then send it. */
  private takeFile(payload: Buffer): void {
    const spec = parseFileSpec(payload);
    const refuse = (why: string): void => {
      this.fileOpening = false;
      if (!fileRefusalLogged) {
        fileRefusalLogged = true;
        this.log.warning(`The front cannot open a file the Python worker handed it (${why}); wsgi.file_wrapper files go through the worker instead`);
      }
      if (this.open) this.up!.write(frame(Frame.FileAck, this.stream, FILE_REFUSED));
      this.flushSoon();
    };
    if (!spec || (this.up!.pid !== undefined && spec[0] !== this.up!.pid)) return refuse('a malformed FILE frame');
    this.fileOpening = true;
    openWorkerFile(spec, (err, fd) => {
      if (err) return refuse(err.code ?? err.message);
      if (!this.open) {
        // The client left while the file was being opened.
        closeFd(fd, () => {});
        return;
      }
      this.fileOpening = false;
      this.up!.write(frame(Frame.FileAck, this.stream, FILE_TAKEN));
      this.finish();
      const head = this.head!;
      const noContent = head[0] === 204 || head[0] === 304;
      // HEAD gets the length a GET would have: the front knows it exactly.
      if (!hasLength(head[2]) && !noContent) head[2].push('Content-Length', String(spec[3]));
      const bodyless = noContent || this.req.method === 'HEAD';
      if (!this.sendHead()) return closeFd(fd, () => {});
      this.file = new FileSender(this.res, fd, spec[2], bodyless ? 0 : spec[3], () =>
        this.log.error(`The file for ${this.req.method} ${this.req.url} ended before the ${spec[3]} bytes the worker announced; the connection is closed`),
      );
      this.file.start();
    });
  }

  private end(): void {
    const last = this.held;
    const len = this.heldLen;
    this.held = [];
    this.heldLen = 0;
    this.partial = false;
    this.finish();
    if (this.head) {
      const headers = this.head[2];
      if (!hasLength(headers) && this.req.method !== 'HEAD' && this.head[0] !== 204 && this.head[0] !== 304) headers.push('Content-Length', String(len));
      if (!this.sendHead()) return;
    }
    const res = this.res;
    if (last.length <= 1) res.end(last[0]);
    else {
      // Pieces of one frame: head and body leave in one writev.
      res.cork();
      for (let i = 0; i < last.length - 1; i++) res.write(last[i]);
      res.end(last[last.length - 1]);
      res.uncork();
    }
    if (last.length > 0) this.afterWrite();
  }

  /** Write the held head; false when Node refused it (the client got a 500). */
  private sendHead(): boolean {
    const head = this.head;
    if (!head) return true;
    this.head = null;
    try {
      // HTTP/2 has no reason phrase (Node warns when given one) nor connection-specific fields (a WSGI
      // app should not send them, PEP 3333; some do, and Node would refuse the whole head).
      if (this.req.httpVersionMajor === 2) this.res.writeHead(head[0], h2ResponseFields(head[2]));
      else this.res.writeHead(head[0], head[1], head[2]);
      return true;
    } catch (err) {
      // A header Node refuses to send (a control character, say): the app's fault, answered 500.
      this.log.error(`Invalid response from the app for ${this.req.method} ${this.req.url}: ${(err as Error).message}`);
      this.cancel();
      this.held = [];
      this.heldLen = 0;
      this.serverError(500, 'Internal Server Error\n');
      return false;
    }
  }

  private write(chunk: Buffer): void {
    const n = chunk.length;
    this.res.write(chunk, () => {
      this.owed += n;
      if (this.owed >= CREDIT_BATCH && this.open) {
        this.up!.write(creditFrame(Frame.Credit, this.stream, this.owed));
        this.owed = 0;
      }
    });
  }

  private onAppError(): void {
    // The worker logged the traceback with the request line. Body the app produced before it
    // failed means the response had started (as in Gunicorn): the client gets it, then a close.
    const held = this.held;
    this.held = [];
    this.heldLen = 0;
    this.partial = false;
    this.finish();
    if (held.length && this.sendHead()) {
      for (const b of held) this.res.write(b);
      this.afterWrite();
    }
    this.head = null;
    if (!this.res.headersSent) this.serverError(500, 'Internal Server Error\n');
    else cutOff(this.res);
  }

  onLost(): void {
    this.open = false;
    this.log.error(`Python worker went away while serving ${this.req.method} ${this.req.url}`);
    this.dispatcher.release();
    if (!this.res.headersSent) this.serverError(502, 'Bad Gateway\n');
    else this.res.destroy();
  }

  private serverError(status: number, body: string): void {
    const res = this.res;
    if (res.destroyed) return;
    res.shouldKeepAlive = false;
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(body.length) });
    res.end(body);
  }

  /** The stream ended from the worker's side. */
  private finish(): void {
    if (!this.open) return;
    this.open = false;
    this.up!.close(this.stream);
    this.dispatcher.release();
  }

  /** Stop the request in the worker (the client went away, or the front answered it already). */
  private cancel(): void {
    if (!this.open) return;
    this.open = false;
    // The slot stays taken until the worker says the request stopped (Upstream.cancel).
    this.up!.cancel(this.stream);
  }

  clientClosed(): void {
    this.held = [];
    this.heldLen = 0;
    this.file?.abort();
    this.cancel();
  }
}
