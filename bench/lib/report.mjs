// RESULTS.md and results.json from the tables of one run.
import { existsSync, readFileSync } from 'node:fs';
import { byId } from './scenarios.mjs';
import { contenderById as contender } from './suites.mjs';
import { noiseReference, ratioText } from './goals.mjs';
import { roundsFor } from './rounds.mjs';
import { spreadText } from './spread.mjs';
import { h2Section } from './h2-report.mjs';

const n0 = (x) => Math.round(x).toLocaleString('en-US');
const ms = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const mb = (x) => (x === undefined || x === null ? '—' : x.toFixed(1));
const mark = (met) => (met === true ? '✅ met' : met === false ? '❌ not met' : met === null ? '⚪ not measured' : '');

function cellText(table, cid, sid, show) {
  if (table.failed[cid] && !table.cells[cid]?.[sid]) return table.failed[cid].startsWith('not run') ? 'not run' : 'failed';
  const cell = table.cells[cid]?.[sid];
  if (!cell) return '—';
  if (cell.skipped) return 'n/a¹';
  const note = contender(cid)?.note?.[sid] ? '²' : '';
  return show(cell) + note;
}

function grid(table, title, show) {
  const head = `| Contender | ${table.scenarios.map((s) => byId(s).title).join(' | ')} |`;
  const rule = `|---|${table.scenarios.map(() => '---:').join('|')}|`;
  const rows = table.contenders.map((c) => `| ${c.label} | ${table.scenarios.map((s) => cellText(table, c.id, s, show)).join(' | ')} |`);
  return [`### ${title}`, '', head, rule, ...rows, ''].join('\n');
}

function memoryTable(table, rssRequests) {
  const lines = ['### Memory and start-up', '',
    `| Contender | start-up to first 200 (ms) | idle master RSS (MB) | idle per worker RSS (MB) | idle master / worker private (MB) | total RSS after ${n0(rssRequests)} requests (MB) | per worker after (MB) | total PSS idle / after (MB) | tree's pages counted once, idle / after (MB) |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|'];
  for (const c of table.contenders) {
    const m = table.memory[c.id];
    if (!m) { lines.push(`| ${c.label} | ${table.failed[c.id]?.startsWith('not run') ? 'not run' : 'failed'} | | | | | | | |`); continue; }
    lines.push(`| ${c.label} | ${n0(m.startupMs)} | ${mb(m.idle?.master)} | ${mb(m.idle?.workerMean)} (×${m.idle?.workers}) | ${mb(m.idle?.masterPrivate)} / ${mb(m.idle?.workerPrivateMean)} | ${mb(m.after?.total)} | ${mb(m.after?.workerMean)} | ${mb(m.idle?.pss)} / ${mb(m.after?.pss)} | ${mb(m.idle?.unique)} / ${mb(m.after?.unique)} |`);
  }
  return lines.join('\n') + '\n';
}

function specialsTable(s, kind) {
  if (!s) return '';
  const lines = [kind === 'python' ? '### Recycling (tunicorn + gevent, Flask, keep-alive 50 conns)' : '### Recycling and access log (tunicorn, Node listener, keep-alive 50 conns)', ''];
  if (s.skipped) return lines.concat(`Not run: ${s.skipped}.`, '').join('\n');
  lines.push('| Setting | req/s | p99 (ms) | failed requests | connections per worker: fewest–most (busiest worker\'s share, median / worst sample) | cost vs baseline |', '|---|---:|---:|---:|---:|---:|');
  for (const [name, r] of Object.entries(s)) {
    if (r.failed) { lines.push(`| ${r.label} | failed to start | | | | |`); continue; }
    if (kind === 'python') { // the running row recycles (the seed's 30000), the variant does not
      lines.push(`| ${r.label} | ${n0(r.variant.rps)} | ${ms(r.variant.p99)} | ${r.variant.errors} | ${spreadText(r.variant.spread)} | |`);
      lines.push(`| max_requests 30000, the seed's (${r.workersReplaced} workers replaced) | ${n0(r.base.rps)} | ${ms(r.base.p99)} | ${r.base.errors + r.base.non2xx} | ${spreadText(r.base.spread)} | ${((1 - r.base.rps / r.variant.rps) * 100).toFixed(1)}% |`);
      continue;
    }
    const base = name.startsWith('recycle') ? 'max_requests 0 (no recycling)' : 'access log off';
    const cost = `${((1 - r.variant.rps / r.base.rps) * 100).toFixed(1)}%`;
    const extra = name.startsWith('recycle') ? ` (${r.workersStarted} workers started)` : '';
    lines.push(`| ${base} | ${n0(r.base.rps)} | ${ms(r.base.p99)} | ${r.base.errors} | ${spreadText(r.base.spread)} | |`);
    lines.push(`| ${r.label.replace(/^tunicorn, Node listener, /, '')}${extra} | ${n0(r.variant.rps)} | ${ms(r.variant.p99)} | ${r.variant.errors} | ${spreadText(r.variant.spread)} | ${cost} |`);
  }
  return lines.join('\n') + '\n';
}

/** Keep-alive connections per worker process in the ka50 rounds (bench/lib/spread.mjs). */
function spreadSection(table) {
  const lines = ['### Keep-alive connections per worker (50 conns, sampled every 100 ms)', '',
    'Fewest–most connections one process held in any sample; the busiest worker\'s share of them (median over the samples, and the worst sample). An even split is ' + `${Math.round(100 / table.workers)}%.`, '',
    '| Contender | connections per worker |', '|---|---:|'];
  for (const c of table.contenders) if (table.cells[c.id]?.ka50?.spread) lines.push(`| ${c.label} | ${spreadText(table.cells[c.id].ka50.spread)} |`);
  return lines.join('\n') + '\n';
}

function tableSection(table, plan, i) {
  if (table.kind === 'h2') return h2Section(table, grid);
  const python = table.kind === 'python';
  const title = python ? `Python WSGI apps, the seed's configuration: ${table.workers} workers each`
    : i === 0 ? `Same worker count: ${table.workers} workers each` : `The seed's cpus*2+1: ${table.workers} workers each`;
  const out = [`## ${title}`, ''];
  if (table.measured) out.push(`Measured by \`${table.measured.command}\` on ${table.measured.date}; load average (1 min) before this table ${table.measured.load.start.toFixed(1)}, after ${table.measured.load.end.toFixed(1)} (the table's own load).`, '');
  if (python) out.push(PYTHON_NOTES, '');
  if (i === 0 && !python) out.push('![requests per second](chart.svg)', '');
  out.push(grid(table, 'Requests per second', (c) => n0(c.rps)));
  out.push(grid(table, 'Latency p50 / p99 (ms)', (c) => `${ms(c.p50)} / ${ms(c.p99)}`));
  out.push(grid(table, 'Errors (socket errors + non-2xx, all rounds)', (c) => String(c.errors)));
  if (table.contenders.some((c) => table.cells[c.id]?.ka50?.spread)) out.push(spreadSection(table));
  if (table.contenders.some((c) => Number.isFinite(table.cells[c.id]?.[table.scenarios[0]]?.cpuUs))) {
    out.push(grid(table, 'Server CPU per request (µs: utime + stime of the master and workers over the round, divided by requests)',
      (c) => (Number.isFinite(c.cpuUs) ? c.cpuUs.toFixed(1) : '—')));
  }
  out.push(memoryTable(table, plan.rssRequests));
  if (table.specials) out.push(specialsTable(table.specials, table.kind));
  return out.join('\n');
}

const PYTHON_NOTES = [
  'Every row runs examples/gunicorn.conf.py\'s settings (gevent, worker_connections 1000, max_requests 30000, timeout 15) unless its label says otherwise;',
  'tunicorn and Gunicorn read the file itself (`-c`), uWSGI gets the same settings as flags (`--gevent 1000 --gevent-monkey-patch --max-requests 30000 --harakiri 15`, HTTP parsed by uWSGI on its own socket with `--http-socket`).',
  'The apps are bench/apps/wsgi_app.py, flask_hello.py and django_app.py (Django with its default middleware); the sync and gthread rows serve the plain WSGI app.',
  'Each scenario takes the same rounds for every row, rows alternating; a goal\'s pair runs back to back (tunicorn, then Gunicorn) in each round.',
  'Memory: PSS (proportional set size) of the whole tree, master, fronts and Python workers, counts a page shared by several processes once, so it is the server\'s real footprint; RSS counts shared pages in every process.',
].join(' ');

/** The 1-minute load average before the run (the run itself loads every CPU, so its end says little). */
function loadLines({ load, cpus, note }) {
  if (!load) return note ? [note] : [];
  const busy = load.start > cpus / 2;
  return [`Load average (1 min) before the run: ${load.start.toFixed(1)} on ${cpus} CPUs`
    + (busy ? ' — **the machine was already busy with other work; the figures are noisier than usual.**' : '.')];
}

/** How many rounds each scenario took: the goals' scenarios take more in a full run. */
function roundsText(plan) {
  const more = [...new Set(plan.tables.flatMap((t) => t.scenarios))].map(byId).filter((s) => roundsFor(s, plan) > plan.rounds);
  if (!more.length) return `${plan.rounds} round(s)`;
  return `${plan.rounds} rounds (${more.map((s) => `${roundsFor(s, plan)} for ${s.title}`).join(', ')})`;
}

function goalsTable(title, intro, tables, goals) {
  if (!tables.length) return [];
  const out = [`## ${title}`, '', intro, '', `| Goal | Target | ${tables.map((t) => `${t.workers} workers`).join(' | ')} |`, `|---|---|${tables.map(() => '---').join('|')}|`];
  for (const g of goals) out.push(`| ${g.goal} | ${g.target} | ${g.results.map((r) => (r.met === undefined ? r.text : `${r.text} ${mark(r.met)}`)).join(' | ')} |`);
  return [...out, ''];
}

export function resultsMarkdown({ meta, plan, tables, goals }) {
  const out = ['# tunicorn benchmarks', '',
    `Generated by \`${meta.command ?? `npm run bench${plan.mode === 'quick' ? ' -- --quick' : ''}`}\` (${plan.mode} mode) on ${meta.date}.`,
    `Machine: ${meta.cpus} CPUs (${meta.cpuModel}), Linux ${meta.kernel}; ${meta.versions.join(', ')}.`,
    ...loadLines(meta),
    `Everything runs on 127.0.0.1 with wrk on the same machine (2 threads; h2load for the HTTP/2 table). Each figure is the median of ${roundsText(plan)}`
    + ` of ${plan.durationS} s per contender (8 s at 1000 connections), contenders alternating (A B C …, then … C B A) so machine drift cancels out.`,
    ...(plan.mode === 'quick' ? ['', '> Quick mode is a smoke check: single 1 s runs, one table, RSS after 20k requests. Its ratios are noisy; only a full run decides the goals.'] : []), '',
    ...goalsTable('Goals', 'Ratios between rows of the same table of this run. "tunicorn" goals are checked on the Node listener and fetch rows.',
      tables.filter((t) => (t.kind ?? 'node') === 'node'), goals.filter((g) => (g.kind ?? 'node') === 'node')),
    ...goalsTable('Python goals (issue 13)', 'tunicorn\'s rows over Gunicorn+gevent\'s of the same app in the Python table: the median of per-round ratios (the two ran back to back), with the rounds\' spread; "by CPU per request" is Gunicorn\'s server CPU per request over tunicorn\'s (above 100%: tunicorn spends less per request).',
      tables.filter((t) => t.kind === 'python'), goals.filter((g) => g.kind === 'python')),
    ...goalsTable('HTTP/2 ratios (issue 14)', 'Rows of the HTTP/2 table over another, the median of per-round ratios (the pair ran back to back) with the rounds\' spread, for each h2load scenario (c50m10: 50 connections × 10 streams; c10m100: 10 × 100).',
      tables.filter((t) => t.kind === 'h2'), goals.filter((g) => g.kind === 'h2'))];
  if (tables.some((t) => (t.kind ?? 'node') === 'node')) out.push('', 'Ratios against the cluster or PM2 are the median of per-round ratios: the two rows ran back to back in each round, the Node listener right before the plain cluster, the fetch app right after the cluster\'s twin. "rounds a–b" is their spread.', '');
  const noise = tables.map((t) => [t.workers, noiseReference(t)]).filter(([, rs]) => rs.length);
  if (noise.length) {
    out.push('**Noise reference.** Two identical plain clusters run back to back (the second copy over the first), measured like the goals:'
      + ` ${noise.map(([w, rs]) => `${w} workers ${rs.map((r) => `${byId(r.scenario).title} ${ratioText(r)}`).join(', ')}`).join('; ')}.`
      + ' A tunicorn ratio this far from 100% is within what the machine does to identical servers.', '');
  }
  tables.forEach((t, i) => out.push(tableSection(t, plan, i)));
  out.push('## Notes', '',
    '¹ n/a: the contender cannot express the scenario (nginx-light has no way to delay a response).',
    '² nginx answers the POST without handing the body to an app (it discards it): a transport ceiling, not an app reading 1 MB.',
    '³ uWSGI 2.0\'s `--http-socket` answers HTTP/1.0-style and closes the connection after each response (its `--http11-socket` served nothing with the gevent loop here); wrk counts each close as a read error and reconnects, so the uWSGI rows\' errors are those closes, not failed requests.', '',
    '- Gunicorn runs examples/gunicorn.conf.py, the seed\'s file as it is (gevent, worker_connections 1000, max_requests 30000, timeout 15); only bind and workers are set on the command line.',
    '- tunicorn rows run with `--max-requests 0` like the cluster and PM2 rows (no recycling); recycling is measured on its own above. Access log off (the default).',
    '- The plain cluster sets NODE_CLUSTER_SCHED_POLICY=none (workers accept themselves); PM2 keeps Node\'s default, its primary accepting and handing connections round-robin.',
    '- RSS is VmRSS from /proc for the master (the process started) and its descendants (workers). Private is Private_Clean + Private_Dirty from /proc/PID/smaps_rollup: memory no other process maps, what one more worker costs (RSS also counts the pages every Node process shares, such as the node binary\'s 35 MB).',
    '- For reference, the issue measured on its machine: plain cluster ×2 ~41k req/s keep-alive, Gunicorn gevent seed config ~13.7k, nginx ~71k; Connection: close: cluster (workers accept) ~12k, Gunicorn ~5.1k.', '');
  // The measured explanations of goals not met are written by hand, next to the harness.
  const limits = new URL('../limits.md', import.meta.url);
  if (existsSync(limits)) out.push(readFileSync(limits, 'utf8').trim(), '');
  const failures = tables.flatMap((t) => Object.entries(t.failed).map(([id, why]) => `- ${t.workers} workers, ${id}: ${why.split('\n')[0]}`));
  if (failures.length) out.push('Contenders that did not run or failed:', '', ...failures, '');
  return out.join('\n');
}

/** Flat rows: { workers, contender, scenario, rps, p50, p99, errors, rss, … }. */
export function resultsJson({ meta, plan, tables, goals }) {
  const rows = [];
  for (const t of tables) {
    for (const c of t.contenders) {
      for (const sid of t.scenarios) {
        const cell = t.cells[c.id]?.[sid];
        const status = cell?.skipped ? `skipped: ${cell.skipped}` : cell ? 'ok' : t.failed[c.id] ?? 'missing';
        rows.push({ table: t.kind ?? 'node', workers: t.workers, contender: c.id, scenario: sid, status,
          rps: cell?.rps ?? null, p50: cell?.p50 ?? null, p99: cell?.p99 ?? null, errors: cell?.errors ?? null, rss: cell?.rss ?? null,
          cpuUsPerRequest: Number.isFinite(cell?.cpuUs) ? cell.cpuUs : null });
      }
      const m = t.memory[c.id];
      if (m) {
        rows.push({ workers: t.workers, contender: c.id, scenario: 'idle', status: 'ok', rss: m.idle?.total ?? null,
          rssMaster: m.idle?.master ?? null, rssPerWorker: m.idle?.workerMean ?? null,
          privateMaster: m.idle?.masterPrivate ?? null, privatePerWorker: m.idle?.workerPrivateMean ?? null, startupMs: m.startupMs });
        rows.push({ workers: t.workers, contender: c.id, scenario: `after-${plan.rssRequests}-requests`, status: 'ok',
          rss: m.after?.total ?? null, rssMaster: m.after?.master ?? null, rssPerWorker: m.after?.workerMean ?? null, errors: m.afterErrors ?? null });
      }
    }
    for (const [name, s] of Object.entries(t.specials ?? {})) {
      if (!s?.base) continue;
      for (const [which, r] of [['base', s.base], ['variant', s.variant]]) {
        const baseId = t.kind === 'python' ? 't-flask' : 't-node';
        rows.push({ workers: t.workers, contender: which === 'base' ? baseId : `${baseId}-${name}`, scenario: `${name}-ka50`,
          status: 'ok', rps: r.rps, p50: r.p50, p99: r.p99, errors: r.errors, rss: null });
      }
    }
  }
  // tables: everything the report is made of, so that `--render results.json` can redo it.
  return JSON.stringify({ meta, plan, goals, rows, tables }, null, 2) + '\n';
}
