/**
 * statsd from the master: workers count their requests (src/workers/statsd-tally.ts) and ship the
 * counts with each heartbeat; the master turns them into Gunicorn's lines, adds its own (workers
 * gauge, backlog, its log lines) and sends them in datagrams. One socket and one place that knows
 * when the agent is away; no socket work in a worker, so none on a request's path.
 */
import { parseStatsdAddress } from '../../config/statsd-address.js';
import type { Config } from '../../config/types.js';
import type { ErrorLog } from '../../logging/error-log.js';
import { LOG_KINDS, type LogKind, type StatsdFigures } from '../../workers/statsd-tally.js';
import { listenQueues, socketInode } from '../proc.js';
import { LineFormat, pack } from './format.js';
import { openSink, type Sink } from './sink.js';

export interface StatsdSource {
  /** App workers booting or serving (not fronts): the gunicorn.workers gauge. */
  workers(): number;
  /** File descriptors of the TCP listening sockets, for gunicorn.backlog. */
  tcpListenerFds(): number[];
}

/** How often the master's own figures are sent (Gunicorn's arbiter loop runs about once a second). */
const TICK_MS = 1000;
/** Datagrams handed to the socket and not yet sent: past this (the kernel is not taking them) lines are dropped, not queued. */
const MAX_IN_FLIGHT = 1000;
/** After the first, a warning about dropped lines at most this often, with their count. */
const DROP_REPORT_MS = 60_000;

export class Statsd {
  private readonly fmt: LineFormat;
  private pending: string[] = [];
  private flushing = false;
  private readonly timer: NodeJS.Timeout;
  private inFlight = 0;
  private idle: (() => void) | null = null;
  /** Lines dropped since the last warning, and why. */
  private dropped = 0;
  private dropCode = '';
  private droppedSince = 0;
  private warnedAt = -DROP_REPORT_MS;

  private constructor(
    private readonly sink: Sink,
    private readonly config: Config,
    private readonly log: ErrorLog,
    private readonly source: StatsdSource,
  ) {
    this.fmt = new LineFormat({ prefix: config.statsd_prefix, tags: config.dogstatsd_tags });
    sink.onDrop = (lines, code) => this.drop(lines, code);
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  /** Open the socket (throws SinkError when unix:// cannot be served) and count `log`'s lines. */
  static start(config: Config, log: ErrorLog, source: StatsdSource): Statsd {
    const addr = parseStatsdAddress(config.statsd_host!);
    if (typeof addr === 'string') throw new Error(`statsd_host: ${addr}`); // validated earlier
    const s = new Statsd(openSink(addr), config, log, source);
    log.onCount = (kind) => s.logged(kind);
    log.info(`statsd: sending to ${s.sink.where}${config.statsd_prefix ? ` with prefix ${JSON.stringify(config.statsd_prefix)}` : ''}`);
    return s;
  }

  /** One worker's heartbeat figures. */
  figures(f: StatsdFigures): void {
    const { fmt, pending } = this;
    let requests = 0;
    for (const [, n] of f.status) requests += n;
    if (requests > 0) pending.push(fmt.counter('gunicorn.requests', requests));
    const rate = f.durations.length / Math.max(f.timed, 1);
    for (const ms of f.durations) pending.push(fmt.timer('gunicorn.request.duration', ms, rate));
    for (const [status, n] of f.status) pending.push(fmt.counter(`gunicorn.request.status.${status}`, n));
    f.logs.forEach((n, i) => {
      if (n > 0) pending.push(fmt.counter(`gunicorn.log.${LOG_KINDS[i]}`, n));
    });
    this.schedule();
  }

  /** A line in the master's error log. */
  logged(kind: LogKind): void {
    this.pending.push(this.fmt.counter(`gunicorn.log.${kind}`, 1));
    this.schedule();
  }

  /** Send what is pending, then close; resolves when the last datagram has left (200 ms at most). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    if (this.log.onCount) this.log.onCount = null;
    this.flush();
    if (this.inFlight > 0)
      await new Promise<void>((resolve) => {
        this.idle = resolve;
        setTimeout(resolve, 200).unref();
      });
    this.sink.close();
  }

  private tick(): void {
    this.pending.push(this.fmt.gauge('gunicorn.workers', this.source.workers()));
    if (this.config.enable_backlog_metric) {
      const backlog = this.backlog();
      if (backlog !== null) this.pending.push(this.fmt.histogram('gunicorn.backlog', backlog));
    }
    this.flush();
    this.reportDrops();
  }

  /** The connections waiting in the kernel's accept queues of the TCP binds, summed as Gunicorn does. */
  private backlog(): number | null {
    const fds = this.source.tcpListenerFds();
    if (fds.length === 0) return null;
    const queues = listenQueues();
    let sum = 0;
    let found = false;
    for (const fd of fds) {
      const inode = socketInode(fd);
      const q = inode === null ? undefined : queues.get(inode);
      if (q === undefined) continue;
      sum += q;
      found = true;
    }
    return found ? sum : null;
  }

  /** Lines from one turn of the event loop go out together. */
  private schedule(): void {
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushing = false;
    if (this.pending.length === 0) return;
    const lines = this.pending;
    this.pending = [];
    for (const { text, lines: n } of pack(lines, this.sink.max)) {
      if (this.inFlight >= MAX_IN_FLIGHT) {
        this.drop(n, 'ENOBUFS');
        continue;
      }
      this.inFlight++;
      this.sink.send(text, n, () => {
        if (--this.inFlight === 0 && this.idle) this.idle();
      });
    }
  }

  private drop(lines: number, code: string): void {
    if (this.dropped === 0) this.droppedSince = Date.now();
    this.dropped += lines;
    this.dropCode = code;
    this.reportDrops();
  }

  /**
   * Drops are said at once when none was said in the last DROP_REPORT_MS, else gathered and said
   * then, with their count: an agent away for an hour costs 60 lines of log, not thousands.
   */
  private reportDrops(): void {
    if (this.dropped === 0 || Date.now() - this.warnedAt < DROP_REPORT_MS) return;
    const secs = Math.round((Date.now() - this.droppedSince) / 1000);
    const n = this.dropped;
    this.dropped = 0;
    this.warnedAt = Date.now();
    this.log.warning(
      `statsd: cannot send to ${this.sink.where} (${this.dropCode}): dropped ${n} metric line${n === 1 ? '' : 's'}${secs > 1 ? ` in the last ${secs}s` : ''}; requests are not affected`,
    );
  }
}
