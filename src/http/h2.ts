/**
 * HTTP/2 in a worker: a node:http2 server that never listens, fed the connections that negotiated
 * h2 by ALPN (or opened with the h2c preface), whose streams reach the same request handler as
 * HTTP/1.1 requests through Node's compatibility API (Http2ServerRequest/Response). HTTP/1.1
 * connections never come here, so their path and speed are unchanged.
 *
 * Node's nghttp2 enforces the protocol limits and refuses the known floods: rapid reset
 * (CVE-2023-44487) by its RST_STREAM rate limit and maxSessionRejectedStreams, CONTINUATION floods
 * (CVE-2024-27316) by its cap on CONTINUATION frames, SETTINGS and PING floods by its cap on queued
 * acknowledgements (maxOutstandingPings, maxOutstandingSettings), header lists over
 * maxHeaderListSize by resetting the stream (ENHANCE_YOUR_CALM). Each ends one session, never others.
 */
import http2, { type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { Config } from '../config/types.js';
import type { ErrorLog } from '../logging/error-log.js';
import { LAST_STREAM_AT, OPEN_STREAMS } from '../workers/connection-cap.js';

export interface H2Options {
  config: Config;
  log: ErrorLog;
  /** Most header fields a request may carry (limit_request_fields), pseudo-headers aside. */
  maxFields: number;
  onRequest: (req: Http2ServerRequest, res: Http2ServerResponse) => void;
}

type Counted = Socket & { [OPEN_STREAMS]?: Set<ServerHttp2Stream>; [LAST_STREAM_AT]?: number };
const RAW = Symbol('tunicorn.h2Socket');
type Raw = ServerHttp2Session & { [RAW]?: Counted };

const ignore = () => {};

/** An idle session (no open stream) is closed after keepalive seconds; 0 (close after each request in HTTP/1.1) means this. */
const IDLE_WHEN_KEEPALIVE_OFF_MS = 2000;

export class H2Front {
  readonly server: http2.Http2Server;
  private readonly sessions = new Set<ServerHttp2Session>();
  private draining = false;
  /** The connection being handed to node:http2 (its 'session' event comes before emit returns). */
  private incoming: Counted | null = null;

  constructor(private readonly opts: H2Options) {
    const c = opts.config;
    this.server = http2.createServer({
      settings: {
        maxConcurrentStreams: c.http2_max_concurrent_streams,
        initialWindowSize: c.http2_initial_window_size,
        maxFrameSize: c.http2_max_frame_size,
        // 0: no limit of its own (Gunicorn's meaning); the request limits still apply.
        maxHeaderListSize: c.http2_max_header_list_size || 0xffffffff,
        enablePush: false,
      },
      // The fields, the four pseudo-headers and one more, so that a request over limit_request_fields
      // reaches the limits and is answered 400 as in HTTP/1.1; Node resets a stream with more.
      maxHeaderListPairs: opts.maxFields + 5,
    });
    const idleMs = c.keepalive > 0 ? c.keepalive * 1000 : IDLE_WHEN_KEEPALIVE_OFF_MS;
    this.server.on('session', (session: Raw) => this.track(session, idleMs));
    this.server.on('stream', (stream) => {
      const session = stream.session as Raw | undefined;
      const socket = session?.[RAW];
      if (!session || !socket) return;
      const open = (socket[OPEN_STREAMS] ??= new Set());
      open.add(stream);
      stream.once('close', () => {
        open.delete(stream);
        socket[LAST_STREAM_AT] = Date.now();
      });
      // A session that began while the worker stops: its first streams are served, then GOAWAY.
      if (this.draining && !session.closed) session.close();
    });
    this.server.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => {
      // node:http drops an IncomingMessage's destroy error when nobody listens; the compatibility
      // request emits it, and uncaught it would take the worker down with every connection on it
      // (a request timed out after its response began, by a client that does not read, did).
      req.on('error', ignore);
      opts.onRequest(req, res);
    });
  }

  private track(session: Raw, idleMs: number): void {
    this.sessions.add(session);
    // session.socket is a proxy that throws once the session lets go of it: keep the socket itself.
    const socket = (session[RAW] = this.incoming ?? (session.socket as Counted));
    this.incoming = null;
    socket[OPEN_STREAMS] = new Set();
    const remote = socket.remoteAddress ?? '-';
    session.once('close', () => this.sessions.delete(session));
    // A session torn down by a protocol error or a flood: a client's fault, a debug line (once: the server's sessionError repeats it).
    session.on('error', (err: NodeJS.ErrnoException) => this.opts.log.debug(`HTTP/2 session error from ip=${remote}: ${err.code ?? ''} ${err.message}`));
    // A listener here keeps Node from destroying a session with streams open when it is quiet for
    // a while (a slow app): only a session with no open stream is closed, with a GOAWAY.
    session.setTimeout(idleMs, () => {
      if ((socket[OPEN_STREAMS]?.size ?? 0) === 0 && !session.closed) session.close();
    });
  }

  /** Take a connection that speaks HTTP/2 (ALPN h2, or the h2c preface). */
  accept(socket: Socket): void {
    // node:http2 makes the session synchronously, inside this emit (see track).
    this.incoming = socket;
    this.server.emit('connection', socket);
    this.incoming = null;
  }

  /** Graceful stop: GOAWAY on every session; open streams finish, then each connection closes. */
  drain(): void {
    this.draining = true;
    for (const session of this.sessions) if (!session.closed) session.close();
  }

  get size(): number {
    return this.sessions.size;
  }
}
