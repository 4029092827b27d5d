#!/usr/bin/env node
// What statsd costs: one-worker tunicorns side by side on loopback, statsd off and on (sending to
// a UDP agent this script binds and drains), statsd with the status bind on too, optionally a
// build from before statsd (--base-cli).
// Rounds alternate; each round sends a fixed number of keep-alive requests with autocannon and
// reads req/s, the worker's CPU per request and the master's (utime+stime from /proc/PID/stat).
//
//   node bench/statsd-overhead.mjs [--requests 100000] [--rounds 6] [--base-cli /path/to/old/dist/cli.js]
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, waitForOk } from './lib/net.mjs';
import { tree } from './lib/procs.mjs';

const { values: opts } = parseArgs({
  options: {
    requests: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '6' },
    'base-cli': { type: 'string' },
  },
});
const root = fileURLToPath(new URL('..', import.meta.url));
const autocannon = `${root}node_modules/.bin/autocannon`;
const TICK_US = 1e6 / 100; // USER_HZ

const cpuTicks = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
};

// The agent: counts what arrives, so the sends are real and nothing is refused.
const agent = dgram.createSocket('udp4');
let lines = 0;
agent.on('message', (m) => { for (let i = 0; i < m.length; i++) if (m[i] === 10) lines++; lines++; });
await new Promise((r) => agent.bind(0, '127.0.0.1', r));
const agentAddr = `127.0.0.1:${agent.address().port}`;

const variants = [
  ...(opts['base-cli'] ? [{ name: 'before statsd (base build)', cli: opts['base-cli'], args: [] }] : []),
  { name: 'statsd off', cli: `${root}dist/cli.js`, args: [] },
  { name: 'statsd on', cli: `${root}dist/cli.js`, args: ['--statsd-host', agentAddr] },
  // Issue 15's "both on": statsd and the status bind (Prometheus /metrics, health; nobody scraping).
  { name: 'statsd and status bind on', cli: `${root}dist/cli.js`, args: ['--statsd-host', agentAddr, '--status-bind', '127.0.0.1:0'] },
];
const servers = [];
try {
  for (const v of variants) {
    const port = await freePort();
    const proc = spawn(process.execPath, [v.cli, '-w', '1', '-b', `127.0.0.1:${port}`, '--max-requests', '0', ...v.args, 'node.mjs:default'], { cwd: `${root}bench/apps`, stdio: 'ignore' });
    servers.push({ ...v, port, proc, rps: [], worker: [], master: [] });
    await waitForOk(port, { since: performance.now() });
    const [master, worker] = tree(proc.pid);
    Object.assign(servers.at(-1), { masterPid: master.pid, workerPid: worker.pid });
  }
  const n = Number(opts.requests);
  // Asynchronous, so this process's agent socket drains while autocannon runs.
  const run = async (s, count) => JSON.parse((await promisify(execFile)(autocannon, ['-j', '-c', '20', '-a', String(count), `http://127.0.0.1:${s.port}/`], { maxBuffer: 1 << 24 })).stdout);
  for (const s of servers) await run(s, 20000); // warm-up
  for (let r = 0; r < Number(opts.rounds); r++) {
    for (const s of r % 2 ? [...servers].reverse() : servers) {
      const [w0, m0] = [cpuTicks(s.workerPid), cpuTicks(s.masterPid)];
      const t0 = performance.now();
      await run(s, n);
      const secs = (performance.now() - t0) / 1000; // autocannon's own duration is whole seconds
      // The master sends the last second's lines after the load: wait for them, as they are its cost.
      await new Promise((res) => setTimeout(res, 1200));
      s.rps.push(n / secs);
      s.worker.push(((cpuTicks(s.workerPid) - w0) * TICK_US) / n);
      s.master.push(((cpuTicks(s.masterPid) - m0) * TICK_US) / n);
    }
  }
} finally {
  for (const s of servers) s.proc.kill('SIGTERM');
  agent.close();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const low = (xs) => Math.min(...xs);
const [ref] = servers;
console.log(`${opts.requests} keep-alive requests x ${opts.rounds} rounds, 20 connections, one worker each; the agent got ${lines} lines`);
for (const s of servers) {
  const rate = s === ref ? '' : ` (${((median(s.rps) / median(ref.rps)) * 100).toFixed(1)}% of ${ref.name})`;
  const cpu = (xs) => `${low(xs).toFixed(2)} lowest, ${median(xs).toFixed(2)} median (${xs.map((x) => x.toFixed(2)).join(' ')})`;
  console.log(`  ${s.name}: ${median(s.rps).toFixed(0)} req/s median${rate} (${s.rps.map((x) => x.toFixed(0)).join(' ')})`);
  console.log(`    CPU µs per request: worker ${cpu(s.worker)}; master ${cpu(s.master)}`);
}
