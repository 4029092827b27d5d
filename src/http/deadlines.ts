/**
 * Per-request timeouts without a timer per request (a timer pair per request costs a hello-world
 * worker much of its throughput: bench/limits.md). Requests in flight are kept in start order; one interval
 * ticks `timeout / 10` (between 50 ms and 1 s) and expires the oldest ones, so a request is timed
 * out between `timeout` and `timeout` plus one tick after it started. Start times are kept even with
 * the timeout off: the WORKER TIMEOUT line says how long a request has run.
 */
export class Deadlines<T> {
  /** In-flight items and when they started (performance.now()), oldest first (a Map keeps insertion order). */
  readonly inflight = new Map<T, number>();
  private readonly tickMs: number;
  private readonly timer: NodeJS.Timeout | null;

  constructor(
    private readonly timeoutMs: number,
    private readonly onExpire: (item: T) => void,
  ) {
    this.tickMs = Math.max(50, Math.min(1000, Math.floor(timeoutMs / 10)));
    this.timer = timeoutMs > 0 ? setInterval(() => this.tick(), this.tickMs).unref() : null;
  }

  add(item: T): void {
    this.inflight.set(item, performance.now());
  }

  delete(item: T): void {
    this.inflight.delete(item);
  }

  get size(): number {
    return this.inflight.size;
  }

  private tick(): void {
    const now = performance.now();
    for (const [item, started] of this.inflight) {
      if (now - started < this.timeoutMs) break;
      this.inflight.delete(item);
      this.onExpire(item);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
