// Which rows, round order and setting comparisons a table of a given kind uses.
import { CONTENDERS, ROUND_ORDER, SPECIALS } from './contenders.mjs';
import { evaluateGoals as evaluate, GOALS } from './goals.mjs';
import { PY_GOALS } from './py-goals.mjs';
import { PY_CONTENDERS, PY_ROUND_ORDER, PY_SPECIALS } from './py-contenders.mjs';
import { H2_CONTENDERS, H2_ROUND_ORDER } from './h2-contenders.mjs';
import { H2_GOALS } from './h2-goals.mjs';

const byOrder = (order) => (list) => {
  const rank = (id) => (order.includes(id) ? order.indexOf(id) : order.length);
  return [...list].sort((a, b) => rank(a.id) - rank(b.id));
};

export const SUITES = {
  node: { contenders: CONTENDERS, inRoundOrder: byOrder(ROUND_ORDER), specials: SPECIALS, base: 't-node', goals: GOALS },
  python: { contenders: PY_CONTENDERS, inRoundOrder: byOrder(PY_ROUND_ORDER), specials: PY_SPECIALS, goals: PY_GOALS },
  h2: { contenders: H2_CONTENDERS, inRoundOrder: byOrder(H2_ROUND_ORDER), specials: {}, goals: H2_GOALS },
};

export const suiteOf = (table) => SUITES[table.kind ?? 'node'];
/** A contender of any table, by id (for the reports' notes). */
export const contenderById = (id) => [...CONTENDERS, ...PY_CONTENDERS, ...H2_CONTENDERS].find((c) => c.id === id);

/** [{ kind, goal, target, results: [{ workers, text, met }] }]: each kind's goals over that kind's tables. */
export function evaluateGoals(tables) {
  return Object.entries(SUITES).flatMap(([kind, suite]) => {
    const mine = tables.filter((t) => (t.kind ?? 'node') === kind);
    if (!mine.length) return [];
    return evaluate(mine, suite.goals).map((g) => ({ kind, ...g }));
  });
}
