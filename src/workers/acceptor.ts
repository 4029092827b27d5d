/**
 * Accepting connections on the master's listening sockets. Each bind has one or more net.Servers
 * listening on handles the master sent (each handle is its own file descriptor for the same
 * kernel socket); pausing (at worker_connections, or for the sync worker while it serves) closes
 * them, which stops this worker accepting at once and leaves waiting connections in the kernel
 * queue for other workers; nothing is reset. Resuming listens on a spare handle kept for the
 * purpose, and asks the master for the next spare.
 *
 * Why more than one: libuv accepts one connection per listening descriptor per turn of the event
 * loop. A worker busy with hundreds of keep-alive connections turns its loop every few
 * milliseconds, so a burst of new connections (a client or load balancer opening a thousand at
 * once) left the kernel queue at a few hundred a second and waited up to seconds (measured: p99
 * 1.4 s at 1000 connections). When every listener of a bind accepts in two busy turns in a row and
 * the worker holds 100 connections or more, the bind multiplies its listeners (up to MAX_LISTENERS);
 * when the queue is drained it halves them, since each listener costs a wasted accept() per turn
 * once nothing is queued (about 0.6 µs per request with a new connection per request, measured).
 * The worker keeps MAX_LISTENERS + 1 handles: the master sends handles one at a time, each
 * acknowledged by a turn of the worker's loop, too slowly to grow while a burst waits.
 */
import net from 'node:net';

type Handle = object;

/** Listeners per bind at most: a burst of a thousand connections drains in a few turns of a busy loop. */
export const MAX_LISTENERS = 32;
/** A turn of the loop at least this long is a busy one (ms); quicker turns keep up by turning. */
const BUSY_TURN_MS = 3;
/** Turns further apart than this are sparse traffic, not a queue (ms). */
const SPARSE_MS = 100;
/** Listeners multiply by this when a bind grows. */
const GROWTH = 8;
/**
 * Open connections from which a bind may grow. A worker with few connections turns its loop
 * quickly and keeps up with one listener; under wrk with a new connection per request (50 at a
 * time, 2 workers) growing cost about 4% of the requests a second (server CPU per request 73-76
 * -> 76-81 µs), because a worker sharing the cores with the client has long turns that are not busy.
 */
const GROW_FROM_CONNECTIONS = 100;

export interface AcceptorOptions {
  binds: number;
  backlog: number;
  onConnection: (socket: net.Socket) => void;
  requestHandle: (bind: number) => void;
  /** Connections this worker has open now. */
  openConnections: () => number;
  onListenError: (bind: number, err: NodeJS.ErrnoException) => void;
  onAcceptError: (err: NodeJS.ErrnoException) => void;
}

interface Bind {
  servers: net.Server[];
  spares: Handle[];
  /** Handles asked of the master and not arrived yet. */
  asked: number;
  /** How many listeners this bind should have now. */
  target: number;
  /** Connections accepted in this turn of the loop. */
  accepted: number;
  /** Busy turns in a row in which every listener accepted. */
  fullStreak: number;
}

export class Acceptors {
  private binds: Bind[];
  private paused = false;
  private stopped = false;
  private reviewQueued = false;
  private lastReview = 0;
  private readyWaiters: Array<() => void> = [];

  constructor(private opts: AcceptorOptions) {
    this.binds = Array.from({ length: opts.binds }, () => ({ servers: [], spares: [], asked: 0, target: 1, accepted: 0, fullStreak: 0 }));
  }

  /** A handle from the master for bind `bind`. */
  addHandle(bind: number, handle: Handle): void {
    const b = this.binds[bind];
    if (!b) return;
    if (b.asked > 0) b.asked--;
    b.spares.push(handle);
    this.fill(bind);
    if (this.allListening()) for (const wake of this.readyWaiters.splice(0)) wake();
  }

  private allListening(): boolean {
    return this.binds.every((b) => b.servers.length > 0);
  }

  /** Resolves once every bind is accepting. */
  whenListening(): Promise<void> {
    if (this.allListening()) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /**
   * Listen on spares up to the target, and keep MAX_LISTENERS + 1 handles in all (listening, spare
   * or asked for): the master sends handles one at a time, each acknowledged by a turn of this
   * worker's loop, too slowly to grow while a burst is queued.
   */
  private fill(bind: number): void {
    const b = this.binds[bind]!;
    if (!this.paused && !this.stopped) while (b.servers.length < b.target && b.spares.length > 0) this.listen(bind, b, b.spares.shift()!);
    for (let n = b.servers.length + b.spares.length + b.asked; n <= MAX_LISTENERS; n++) {
      b.asked++;
      this.opts.requestHandle(bind);
    }
  }

  private listen(bind: number, b: Bind, handle: Handle): void {
    const server = net.createServer({ noDelay: true }, (socket: net.Socket) => {
      this.opts.onConnection(socket);
      // Turns are reviewed only where they could change something (a setImmediate per turn costs
      // about 2 µs per request with a new connection per request).
      if (!this.reviewQueued) {
        if (b.servers.length === 1 && this.opts.openConnections() < GROW_FROM_CONNECTIONS) return;
        this.reviewQueued = true;
        setImmediate(this.review);
      }
      b.accepted++;
    });
    // Before 'listening' an error means the socket cannot listen (address in use); after it, an
    // accept() failed (EMFILE under a flood, say) and the server goes on accepting.
    server.on('error', (err: NodeJS.ErrnoException) => (server.listening ? this.opts.onAcceptError(err) : this.opts.onListenError(bind, err)));
    server.listen(handle as net.ListenOptions, this.opts.backlog);
    b.servers.push(server);
  }

  /**
   * After a turn of the loop that accepted. Where every listener of a bind accepted in two busy
   * turns in a row while the worker holds many connections, connections arrive faster than the
   * worker takes them: grow. Where under half accepted, or the loop turns quickly again, the queue
   * is drained: halve.
   */
  private review = (): void => {
    this.reviewQueued = false;
    const now = performance.now();
    const gap = now - this.lastReview;
    this.lastReview = now;
    const busy = gap >= BUSY_TURN_MS && gap <= SPARSE_MS;
    for (let i = 0; i < this.binds.length; i++) {
      const b = this.binds[i]!;
      const open = b.servers.length;
      const accepted = b.accepted;
      b.accepted = 0;
      if (accepted === 0 || open === 0) continue;
      b.fullStreak = busy && accepted >= open ? b.fullStreak + 1 : 0;
      if (b.fullStreak >= 2 && b.target <= open && open < MAX_LISTENERS && this.opts.openConnections() >= GROW_FROM_CONNECTIONS) {
        b.target = Math.min(MAX_LISTENERS, open * GROWTH);
        this.fill(i);
      } else if (open > 1 && (accepted * 2 <= open || gap < BUSY_TURN_MS)) {
        b.target = open >> 1;
        for (const s of b.servers.splice(b.target)) s.close();
        this.fill(i);
      }
    }
  };

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.closeAll();
    for (let i = 0; i < this.binds.length; i++) this.fill(i);
  }

  resume(): void {
    if (!this.paused || this.stopped) return;
    this.paused = false;
    for (let i = 0; i < this.binds.length; i++) this.fill(i);
  }

  /** Stop accepting for good (graceful stop or recycling). */
  stop(): void {
    this.stopped = true;
    this.closeAll();
  }

  private closeAll(): void {
    for (const b of this.binds) {
      for (const s of b.servers.splice(0)) s.close();
      b.target = 1;
      b.accepted = 0;
    }
  }
}
