// Rounds of wrk runs: the order contenders take in a round, wrk options of a scenario, medians.
import { combineSpreads } from './spread.mjs';

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

/** Median of rounds for req/s and latencies; errors are summed; each round's req/s and CPU kept for paired ratios. */
export function aggregate(runs) {
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    // A negative figure means a worker exited during the round and was not reaped in the tree.
    cpuUs: runs.some((r) => !(r.cpuUs >= 0)) ? NaN : median(runs.map((r) => r.cpuUs)),
    errors: runs.reduce((a, r) => a + r.errors, 0),
    non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
    requests: runs.reduce((a, r) => a + r.requests, 0),
    rounds: runs.length,
    roundRps: runs.map((r) => r.rps),
    roundCpuUs: runs.map((r) => (r.cpuUs >= 0 ? r.cpuUs : null)),
    // Connections per worker, where the rounds sampled them (bench/lib/spread.mjs).
    ...(runs.some((r) => r.spread) ? { spread: combineSpreads(runs.map((r) => r.spread)) } : {}),
  };
}

/** Rounds a scenario takes: a full run gives the goals' scenarios their own, larger count; a table may set its own. */
export const roundsFor = (scenario, plan, spec = {}) => spec.rounds ?? (plan.mode === 'full' ? Math.max(plan.rounds, scenario.rounds ?? 0) : plan.rounds);

/** Round r visits the contenders forwards when r is even, backwards when odd. */
export const serpentine = (list, r) => (r % 2 ? [...list].reverse() : list);

/** wrk's options for one run; `stretch` (full runs) lengthens it to the scenario's minDurationS, quick runs stay short. */
export function wrkOptions(scenario, port, durationS, ctx, stretch = false) {
  const { path, connections, headers = [], method, bodyBytes } = scenario;
  if (stretch) durationS = Math.max(durationS, scenario.minDurationS ?? 0);
  return { port, path, connections, headers, method, bodyBytes, durationS, workDir: ctx.work };
}
