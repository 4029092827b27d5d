/**
 * Latency percentiles from histogram bucket counts, as Prometheus's histogram_quantile estimates
 * them: linear within the bucket the rank falls in. Coarse (the buckets are), but free: the workers
 * already count the buckets for /metrics.
 */
import { DURATION_BUCKETS } from './figures.js';

/** The q-quantile (0..1) in seconds of per-bucket counts (DURATION_BUCKETS.length + 1 long), or null without requests. */
export function quantile(q: number, counts: readonly number[]): number | null {
  let total = 0;
  for (const c of counts) total += c;
  if (total === 0) return null;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c > 0 && below + c >= rank) {
      // Past the last bound there is no upper edge: say the last bound, as Prometheus does.
      if (i >= DURATION_BUCKETS.length) return DURATION_BUCKETS[DURATION_BUCKETS.length - 1]!;
      const lo = i === 0 ? 0 : DURATION_BUCKETS[i - 1]!;
      const hi = DURATION_BUCKETS[i]!;
      return lo + ((hi - lo) * (rank - below)) / c;
    }
    below += c;
  }
  return DURATION_BUCKETS[DURATION_BUCKETS.length - 1]!;
}

/** Per-bucket increase from `before` to `after`. */
export function delta(after: readonly number[], before: readonly number[]): number[] {
  return after.map((n, i) => Math.max(0, n - (before[i] ?? 0)));
}
