/**
 * The figures a worker ships in its heartbeat when the master serves metrics (status_bind), and
 * the histogram buckets they use. Counts are cumulative over the worker's life: the master turns
 * them into deltas, so a lost or late heartbeat costs nothing and totals never go backwards.
 */

/** Upper bounds (seconds) of the request-duration histogram: Prometheus's defaults, plus 30 and 60. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

/** Methods counted by name; any other is counted as OTHER, so a client cannot grow the label set. */
export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'TRACE'] as const;

export type ShedKind = 'headers' | 'body' | 'read' | 'idle';

export interface WorkerFigures {
  /** [method, status, count] for every pair seen. */
  requests: Array<[string, number, number]>;
  /** Per-bucket (not cumulative) counts, DURATION_BUCKETS.length + 1 long (the last is +Inf). */
  buckets: number[];
  /** Sum of durations in seconds. */
  sum: number;
  /** Requests in flight now (a gauge, not cumulative). */
  inflight: number;
  /** Connections closed to make room, by why (cumulative). */
  shed: Record<ShedKind, number>;
}
