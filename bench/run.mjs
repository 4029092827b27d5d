#!/usr/bin/env node
// npm run bench [-- --quick] [--table node|python|h2|all] [--only id,id] [--node 24|current|path] [--out DIR] [--cli path/to/cli.js] [--render results.json]
// Starts each contender on loopback, drives it with wrk (h2load for the HTTP/2 table), writes RESULTS.md, results.json, chart.svg.
// Every Node contender runs on Node 24 (the LTS; installed from npm into bench/.work) unless --node
// says otherwise: the results then do not depend on the Node a machine happens to have.
// Full mode writes into bench/; quick mode (a smoke check, < 2 min) into bench/.work/quick/ so it
// never overwrites the committed results.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { installCleanup, stopAll } from './lib/procs.mjs';
import { ensureWrk } from './lib/wrk.mjs';
import { ensureNode, versionOf } from './lib/deps.mjs';
import { plan as makePlan } from './lib/scenarios.mjs';
import { runTable } from './lib/runner.mjs';
import { runH2Table } from './lib/h2-runner.mjs';
import { ensureH2load } from './lib/h2load.mjs';
import { evaluateGoals } from './lib/suites.mjs';
import { resultsJson, resultsMarkdown } from './lib/report.mjs';
import { chartSvg } from './lib/chart.mjs';

const DEFAULT_NODE = '24';
const bench = dirname(fileURLToPath(import.meta.url));
const root = dirname(bench);
const { values: opts } = parseArgs({ options: {
  quick: { type: 'boolean', default: false },
  only: { type: 'string' },
  table: { type: 'string', default: 'all' }, // node, python, h2 or all
  out: { type: 'string' },
  cli: { type: 'string' }, // another tunicorn build to measure (default: dist/cli.js)
  render: { type: 'string' }, // only rewrite the reports from a results.json (no measuring)
  // The Node.js of every Node contender: a major version to install, `current` (the one running this), or a binary.
  node: { type: 'string', default: DEFAULT_NODE },
} });

const ctx = { root, bench, apps: join(bench, 'apps'), work: join(bench, '.work'), cli: opts.cli ?? join(root, 'dist', 'cli.js'), node: process.execPath };
const otherNode = opts.node !== DEFAULT_NODE;
if (!['node', 'python', 'h2', 'all'].includes(opts.table)) {
  console.error(`bench: --table ${opts.table}: say node, python, h2 or all`);
  process.exit(2);
}
const someTable = opts.table !== 'all';
const command = ['npm run bench', opts.quick || otherNode || opts.only || someTable ? ' --' : '', opts.quick ? ' --quick' : '',
  someTable ? ` --table ${opts.table}` : '', otherNode ? ` --node ${opts.node}` : '', opts.only ? ` --only ${opts.only}` : ''].join('');
const plan = makePlan({ quick: opts.quick, cpus: availableParallelism(), tables: opts.table });
const only = opts.only?.split(',').map((s) => s.trim());
const outDir = opts.out ?? (opts.quick ? join(ctx.work, 'quick') : bench);

function meta(wrkVersion, loadStart) {
  const read = (p) => { try { return JSON.parse(readFileSync(p, 'utf8')).version; } catch { return null; } };
  const num = (s) => s?.match(/\d+\.\d+(\.\d+)?/)?.[0];
  const versions = [
    `Node ${versionOf(ctx.node, ['-v'])}`, wrkVersion && `wrk ${num(wrkVersion)}`,
    plan.tables.some((t) => t.kind === 'h2') && `h2load ${num(versionOf('h2load', ['--version']))}`,
    `nginx ${num(versionOf('nginx', ['-v']))}`, `Gunicorn ${num(versionOf('/usr/bin/gunicorn', ['--version']))}`,
    `uWSGI ${num(versionOf('uwsgi', ['--version']))}`, `Python ${num(versionOf('/usr/bin/python3', ['--version']))}`,
    read(join(ctx.work, 'node_modules', 'pm2', 'package.json')) && `PM2 ${read(join(ctx.work, 'node_modules', 'pm2', 'package.json'))}`,
    `tunicorn ${read(join(root, 'package.json'))}`,
  ].filter(Boolean);
  return { command, date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown', kernel: release(), versions, load: { start: loadStart, end: loadavg()[0] } };
}

function writeOutputs(run) {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'RESULTS.md'), resultsMarkdown(run));
  writeFileSync(join(outDir, 'results.json'), resultsJson(run));
  const nodeTable = run.tables.find((t) => (t.kind ?? 'node') === 'node');
  if (nodeTable) writeFileSync(join(outDir, 'chart.svg'), chartSvg(nodeTable));
  console.log(`bench: wrote ${join(outDir, 'RESULTS.md')}, results.json, chart.svg`);
  for (const g of run.goals) {
    const res = g.results.filter((r) => r.met !== undefined || r.text !== '—');
    console.log(`  ${g.goal} (${g.target}): ${res.map((r) => `${r.workers}w ${r.text}${r.met === true ? ' met' : r.met === false ? ' NOT MET' : ''}`).join('; ')}`);
  }
}

/** With --table, the other kind's tables of the results.json already in outDir stay in the report. */
function keptTables() {
  if (!someTable || opts.quick) return [];
  try {
    const { tables } = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8'));
    return tables.filter((t) => (t.kind ?? 'node') !== opts.table);
  } catch { return []; }
}

async function main() {
  if (opts.render) {
    const { meta: m, plan: p, tables } = JSON.parse(readFileSync(opts.render, 'utf8'));
    return writeOutputs({ meta: m, plan: p, tables, goals: evaluateGoals(tables) });
  }
  installCleanup();
  const loadStart = loadavg()[0];
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${plan.deadlineMin} minutes; stopping everything`);
    stopAll().finally(() => process.exit(1));
  }, plan.deadlineMin * 60_000);
  watchdog.unref();

  mkdirSync(ctx.work, { recursive: true });
  if (opts.node !== 'current') ctx.node = ensureNode(opts.node, ctx.work);
  const wrkVersion = plan.tables.some((t) => t.kind !== 'h2') ? ensureWrk() : null;
  if (plan.tables.some((t) => t.kind === 'h2')) {
    const why = ensureH2load();
    if (why) { console.error(`bench: the HTTP/2 table needs h2load: ${why}`); process.exit(1); }
  }
  const t0 = Date.now();
  console.log(`bench: ${plan.mode} mode, ${plan.rounds} round(s) of ${plan.durationS} s, tables: ${plan.tables.map((t) => `${t.kind ?? 'node'} ${t.workers} workers`).join(', ')}`);
  const tables = [];
  try {
    for (const spec of plan.tables) {
      const load = loadavg()[0];
      const table = await (spec.kind === 'h2' ? runH2Table : runTable)(spec, plan, ctx, only);
      table.measured = { command, date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), load: { start: load, end: loadavg()[0] } };
      tables.push(table);
    }
  } finally {
    await stopAll();
    for (const f of readdirSync(ctx.work)) if (/^access-\d+\.log$/.test(f)) rmSync(join(ctx.work, f), { force: true });
  }
  const all = [...keptTables(), ...tables];
  const run = { meta: meta(wrkVersion, loadStart), plan: { ...plan, tables: all.map(({ kind = 'node', workers, scenarios }) => ({ kind, workers, scenarios })) },
    tables: all, goals: evaluateGoals(all) };
  console.log(`bench: measured in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  writeOutputs(run);
}

main().catch(async (err) => {
  console.error(`bench: ${err.stack ?? err}`);
  await stopAll();
  process.exit(1);
});
