// How a server's connections spread over its worker processes during a round: every 100 ms, the
// established TCP connections on its port that each process of its tree holds (from /proc).
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { tree } from './procs.mjs';
import { median } from './rounds.mjs';

/** Socket inodes of the established connections whose local port is `port`. */
function establishedInodes(port) {
  const out = new Set();
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try { text = readFileSync(file, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // f[1] local address, f[3] state (01: ESTABLISHED), f[9] inode
      if (f.length > 9 && f[1].endsWith(hex) && f[3] === '01') out.add(f[9]);
    }
  }
  return out;
}

/** Established connections on `port` per process of rootPid's tree: [count, ...] for those holding any. */
function sample(rootPid, port) {
  const inodes = establishedInodes(port);
  const counts = [];
  for (const { pid } of tree(rootPid)) {
    let n = 0;
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        let target = '';
        try { target = readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { continue; }
        if (target.startsWith('socket:[') && inodes.has(target.slice(8, -1))) n++;
      }
    } catch { continue; }
    if (n > 0) counts.push(n);
  }
  return counts;
}

/**
 * Start sampling; stop() returns { samples, min, max, share, worstShare }: the fewest and most
 * connections one process held in any sample, and the busiest process's share of the connections
 * (median over the samples, and the worst sample) — 0.5 is an even split between 2 workers.
 */
export function watchSpread(rootPid, port, workers, everyMs = 100) {
  const samples = [];
  const take = () => {
    const c = sample(rootPid, port);
    // Fewer holders than workers: the idle ones hold none (a worker with no connection is counted as 0).
    while (c.length < workers) c.push(0);
    if (c.some((n) => n > 0)) samples.push(c);
  };
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      if (!samples.length) return null;
      const shares = samples.map((c) => Math.max(...c) / c.reduce((a, n) => a + n, 0));
      return { samples: samples.length, min: Math.min(...samples.map((c) => Math.min(...c))), max: Math.max(...samples.flat()),
        share: median(shares), worstShare: Math.max(...shares) };
    },
  };
}

/** The rounds' spreads as one: the extremes over all, the median of the rounds' medians, the worst sample. */
export function combineSpreads(list) {
  const s = list.filter(Boolean);
  if (!s.length) return null;
  return { samples: s.reduce((a, x) => a + x.samples, 0), min: Math.min(...s.map((x) => x.min)), max: Math.max(...s.map((x) => x.max)),
    share: median(s.map((x) => x.share)), worstShare: Math.max(...s.map((x) => x.worstShare)) };
}

/** "24–26 (busiest 51%, worst 54%)" */
export const spreadText = (s) => (s ? `${s.min}–${s.max} (busiest ${Math.round(s.share * 100)}%, worst ${Math.round(s.worstShare * 100)}%)` : '—');
