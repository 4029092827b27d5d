// The bench's goal arithmetic: ratios judged round by round between rows run back to back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
// @ts-expect-error: the bench is plain JavaScript without type declarations
import { evaluateGoals, noiseReference, pairedRatio } from '../../bench/lib/goals.mjs';

const cell = (roundRps: number[], roundCpuUs: number[]) => ({
  rps: [...roundRps].sort((a, b) => a - b)[Math.floor(roundRps.length / 2)],
  cpuUs: roundCpuUs[0],
  roundRps,
  roundCpuUs,
});

function table(cells: Record<string, Record<string, unknown>>) {
  return { workers: 2, scenarios: ['ka50', 'close'], cells, memory: {}, failed: {} };
}

test('a pair is judged on the median of its per-round ratios, with their spread', () => {
  // Round 2 is slow for both rows (machine drift): the medians' ratio would be 0.9, each round says 0.95-1.0.
  const t = table({
    cluster: { ka50: cell([100, 60, 100], [10, 16, 10]) },
    't-node': { ka50: cell([95, 57, 100], [10.5, 16.8, 10]) },
  });
  const r = pairedRatio(t, 't-node', 'cluster', 'ka50');
  assert.equal(r.rounds, 3);
  assert.equal(r.value, 0.95);
  assert.equal(r.low, 0.95);
  assert.equal(r.high, 1);
  const cpu = pairedRatio(t, 't-node', 'cluster', 'ka50', 'CpuUs');
  assert.ok(Math.abs(cpu.value - 10 / 10.5) < 1e-9);
});

test('rows with different round counts, or results without rounds, fall back to the medians', () => {
  const t = table({
    cluster: { ka50: { rps: 100, cpuUs: 10 } },
    't-node': { ka50: { rps: 90, cpuUs: 12 } },
  });
  assert.deepEqual(pairedRatio(t, 't-node', 'cluster', 'ka50'), { value: 0.9, low: 0.9, high: 0.9, rounds: 1 });
  assert.equal(pairedRatio(t, 't-fetch', 'cluster', 'ka50'), null);
});

test('the fetch app is compared with the twin cluster when there is one, else with the cluster', () => {
  const base = {
    cluster: { ka50: cell([100, 100], [10, 10]), close: cell([20, 20], [50, 50]) },
    't-node': { ka50: cell([96, 96], [10, 10]), close: cell([19, 19], [52, 52]) },
    't-fetch': { ka50: cell([92, 92], [11, 11]), close: cell([18, 18], [55, 55]) },
  };
  const fetchGoal = (t: ReturnType<typeof table>) => evaluateGoals([t]).find((g: { goal: string }) => g.goal === 'tunicorn fetch app vs plain cluster, keep-alive').results[0];
  assert.match(fetchGoal(table(base)).text, /^fetch 92%, by CPU per request 91%/);
  const withTwin = table({ ...base, 'cluster-twin': { ka50: cell([80, 80], [12, 12]), close: cell([20, 20], [50, 50]) } });
  const goal = fetchGoal(withTwin);
  assert.match(goal.text, /^fetch 115%/);
  assert.equal(goal.met, true);
  assert.deepEqual(
    noiseReference(withTwin).map((r: { scenario: string; value: number }) => [r.scenario, r.value]),
    [
      ['ka50', 0.8],
      ['close', 1],
    ],
  );
});
