/**
 * Per-request figures for the master's /metrics, kept cheap for the hot path: one counter
 * increment by method and status and one histogram bucket increment. Shipped with the heartbeat.
 */
import { DURATION_BUCKETS, METHODS, type ShedKind, type WorkerFigures } from '../status/figures.js';

const METHOD_INDEX = new Map<string, number>(METHODS.map((m, i) => [m, i]));
const OTHER = METHODS.length;

export class RequestStats {
  /** By method index (OTHER last): status -> count. */
  private readonly byMethod: Array<Map<number, number>> = Array.from({ length: METHODS.length + 1 }, () => new Map());
  private readonly buckets: number[] = new Array(DURATION_BUCKETS.length + 1).fill(0);
  private sum = 0;

  record(method: string | undefined, status: number, seconds: number): void {
    const counts = this.byMethod[METHOD_INDEX.get(method ?? '') ?? OTHER]!;
    counts.set(status, (counts.get(status) ?? 0) + 1);
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]!) i++;
    this.buckets[i]!++;
    this.sum += seconds;
  }

  figures(inflight: number, shed: Record<ShedKind, number>): WorkerFigures {
    const requests: WorkerFigures['requests'] = [];
    this.byMethod.forEach((counts, i) => {
      for (const [status, n] of counts) requests.push([METHODS[i] ?? 'OTHER', status, n]);
    });
    return { requests, buckets: [...this.buckets], sum: this.sum, inflight, shed: { ...shed } };
  }
}
