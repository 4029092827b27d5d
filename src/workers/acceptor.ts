/**
 * Accepting connections on the master's listening sockets. Each bind has a net.Server listening on
 * a handle the master sent; pausing (at worker_connections, or for the sync worker while it serves)
 * closes that server, which stops this worker accepting at once and leaves waiting connections in
 * the kernel queue for other workers; nothing is reset. Resuming listens on a spare handle kept for
 * the purpose, and asks the master for the next spare.
 */
import net from 'node:net';

type Handle = object;

export interface AcceptorOptions {
  binds: number;
  backlog: number;
  onConnection: (socket: net.Socket) => void;
  requestHandle: (bind: number) => void;
  onListenError: (bind: number, err: NodeJS.ErrnoException) => void;
  onAcceptError: (err: NodeJS.ErrnoException) => void;
}

export class Acceptors {
  private servers: Array<net.Server | null>;
  private spares: Handle[][];
  private paused = false;
  private stopped = false;
  private readyWaiters: Array<() => void> = [];

  constructor(private opts: AcceptorOptions) {
    this.servers = Array.from({ length: opts.binds }, () => null);
    this.spares = Array.from({ length: opts.binds }, () => []);
  }

  /** A handle from the master for bind `bind`. */
  addHandle(bind: number, handle: Handle): void {
    this.spares[bind]?.push(handle);
    if (!this.paused && !this.stopped && !this.servers[bind]) this.listen(bind);
    if (this.allListening()) for (const wake of this.readyWaiters.splice(0)) wake();
  }

  private allListening(): boolean {
    return this.servers.every((s) => s !== null);
  }

  /** Resolves once every bind is accepting. */
  whenListening(): Promise<void> {
    if (this.allListening()) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  private listen(bind: number): void {
    const handle = this.spares[bind]!.shift();
    if (!handle) return;
    const server = net.createServer({ noDelay: true }, this.opts.onConnection);
    // Before 'listening' an error means the socket cannot listen (address in use); after it, an
    // accept() failed (EMFILE under a flood, say) and the server goes on accepting.
    server.on('error', (err: NodeJS.ErrnoException) => (server.listening ? this.opts.onAcceptError(err) : this.opts.onListenError(bind, err)));
    server.listen(handle as net.ListenOptions, this.opts.backlog);
    this.servers[bind] = server;
    // Keep one spare so the next resume does not wait for the master.
    this.opts.requestHandle(bind);
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.closeAll();
  }

  resume(): void {
    if (!this.paused || this.stopped) return;
    this.paused = false;
    for (let i = 0; i < this.servers.length; i++) if (!this.servers[i]) this.listen(i);
  }

  /** Stop accepting for good (graceful stop or recycling). */
  stop(): void {
    this.stopped = true;
    this.closeAll();
  }

  private closeAll(): void {
    this.servers.forEach((s, i) => {
      if (!s) return;
      s.close();
      this.servers[i] = null;
    });
  }
}
