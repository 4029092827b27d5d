// Child processes started by the harness: spawn, process-tree walk, RSS, and stopping by pid.
// Every process we start is registered here and stopped when the harness ends (also on SIGINT).
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, readSync, openSync, closeSync } from 'node:fs';

const live = new Set(); // handles { child, stopSignal }

/** The fields of /proc/PID/stat after the command name (f[0] is the state), or null once it exited. */
function statFields(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch { return null; }
}

/**
 * pid, ppid, starttime and CPU ticks for every process: utime + stime (all threads) plus cutime +
 * cstime, the time of the children it has reaped (clock ticks; USER_HZ is 100 on Linux: 10 ms).
 */
function processTable() {
  const rows = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const f = statFields(name);
    if (f) rows.push({ pid: Number(name), ppid: Number(f[1]), start: f[19], cpu: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) });
  }
  return rows;
}

/** The process and all its descendants: [{ pid, start, cpu }], root first. */
export function tree(rootPid) {
  const rows = processTable();
  const out = rows.filter((r) => r.pid === rootPid);
  for (let i = 0; i < out.length; i++) {
    for (const r of rows) if (r.ppid === out[i].pid) out.push(r);
  }
  return out.map(({ pid, start, cpu }) => ({ pid, start, cpu }));
}

const startTime = (pid) => statFields(pid)?.[19] ?? null;

/** VmRSS of one process in MB (0 when gone). */
export function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch { return 0; }
}

/**
 * Private memory of one process in MB (Private_Clean + Private_Dirty of /proc/PID/smaps_rollup):
 * what the process costs on its own. RSS also counts pages shared with every other process, such
 * as the 35 MB of the node binary mapped into each Node process.
 */
export const privateMb = (pid) => smapsMb(pid, ['Private_Clean', 'Private_Dirty']);

/** Proportional memory (Pss) in MB: shared pages split among the processes sharing them, so a tree's sum counts each page once. */
export const pssMb = (pid) => smapsMb(pid, ['Pss']);

/**
 * Resident memory of a set of processes with every physical page counted once (MB), from
 * /proc/PID/pagemap (page frame numbers need root; null without them). Unlike a sum of PSS it does
 * not depend on other processes on the machine: PSS splits the node or python3 binary's pages with
 * every unrelated process that maps the same file, so a server's PSS drops when other Node
 * processes run. Pages shared with processes outside the set count in full.
 */
export function uniqueMb(pids) {
  const frames = new Set();
  for (const pid of pids) {
    let smaps, fd;
    try {
      smaps = readFileSync(`/proc/${pid}/smaps`, 'utf8');
      fd = openSync(`/proc/${pid}/pagemap`, 'r');
    } catch { continue; }
    try {
      let range = null;
      for (const line of smaps.split('\n')) {
        const head = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
        if (head) { range = head; continue; }
        if (!range || !line.startsWith('Rss:') || / 0 kB$/.test(line)) continue;
        const first = BigInt(`0x${range[1]}`) / 4096n;
        const buf = Buffer.alloc(Number((BigInt(`0x${range[2]}`) - BigInt(`0x${range[1]}`)) / 4096n) * 8);
        const n = readSync(fd, buf, 0, buf.length, first * 8n);
        for (let i = 0; i + 8 <= n; i += 8) {
          const e = buf.readBigUInt64LE(i);
          if (!(e >> 63n)) continue; // not present
          const pfn = e & ((1n << 55n) - 1n);
          if (pfn === 0n) return null; // no CAP_SYS_ADMIN: frame numbers read as 0
          frames.add(pfn);
        }
      }
    } catch { /* the process exited */ } finally { closeSync(fd); }
  }
  return (frames.size * 4096) / (1 << 20);
}

function smapsMb(pid, keys) {
  try {
    const s = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? 0);
    return keys.reduce((sum, k) => sum + kb(k), 0) / 1024;
  } catch { return 0; }
}

/**
 * CPU ticks used so far by a process tree: its live processes' own time plus what each has reaped,
 * so that a worker replaced during a round (Gunicorn's max_requests) still counts.
 */
export const treeCpuTicks = (rootPid) => tree(rootPid).reduce((sum, p) => sum + p.cpu, 0);
export const TICK_US = 10_000;

/** A Python server's CPU ticks by role: its master (the root), Python processes, and the rest (Node fronts). */
export function cpuByRole(rootPid) {
  const out = {};
  for (const p of tree(rootPid)) {
    let role = 'master';
    if (p.pid !== rootPid) {
      try { role = /python/.test(readFileSync(`/proc/${p.pid}/cmdline`, 'utf8')) ? 'python' : 'front'; } catch { role = 'gone'; }
    }
    out[role] = (out[role] ?? 0) + p.cpu;
  }
  return out;
}

const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** RSS of a process tree: master (root), each worker (descendants), total, in MB; and private memory. */
export function treeRss(rootPid) {
  const [root, ...rest] = tree(rootPid);
  if (!root) return null;
  const live = rest.map((p) => ({ pid: p.pid, rss: rssMb(p.pid) })).filter((p) => p.rss > 0);
  const workers = live.map((p) => p.rss);
  const master = rssMb(root.pid);
  const total = workers.reduce((a, b) => a + b, master);
  return {
    master, workerMean: mean(workers), workers: workers.length, total,
    masterPrivate: privateMb(root.pid), workerPrivateMean: mean(live.map((p) => privateMb(p.pid))),
    pss: live.reduce((sum, p) => sum + pssMb(p.pid), pssMb(root.pid)),
    unique: uniqueMb([root.pid, ...live.map((p) => p.pid)]),
  };
}

/**
 * Start a command with its stdout/stderr in logFile. Returns a handle with pid, exited
 * (a promise of the exit code), logTail() and stop(). stopSignal is the signal that asks the
 * program to shut down quickly (gunicorn: SIGINT, nginx/node: SIGTERM).
 */
export function start(cmd, args, { env, cwd, logFile, stopSignal = 'SIGTERM' } = {}) {
  const fd = openSync(logFile, 'w');
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, cwd, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const handle = adopt(child, stopSignal);
  handle.logTail = (n = 12) => {
    try { return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-n).join('\n'); } catch { return ''; }
  };
  return handle;
}

/** Track a spawned child until it exits, so that it is stopped when the harness ends. */
export function adopt(child, stopSignal = 'SIGTERM') {
  const handle = { child, pid: child.pid, stopSignal, exitCode: undefined, known: new Map() };
  // Remember the tree's pids while the root is alive: its orphans can be found after it exits.
  handle.remember = () => { for (const p of tree(handle.pid)) handle.known.set(p.pid, p.start); return handle; };
  handle.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => { handle.exitCode = code ?? signal; live.delete(handle); resolve(handle.exitCode); });
    child.on('error', (err) => { handle.exitCode = err.message; live.delete(handle); resolve(err.message); });
  });
  handle.stop = (graceMs = 5000) => stop(handle, graceMs);
  if (child.pid) live.add(handle.remember());
  return handle;
}

function signalPid(pid, start, sig) {
  if (startTime(pid) !== start) return; // gone, or the pid was reused by someone else
  try { process.kill(pid, sig); } catch { /* already gone */ }
}

/** Ask the root to stop; after graceMs SIGKILL every process of the tree still alive, by pid. */
export async function stop(handle, graceMs = 5000) {
  if (handle.exitCode === undefined) handle.remember();
  const procs = [...handle.known].map(([pid, start]) => ({ pid, start }));
  if (handle.exitCode === undefined) {
    try { process.kill(handle.pid, handle.stopSignal); } catch { /* gone */ }
    await Promise.race([handle.exited, sleep(graceMs)]);
  }
  // Workers of a quickly exiting master may outlive it for a moment; give them a short grace.
  const deadline = Date.now() + 1000;
  while (procs.some((p) => startTime(p.pid) === p.start) && Date.now() < deadline) await sleep(50);
  for (const p of procs) signalPid(p.pid, p.start, 'SIGKILL');
  if (handle.exitCode === undefined) await Promise.race([handle.exited, sleep(1000)]);
  live.delete(handle);
}

/** Stop everything still running (harness end, error or signal). */
export async function stopAll() {
  await Promise.all([...live].map((h) => stop(h, 3000)));
}

/** Last resort on process exit: SIGKILL whatever is still registered, synchronously. */
function killAllSync() {
  for (const h of live) for (const [pid, start] of h.remember().known) signalPid(pid, start, 'SIGKILL');
}

let installed = false;
export function installCleanup() {
  if (installed) return;
  installed = true;
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      process.stderr.write(`\n${sig}: stopping ${live.size} started process(es)…\n`);
      stopAll().finally(() => process.exit(130));
    });
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
