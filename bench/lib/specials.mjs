// Comparisons of one tunicorn setting against the plain t-node row, under keep-alive load:
// recycling (max_requests 1000 vs 0, failed requests, workers replaced) and the access log.
import { launch } from './launch.mjs';
import { byId } from './scenarios.mjs';
import { runWrk } from './wrk.mjs';
import { readFileSync } from 'node:fs';
import { tree } from './procs.mjs';
import { aggregate, serpentine, wrkOptions } from './rounds.mjs';
import { spreadText, watchSpread } from './spread.mjs';

/** Workers the master says it booted (Gunicorn's "Booting worker with pid" line), if it logs them. */
function bootedInLog(logFile) {
  try { return (readFileSync(logFile, 'utf8').match(/Booting worker/g) ?? []).length; } catch { return 0; }
}

/** Collects the pids of rootPid's descendants every 50 ms (a lower bound on workers started). */
function watchWorkers(rootPid) {
  const seen = new Set();
  const look = () => { for (const p of tree(rootPid).slice(1)) seen.add(p.pid); };
  look();
  const initial = seen.size;
  const timer = setInterval(look, 50);
  return { seen, initial, stop: () => { clearInterval(timer); look(); } };
}

async function compare(base, variant, { workers, plan, ctx, tag }) {
  // The side whose workers recycle is the one watched: the variant, or the running row (recyclingSide 'base').
  const scenario = byId('ka50');
  let run;
  try { run = await launch(variant, { workers, ctx }); } catch (err) {
    return { label: variant.label, failed: `failed to start: ${err.message}` };
  }
  const watched = variant.recyclingSide === 'base' ? base : run;
  const watch = watchWorkers(watched.handle.pid);
  try {
    await runWrk(wrkOptions(scenario, run.port, 1, ctx)); // warm up
    const runs = { base: [], variant: [] };
    for (let r = 0; r < plan.special.rounds; r++) {
      for (const which of serpentine(['base', 'variant'], r)) {
        const side = which === 'base' ? base : run;
        const spread = watchSpread(side.handle.pid, side.port, workers);
        const res = await runWrk(wrkOptions(scenario, side.port, plan.special.durationS, ctx));
        res.spread = spread.stop();
        runs[which].push(res);
        console.log(`${tag} ${variant.id} r${r + 1} ${which.padEnd(7)} ${Math.round(res.rps)} req/s, ${res.errors} errors, connections per worker ${spreadText(res.spread)}`);
      }
    }
    watch.stop();
    return { label: variant.label, base: aggregate(runs.base), variant: aggregate(runs.variant),
      workersStarted: Math.max(watch.seen.size, variant.recyclingSide === 'base' ? 0 : bootedInLog(run.logFile)), exited: run.handle.exitCode,
      workersReplaced: watch.seen.size - watch.initial };
  } finally {
    watch.stop();
    await run.handle.stop();
  }
}

/** `only`: the comparisons to run (a table may run a few), else all of the suite's. */
export async function runSpecials({ running, workers, plan, ctx, tag, suite, only = null }) {
  const out = {};
  for (const [name, variant] of Object.entries(suite.specials)) {
    if (only && !only.includes(name)) continue;
    const baseId = variant.base ?? suite.base;
    const base = running[baseId];
    if (!base) return { skipped: `${baseId} is not running` };
    out[name] = await compare(base, variant, { workers, plan, ctx, tag });
  }
  return out;
}
