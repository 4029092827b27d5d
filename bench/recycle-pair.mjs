// Recycling's cost, paired: for each build given (a dist/cli.js), a server with max_requests 0 and one with
// 30000 (Node 24, node.mjs, N workers), alternating 3 s wrk rounds at 50 keep-alive connections; req/s,
// server CPU per request and the busiest worker's share of the connections. W=workers R=rounds.
// node bench/recycle-pair.mjs /path/to/before/dist/cli.js dist/cli.js
import { launch } from './lib/launch.mjs';
import { runWrk } from './lib/wrk.mjs';
import { treeCpuTicks, TICK_US, installCleanup } from './lib/procs.mjs';
import { watchSpread } from './lib/spread.mjs';
import { join } from 'node:path';
import { ensureNode } from './lib/deps.mjs';
installCleanup();
const bench = new URL('.', import.meta.url).pathname;
const root = join(bench, '..');
const NODE = ensureNode('24', join(bench, '.work'));
const ctxFor = (cli) => ({ root, bench, apps: join(bench, 'apps'), work: join(bench, '.work'), cli, node: NODE });
const workers = Number(process.env.W ?? 2);
const rounds = Number(process.env.R ?? 4);
const mk = (id, mr, cli) => ({ id, label: id, prepare: () => null, command: ({ port, workers }) => ({ cmd: ctxFor(cli).node, args: [cli, '--bind', `127.0.0.1:${port}`, '--workers', String(workers), '--max-requests', String(mr), join(bench, 'apps', 'node.mjs')], cwd: root, stopSignal: 'SIGTERM' }), cli });
const clis = process.argv.slice(2);
const rows = clis.flatMap((cli, i) => [mk(`c${i}-mr0`, 0, cli), mk(`c${i}-mr30000`, 30000, cli)]);
const running = {};
for (const r of rows) running[r.id] = await launch(r, { workers, ctx: ctxFor(r.cli) });
const res = Object.fromEntries(rows.map((r) => [r.id, []]));
for (const r of rows) await runWrk({ port: running[r.id].port, connections: 50, durationS: 1, workDir: ctxFor(r.cli).work });
for (let k = 0; k < rounds; k++) {
  const order = k % 2 ? [...rows].reverse() : rows;
  for (const r of order) {
    const { handle, port } = running[r.id];
    const t0 = treeCpuTicks(handle.pid);
    const sp = watchSpread(handle.pid, port, workers);
    const w = await runWrk({ port, connections: 50, durationS: 3, workDir: ctxFor(r.cli).work });
    const s = sp.stop();
    const cpu = ((treeCpuTicks(handle.pid) - t0) * TICK_US) / w.requests;
    res[r.id].push(w.rps);
    console.log(`r${k + 1} ${r.id.padEnd(10)} ${Math.round(w.rps)} req/s cpu ${cpu.toFixed(1)} µs/req errors ${w.errors} busiest ${Math.round((s?.share ?? 0) * 100)}%`);
  }
}
for (let i = 0; i < clis.length; i++) {
  const ratios = res[`c${i}-mr30000`].map((x, k) => x / res[`c${i}-mr0`][k]).map((x) => x.toFixed(2));
  console.log(`${clis[i]}: mr30000/mr0 per round ${ratios.join(' ')}`);
}
for (const r of rows) await running[r.id].handle.stop();
process.exit(0);
