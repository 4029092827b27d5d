/**
 * worker_connections: at the cap a worker stops accepting, so new connections wait in the kernel's
 * queue for this or another worker (never reset). So that the cap cannot be used against the
 * server (slowloris: connections that dribble headers, or idle keep-alive connections hoarding
 * slots), reaching it also sheds the oldest connections that have no request in progress and are
 * older than `minAgeMs`; a connection whose request is being served is never shed.
 */
import type { Socket } from 'node:net';

const CONNECTED_AT = Symbol('tunicorn.connectedAt');
type Tracked = Socket & { [CONNECTED_AT]: number; _httpMessage?: unknown };

export interface CapOptions {
  cap: number;
  pause: () => void;
  resume: () => void;
  /** Only connections open at least this long may be shed (a fresh client is still sending). */
  minAgeMs?: number;
  /** At most this share of the cap is shed at once. */
  shedFraction?: number;
  onShed?: (count: number) => void;
}

export class ConnectionCap {
  private open = new Set<Tracked>();
  private readonly minAgeMs: number;
  private readonly shedMax: number;
  shedTotal = 0;

  constructor(private opts: CapOptions) {
    this.minAgeMs = opts.minAgeMs ?? 1000;
    this.shedMax = Math.max(1, Math.floor(opts.cap * (opts.shedFraction ?? 0.1)));
  }

  get size(): number {
    return this.open.size;
  }

  add(socket: Socket): void {
    const s = socket as Tracked;
    s[CONNECTED_AT] = Date.now();
    this.open.add(s);
    s.once('close', () => {
      this.open.delete(s);
      if (this.open.size < this.opts.cap) {
        this.stopSheddingTimer();
        this.opts.resume();
      }
    });
    if (this.open.size >= this.opts.cap) {
      this.opts.pause();
      if (this.opts.cap > 1) {
        this.shed();
        // While full, keep looking: a connection that finishes its request becomes sheddable.
        this.timer ??= setInterval(() => this.shed(), 250);
        this.timer.unref();
      }
    }
  }

  private timer: NodeJS.Timeout | null = null;

  private stopSheddingTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Close the oldest connections with no request in progress; a Set iterates oldest first. */
  private shed(): void {
    const cutoff = Date.now() - this.minAgeMs;
    let shed = 0;
    for (const s of this.open) {
      if (s[CONNECTED_AT] > cutoff) break;
      if (s._httpMessage) continue;
      s.destroy();
      if (++shed >= this.shedMax) break;
    }
    if (shed > 0) {
      this.shedTotal += shed;
      this.opts.onShed?.(shed);
    }
  }
}
