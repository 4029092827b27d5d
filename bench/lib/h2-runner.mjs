// The HTTP/2 table: every row started once with the same worker count, then each scenario in
// rounds of h2load, rows alternating (A B C, C B A, …) so that drift cancels, as runner.mjs does with wrk.
import { SUITES } from './suites.mjs';
import { byId } from './scenarios.mjs';
import { start, treeCpuTicks, treeRss, TICK_US } from './procs.mjs';
import { freePort } from './net.mjs';
import { runH2load, urlOf, waitServingH2 } from './h2load.mjs';
import { aggregate, roundsFor, serpentine } from './rounds.mjs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { newTable } from './table.mjs';

const fmt = (n) => Math.round(n).toLocaleString('en-US');

/** Start one row and wait until a few requests in its protocol succeed: { handle, port, startupMs }. */
async function launchH2(c, { workers, ctx }) {
  const port = await freePort();
  const spec = c.command({ port, workers, ctx });
  mkdirSync(join(ctx.work, 'logs'), { recursive: true });
  const logFile = join(ctx.work, 'logs', `${c.id}-w${workers}.log`);
  const since = performance.now();
  const handle = start(spec.cmd, spec.args, { env: spec.env, cwd: spec.cwd, stopSignal: spec.stopSignal, logFile });
  try {
    const startupMs = await waitServingH2(urlOf(c, port), { h1: c.h1, since, handle });
    handle.remember();
    return { handle, port, startupMs };
  } catch (err) {
    await handle.stop(3000);
    throw new Error(`${err.message}\n    | ${handle.logTail(6).split('\n').join('\n    | ')}\n    (log: ${logFile})`);
  }
}

export async function runH2Table(spec, plan, ctx, only) {
  const { workers } = spec;
  const suite = SUITES.h2;
  const tag = `[h2 w${workers}]`;
  const contenders = suite.contenders.filter((c) => !only || only.includes(c.id));
  // memory stays empty (no RSS phase here); start-up times and the protocol each row spoke are kept apart.
  const { table, fail, ready } = newTable({ kind: 'h2', workers, scenarios: spec.scenarios }, contenders, ctx, tag, { protocols: {}, startupMs: {} });
  const running = {};
  try {
    for (const c of ready()) {
      try {
        running[c.id] = await launchH2(c, { workers, ctx });
        table.startupMs[c.id] = running[c.id].startupMs;
        console.log(`${tag} ${c.id} started on :${running[c.id].port} in ${running[c.id].startupMs.toFixed(0)} ms`);
      } catch (err) { fail(c, `failed to start: ${err.message}`); }
    }
    // Warm-up, as the other tables' RSS phase warms their hello path: the JIT has compiled the request
    // path before the first measured round, which a quick run's 1 s rounds would otherwise measure.
    for (const c of ready()) {
      try {
        await runH2load({ url: urlOf(c, running[c.id].port), connections: 10, streams: 10, requests: plan.rssRequests, h1: c.h1 });
      } catch (err) { fail(c, `h2load failed warming up: ${err.message}`); }
    }
    for (const sid of spec.scenarios) {
      const scenario = byId(sid);
      const runs = Object.fromEntries(ready().map((c) => [c.id, []]));
      const order = suite.inRoundOrder(ready());
      for (let r = 0; r < roundsFor(scenario, plan, spec); r++) {
        for (const c of serpentine(order, r)) {
          const { handle, port } = running[c.id];
          if (handle.exitCode !== undefined) continue;
          const ticks = treeCpuTicks(handle.pid);
          let res;
          try {
            res = await runH2load({ url: urlOf(c, port, scenario.path), connections: scenario.connections, streams: scenario.streams,
              durationS: plan.durationS, warmupS: plan.warmupS, h1: c.h1 });
          } catch (err) { fail(c, `h2load failed in ${sid}: ${err.message}`); continue; }
          // aggregate() reads latency fields; h2load gives none per percentile, so they stay NaN.
          Object.assign(res, { p50: NaN, p99: NaN, cpuUs: res.requests ? ((treeCpuTicks(handle.pid) - ticks) * TICK_US) / res.requests : NaN });
          runs[c.id].push(res);
          table.protocols[c.id] = res.proto;
          console.log(`${tag} ${sid} r${r + 1} ${c.id.padEnd(13)} ${fmt(res.rps).padStart(8)} req/s  ${res.proto}  cpu ${res.cpuUs.toFixed(1)} µs/req${res.errors ? `  errors ${res.errors}` : ''}`);
          if (handle.exitCode !== undefined) fail(c, `exited (${handle.exitCode}) during ${sid}: ${handle.logTail(3)}`);
        }
      }
      for (const c of contenders) {
        if (!runs[c.id]?.length) continue;
        table.cells[c.id][sid] = { ...aggregate(runs[c.id]), rss: treeRss(running[c.id].handle.pid)?.total ?? null };
      }
    }
  } finally {
    await Promise.all(Object.values(running).map((r) => r.handle.stop()));
  }
  return table;
}
