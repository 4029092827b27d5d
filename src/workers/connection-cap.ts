/**
 * worker_connections: at the cap a worker stops accepting, so new connections wait in the kernel's
 * queue for this or another worker (never reset). So that the cap cannot be used against the
 * server by clients that hold a slot while barely moving (slowloris, R-U-Dead-Yet, slow read),
 * reaching it also sheds connections that are waiting on their client, and only those:
 *
 * - headers: no request in progress, nothing ever answered, open at least `minAgeMs` (a client
 *   still sending its request line and headers after that long while the worker is full), or a
 *   TLS handshake (or PROXY header) not finished after that long;
 * - body: a request whose body is still arriving at under `minRate` bytes a second over the last
 *   `minAgeMs`, while the app is not behind on reading it;
 * - read: a response the kernel will not take because the client does not read it, moving under
 *   `minRate` bytes a second over the last 2 x `minAgeMs` (the kernel takes a response in bursts,
 *   each time the client's reads free part of a buffer that can hold megabytes, so a client that
 *   does read is judged on longer), or over `minAgeMs` while the worker has shed in the last
 *   2 x `minAgeMs` (a flood: slots matter more than a download that pauses for a second);
 * - idle: no request in progress, answered before, silent for `minAgeMs` (idle keep-alive).
 *
 * A request the app is working on (body received, response not blocked on the client) is never
 * shed, however long it takes; `timeout` deals with those. Neither is a connection the app took
 * over (an upgrade). From half the cap on, every connection's progress is sampled every `checkMs`;
 * at the cap the kinds are shed in that order, oldest first, at most `shedFraction` of the cap per check.
 */
import type { Socket } from 'node:net';
import { kernelTook, readableState, releasedByHttp, socketResponse } from '../node-internals.js';

/**
 * One open connection, a node of the cap's list of them. A list, not a Set of sockets: a Set needs
 * an identity hash on each socket, which measured about 2 µs per connection in a worker.
 */
interface State {
  socket: Tracked;
  prev: State | null;
  next: State | null;
  connectedAt: number;
  /** Bytes moved (read + taken by the kernel) at the last check, and when that count last changed. */
  bytes: number;
  movedAt: number;
  /** [time, bytes moved, bytes sent] every half `minAgeMs` or so, oldest first, for rates over a span (from the first check on). */
  marks: Array<[number, number, number]> | null;
  /** When the last sample was taken, to tell marks left over from a calm spell. */
  checkedAt: number;
  /** The response in progress at the last check: a new request starts new marks. */
  res: unknown;
  /** A TLS connection still handshaking: the raw socket is tracked until `secured` swaps in the TLS one. */
  handshaking: boolean;
}

/**
 * On an HTTP/2 connection's socket: its open streams (set by src/http/h2.ts). A connection whose
 * every stream waits on the client (a body still to come, or a response not all sent) is judged as
 * an HTTP/1.1 one waiting on its client; one the app works on is kept. A response that nghttp2
 * holds back for the client's flow-control window (a window of 0, no WINDOW_UPDATE) keeps its write
 * pending, so it stays in the stream's writableLength as one the kernel will not take does.
 */
export const OPEN_STREAMS = Symbol('tunicorn.openStreams');

/**
 * On an HTTP/2 connection's socket: when its last stream closed (set by src/http/h2.ts). A connection
 * with no stream open is idle from then (or from its start), whatever it sends: a PING each second
 * moves bytes, and would otherwise hold a slot at the cap for 17 bytes a second.
 */
export const LAST_STREAM_AT = Symbol('tunicorn.lastStreamAt');

/** What the cap reads of an HTTP/2 stream (its readable state tells a body still owed by the client). */
interface H2Stream {
  headersSent: boolean;
  writableLength: number;
}

/** A connection the cap tracks, as `add` returns it (for `secured`). */
export type CapEntry = object;

type Tracked = Socket & { [OPEN_STREAMS]?: Set<H2Stream>; [LAST_STREAM_AT]?: number };

/** A mark's columns: bytes moved (read + sent), bytes sent. */
const MOVED = 1;
const SENT = 2;

export type ShedKind = 'headers' | 'body' | 'read' | 'idle';
export type ShedCounts = Record<ShedKind, number>;
const ORDER: ShedKind[] = ['headers', 'body', 'read', 'idle'];

export interface CapOptions {
  cap: number;
  pause: () => void;
  resume: () => void;
  /** A connection is judged on at least this much of its life (a fresh client is still sending). */
  minAgeMs?: number;
  /** Bytes a second below which a transfer in progress counts as held up by its client. */
  minRate?: number;
  /** At most this share of the cap is shed in one check. */
  shedFraction?: number;
  /** How often connections are sampled (from half the cap on) and, at the cap, shed. */
  checkMs?: number;
  onShed?: (count: number, kinds: ShedCounts) => void;
}

export class ConnectionCap {
  /** Open connections, oldest first. */
  private head: State | null = null;
  private tail: State | null = null;
  private count = 0;
  private readonly minAgeMs: number;
  private readonly minRate: number;
  private readonly shedMax: number;
  private readonly checkMs: number;
  private readonly readSpanMs: number;
  private readonly watchFrom: number;
  private timer: NodeJS.Timeout | null = null;
  private lastShedAt = 0;
  shedTotal = 0;
  readonly shedByKind: ShedCounts = { headers: 0, body: 0, read: 0, idle: 0 };

  constructor(private opts: CapOptions) {
    this.minAgeMs = opts.minAgeMs ?? 1000;
    this.minRate = opts.minRate ?? 1024;
    this.shedMax = Math.max(1, Math.floor(opts.cap * (opts.shedFraction ?? 0.5)));
    this.checkMs = opts.checkMs ?? 250;
    this.readSpanMs = 2 * this.minAgeMs;
    this.watchFrom = Math.max(1, Math.ceil(opts.cap / 2));
  }

  get size(): number {
    return this.count;
  }

  /** Track a new connection; `handshaking`: a raw TLS connection, see `secured`. */
  add(socket: Socket, handshaking = false): CapEntry {
    const now = Date.now();
    const st: State = { socket: socket as Tracked, prev: this.tail, next: null, connectedAt: now, bytes: 0, movedAt: now, marks: null, checkedAt: now, res: null, handshaking };
    if (this.tail) this.tail.next = st;
    else this.head = st;
    this.tail = st;
    this.count++;
    socket.on('close', () => this.closed(st));
    if (this.opts.cap <= 1) {
      if (this.count >= this.opts.cap) this.opts.pause();
      return st;
    }
    // From half the cap on, progress is sampled, so that when the cap is reached the connections
    // waiting on their clients are known at once rather than after another minAgeMs.
    if (this.count >= this.watchFrom && !this.timer) {
      this.timer = setInterval(() => this.check(), this.checkMs);
      this.timer.unref();
    }
    if (this.count >= this.opts.cap) {
      this.opts.pause();
      this.check();
    }
    return st;
  }

  /**
   * A TLS handshake finished: judge the connection by the TLS socket from now on (node:http's
   * state and the plaintext byte counts are on it); the raw socket's 'close' still ends the entry.
   */
  secured(entry: CapEntry, tlsSocket: Socket): void {
    const st = entry as State;
    st.socket = tlsSocket as Tracked;
    st.handshaking = false;
    st.marks = null;
    st.bytes = 0;
    st.connectedAt = st.movedAt = Date.now();
  }

  private closed(st: State): void {
    if (st.prev) st.prev.next = st.next;
    else this.head = st.next;
    if (st.next) st.next.prev = st.prev;
    else this.tail = st.prev;
    this.count--;
    if (this.count < this.watchFrom) this.stopWatching();
    if (this.count < this.opts.cap) this.opts.resume();
  }

  private stopWatching(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Sample every connection's progress; at the cap, close those waiting on their clients, by kind in ORDER, oldest first. */
  private check(): void {
    const now = Date.now();
    const full = this.count >= this.opts.cap;
    const readSpan = now - this.lastShedAt < 2 * this.minAgeMs ? this.minAgeMs : this.readSpanMs;
    const byKind: Record<ShedKind, Tracked[]> = { headers: [], body: [], read: [], idle: [] };
    for (let st = this.head; st; st = st.next) {
      const kind = this.classify(st, now, readSpan);
      if (kind && full) byKind[kind].push(st.socket);
    }
    if (!full) return;
    const counts: ShedCounts = { headers: 0, body: 0, read: 0, idle: 0 };
    let shed = 0;
    for (const kind of ORDER) {
      for (const s of byKind[kind]) {
        if (shed >= this.shedMax) break;
        s.destroy();
        counts[kind]++;
        shed++;
      }
    }
    if (shed > 0) {
      this.lastShedAt = now;
      this.shedTotal += shed;
      for (const kind of ORDER) this.shedByKind[kind] += counts[kind];
      this.opts.onShed?.(shed, counts);
    }
  }

  /** Update a connection's progress figures; returns what it is waiting on, or null if it is kept. */
  private classify(st: State, now: number, readSpan: number): ShedKind | null {
    const s = st.socket;
    st.marks ??= [[st.connectedAt, 0, 0]];
    const sent = kernelTook(s);
    const bytes = (s.bytesRead ?? 0) + sent;
    const res = socketResponse(s);
    if (bytes !== st.bytes) st.movedAt = now;
    // Marks left from a calm spell (under half the cap, nothing sampled) say nothing about now, and
    // a new request starts afresh; the first request is judged from the connection's start.
    const first = st.res === null && st.marks[0]![0] === st.connectedAt;
    if (now - st.checkedAt > this.checkMs + this.minAgeMs || (res !== st.res && !first)) st.marks = [[now, bytes, sent]];
    else if (now - st.marks[st.marks.length - 1]![0] >= this.minAgeMs / 2) {
      st.marks.push([now, bytes, sent]);
      // Keep one mark older than the longest span judged.
      while (st.marks.length > 2 && now - st.marks[1]![0] >= this.readSpanMs) st.marks.shift();
    }
    st.bytes = bytes;
    st.checkedAt = now;
    st.res = res;

    if (now - st.connectedAt < this.minAgeMs) return null;
    if (st.handshaking) return 'headers';
    if (!res) {
      // HTTP/2: streams waiting on the client are judged by h2Waiting; with none, idle once no stream has been open for minAgeMs.
      const streams = s[OPEN_STREAMS];
      if (streams !== undefined) {
        if (streams.size > 0) return this.h2Waiting(streams, st, bytes, sent, now, readSpan);
        return now - Math.max(st.connectedAt, s[LAST_STREAM_AT] ?? 0) >= this.minAgeMs ? 'idle' : null;
      }
      // Upgraded or otherwise taken over: node:http has let go of it and the app owns it.
      if (releasedByHttp(s)) return null;
      if (!s.bytesWritten) return 'headers';
      return now - st.movedAt >= this.minAgeMs ? 'idle' : null;
    }
    const req = res.req;
    if (!res.headersSent && req && !req.complete && (req.readableLength ?? 0) < (req.readableHighWaterMark ?? 16384)) {
      return this.rateOver(st, bytes, now, this.minAgeMs) < this.minRate ? 'body' : null;
    }
    // Written but not all taken by the kernel: the client is not reading as fast as it is sent.
    if (s.writableLength > 0 && this.rateOver(st, bytes, now, readSpan) < this.minRate) return 'read';
    return null;
  }

  /**
   * An HTTP/2 connection with streams open: 'body' or 'read' when every stream waits on the client
   * and the connection barely moves. A reader is judged on the bytes it lets out only: frames it
   * sends (PING, PRIORITY, SETTINGS) move bytes in without letting any response through.
   */
  private h2Waiting(streams: Set<H2Stream>, st: State, bytes: number, sent: number, now: number, readSpan: number): ShedKind | null {
    let owedBody = false;
    for (const stream of streams) {
      const rs = readableState(stream);
      if (!stream.headersSent && rs && !rs.ended && (rs.length ?? 0) < (rs.highWaterMark ?? 16384)) owedBody = true;
      else if (!(stream.headersSent && stream.writableLength > 0)) return null; // the app's, not the client's
    }
    if (owedBody) return this.rateOver(st, bytes, now, this.minAgeMs) < this.minRate ? 'body' : null;
    return this.rateOver(st, sent, now, readSpan, SENT) < this.minRate ? 'read' : null;
  }

  /** Bytes a second (moved, or with SENT sent) since the newest mark at least `span` old (Infinity while there is none). */
  private rateOver(st: State, bytes: number, now: number, span: number, column: typeof MOVED | typeof SENT = MOVED): number {
    const marks = st.marks ?? [];
    for (let i = marks.length - 1; i >= 0; i--) {
      const mark = marks[i]!;
      if (now - mark[0] >= span) return ((bytes - mark[column]) * 1000) / (now - mark[0]);
    }
    return Infinity;
  }
}
