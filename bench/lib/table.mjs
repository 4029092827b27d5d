// A table's skeleton, shared by the wrk and h2load runners: its contenders (those --only keeps),
// each prepared (a contender that cannot run here is marked failed with why), and the helpers
// both runners use to record a failure and list the contenders still in.
export function newTable({ kind, workers, scenarios }, contenders, ctx, tag, extra = {}) {
  const table = { kind, workers, scenarios, contenders: [], cells: {}, memory: {}, failed: {}, ...extra };
  const fail = (c, why) => { table.failed[c.id] = why; console.log(`${tag} ${c.id}: ${why}`); };
  for (const c of contenders) {
    table.contenders.push({ id: c.id, label: c.label, tunicorn: !!c.tunicorn });
    table.cells[c.id] = {};
    const why = c.prepare(ctx);
    if (why) fail(c, `not run: ${why}`);
  }
  const ready = () => contenders.filter((c) => !table.failed[c.id]);
  return { table, fail, ready };
}
