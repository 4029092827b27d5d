// One table: start every contender with the same worker count, measure memory and start-up,
// then drive each scenario in rounds, alternating contenders (A B C, C B A, …) so drift cancels.
import { SUITES } from './suites.mjs';
import { launch } from './launch.mjs';
import { byId } from './scenarios.mjs';
import { runWrk } from './wrk.mjs';
import { sleep, treeCpuTicks, treeRss, TICK_US } from './procs.mjs';
import { runSpecials } from './specials.mjs';
import { aggregate, median, roundsFor, serpentine, wrkOptions } from './rounds.mjs';
import { spreadText, watchSpread } from './spread.mjs';
import { newTable } from './table.mjs';

const fmt = (n) => Math.round(n).toLocaleString('en-US');

export async function runTable(spec, plan, ctx, only) {
  const { workers, kind = 'node' } = spec;
  const suite = SUITES[kind];
  const tag = `[${kind === 'node' ? '' : `${kind} `}w${workers}]`;
  const contenders = suite.contenders.filter((c) => !only || only.includes(c.id));
  const { table, fail, ready } = newTable({ kind, workers, scenarios: spec.scenarios }, contenders, ctx, tag);

  // Start-up time: extra start/stop cycles first, then the start we keep serves the load.
  const startups = Object.fromEntries(contenders.map((c) => [c.id, []]));
  for (let r = 1; r < (spec.startupRounds ?? plan.startupRounds); r++) {
    for (const c of serpentine(ready(), r)) {
      try {
        const run = await launch(c, { workers, ctx });
        startups[c.id].push(run.startupMs);
        await run.handle.stop();
      } catch (err) { fail(c, `failed to start: ${err.message}`); }
    }
  }
  const running = {};
  for (const c of ready()) {
    try {
      running[c.id] = await launch(c, { workers, ctx });
      startups[c.id].push(running[c.id].startupMs);
      console.log(`${tag} ${c.id} started on :${running[c.id].port} in ${running[c.id].startupMs.toFixed(0)} ms`);
    } catch (err) { fail(c, `failed to start: ${err.message}`); }
  }

  try {
    await sleep(2000); // let every worker finish booting before reading idle RSS
    for (const c of ready()) table.memory[c.id] = { idle: treeRss(running[c.id].handle.pid), startupMs: median(startups[c.id]) };

    // RSS after N requests (this also warms the hello path up).
    for (const c of ready()) {
      const { handle, port } = running[c.id];
      const r = await runWrk({ port, connections: 50, durationS: 120, stopAfter: plan.rssRequests, workDir: ctx.work });
      handle.remember();
      Object.assign(table.memory[c.id], { after: treeRss(handle.pid), afterRequests: r.requests, afterErrors: r.errors });
      console.log(`${tag} ${c.id}: RSS ${table.memory[c.id].after.total.toFixed(0)} MB after ${fmt(r.requests)} requests`);
    }

    for (const sid of spec.scenarios) await runScenario(byId(sid), { table, running, ready, plan, spec, suite, ctx, tag, fail });

    if (spec.specials && plan.special) {
      table.specials = await runSpecials({ running, workers, plan: { ...plan, special: spec.special ?? plan.special }, ctx, tag, suite, only: Array.isArray(spec.specials) ? spec.specials : null });
    }
  } finally {
    await Promise.all(Object.values(running).map((r) => r.handle.stop()));
  }
  return table;
}

async function runScenario(scenario, { table, running, ready, plan, spec, suite, ctx, tag, fail }) {
  const active = ready().filter((c) => {
    const skip = c.skip?.[scenario.id];
    if (skip) table.cells[c.id][scenario.id] = { skipped: skip };
    return !skip;
  });
  if (plan.warmupS && scenario.path !== '/') { // the hello path is already warm from the RSS phase
    for (const c of active) await runWrk(wrkOptions(scenario, running[c.id].port, plan.warmupS, ctx, plan.mode === 'full'));
  }
  const runs = Object.fromEntries(active.map((c) => [c.id, []]));
  const order = suite.inRoundOrder(active);
  for (let r = 0; r < roundsFor(scenario, plan, spec); r++) {
    for (const c of serpentine(order, r)) {
      const { handle, port } = running[c.id];
      if (handle.exitCode !== undefined) continue;
      // The server's own CPU per request: how much work it does, apart from how much CPU it got.
      const ticks = treeCpuTicks(handle.pid);
      // How keep-alive connections spread over the workers (issue 17: within 60/40 at 2 workers).
      const spread = scenario.id === 'ka50' ? watchSpread(handle.pid, port, spec.workers) : null;
      const res = await runWrk(wrkOptions(scenario, port, plan.durationS, ctx, plan.mode === 'full'));
      if (spread) res.spread = spread.stop();
      res.cpuUs = res.requests ? ((treeCpuTicks(handle.pid) - ticks) * TICK_US) / res.requests : NaN;
      runs[c.id].push(res);
      console.log(`${tag} ${scenario.id} r${r + 1} ${c.id.padEnd(12)} ${fmt(res.rps).padStart(8)} req/s  p99 ${res.p99.toFixed(1)} ms  cpu ${res.cpuUs.toFixed(1)} µs/req${res.errors ? `  errors ${res.errors}` : ''}${res.spread ? `  conns/worker ${spreadText(res.spread)}` : ''}`);
      if (handle.exitCode !== undefined) fail(c, `exited (${handle.exitCode}) during ${scenario.id}: ${handle.logTail(3)}`);
    }
  }
  for (const c of active) {
    if (!runs[c.id].length) continue;
    const rss = treeRss(running[c.id].handle.pid);
    table.cells[c.id][scenario.id] = { ...aggregate(runs[c.id]), rss: rss?.total ?? null };
  }
}
