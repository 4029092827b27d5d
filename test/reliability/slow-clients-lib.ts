/**
 * Slow-client attacks (Debian's slowhttptest) and what normal clients see meanwhile. Shared by
 * slow-clients.test.ts (short, in npm test), slow-clients.long.ts (npm run test:reliability) and
 * compare-gunicorn.ts (by hand: the same attacks against Gunicorn+gevent with the seed's config).
 * Loopback only; every attack is bounded by slowhttptest's own -l and killed by pid if it overruns.
 */
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import { loadavg } from 'node:os';
import autocannon from 'autocannon';

export const SLOWHTTPTEST = 'slowhttptest';
export const APT_HINT = 'apt-get install -y slowhttptest';

/** null when slowhttptest can run, or why it cannot. */
export function slowhttptestMissing(): string | null {
  const r = spawnSync(SLOWHTTPTEST, ['-h'], { stdio: 'ignore' });
  return r.error ? `slowhttptest is not installed (Debian package: ${APT_HINT})` : null;
}

/** The shell's open-file limits (soft, hard) as this process and its children inherit them. */
export function fdLimits(): { soft: number; hard: number } {
  const read = (flag: string) => {
    const out = spawnSync('sh', ['-c', `ulimit ${flag} -n`], { encoding: 'utf8' }).stdout.trim();
    return out === 'unlimited' ? Infinity : Number(out);
  };
  return { soft: read('-S'), hard: read('-H') };
}

export type Mode = 'headers' | 'body' | 'read';
export const FLAG: Record<Mode, string> = { headers: '-H', body: '-B', read: '-X' };
export const LABEL: Record<Mode, string> = { headers: 'slow headers (slowloris)', body: 'slow body (R-U-Dead-Yet)', read: 'slow read' };
/**
 * The path each attack targets: the body attack needs a route that reads the body (an app that
 * answers without reading it closes the connection at once), and slow read needs a response larger
 * than the socket buffers (100 KB), or the kernel takes it all and there is nothing to hold.
 */
export const PATH: Record<Mode, string> = { headers: '/', body: '/upload', read: '/big' };

export interface Status {
  second: number;
  pending: number;
  connected: number;
  closed: number;
  error: number;
  available: boolean;
}

export interface AttackResult {
  mode: Mode;
  statuses: Status[];
  exitStatus: string;
  endedOn: number;
  /** slowhttptest's last status block, as it printed it (colours stripped). */
  summary: string;
  maxConnected: number;
  /** Status lines (every 5 s) where slowhttptest's own probe found the service unavailable. */
  unavailable: number;
}

export interface AttackOptions {
  mode: Mode;
  url: string;
  connections: number;
  seconds: number;
  /** Connections opened per second. */
  rate?: number;
  /** Seconds between follow-up data (headers, body); slowhttptest's default is 10. */
  interval?: number;
}

/** Run one slowhttptest attack to its end (its -l), with the open-file limit raised to the hard limit. */
export function attack(opts: AttackOptions): { done: Promise<AttackResult>; pid: number } {
  const args = [FLAG[opts.mode], '-c', String(opts.connections), '-r', String(opts.rate ?? 1000), '-l', String(opts.seconds), '-i', String(opts.interval ?? 10), '-u', opts.url];
  // slowhttptest needs one descriptor per connection.
  const proc = spawn('sh', ['-c', 'ulimit -n "$(ulimit -H -n)" 2>/dev/null; exec "$0" "$@"', SLOWHTTPTEST, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (c: Buffer) => (out += c));
  proc.stderr.on('data', (c: Buffer) => (out += c));
  const killer = setTimeout(() => proc.kill('SIGKILL'), (opts.seconds + 30) * 1000);
  const done = new Promise<AttackResult>((resolve) => {
    proc.on('close', () => {
      clearTimeout(killer);
      resolve(parse(opts.mode, out));
    });
  });
  return { done, pid: proc.pid! };
}

export function parse(mode: Mode, raw: string): AttackResult {
  // eslint-disable-next-line no-control-regex
  const text = raw.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  const statuses: Status[] = [];
  const re = /status on (\d+)\w* second:\s+initializing:\s+\d+\s+pending:\s+(\d+)\s+connected:\s+(\d+)\s+error:\s+(\d+)\s+closed:\s+(\d+)\s+service available:\s+(YES|NO)/g;
  let lastBlock = '';
  for (const m of text.matchAll(re)) {
    statuses.push({ second: Number(m[1]), pending: Number(m[2]), connected: Number(m[3]), error: Number(m[4]), closed: Number(m[5]), available: m[6] === 'YES' });
    lastBlock = m[0];
  }
  const exitStatus = /Exit status:\s*(.+)/.exec(text)?.[1]?.trim() ?? `(none; output: ${text.slice(-300)})`;
  const endedOn = Number(/Test ended on (\d+)/.exec(text)?.[1] ?? -1);
  const summary = lastBlock.replace(/\s+/g, ' ').replace(/^status on /, 'on ');
  return {
    mode,
    statuses,
    exitStatus,
    endedOn,
    summary,
    maxConnected: Math.max(0, ...statuses.map((s) => s.connected)),
    unavailable: statuses.filter((s) => !s.available).length,
  };
}

export interface NormalResult {
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  p50: number;
  p99: number;
  max: number;
}

/** Normal clients: a few keep-alive connections at a modest rate, as users of a site would be. */
export async function normalClients(url: string, seconds: number, connections = 4, rate = 200): Promise<NormalResult> {
  const r = await autocannon({ url, duration: seconds, connections, overallRate: rate, timeout: 10 });
  return { requests: r.requests.total, errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx, p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max };
}

export interface ProbeResult {
  requests: number;
  failures: number;
  /** Those over 500 ms: "seconds into the probe: milliseconds". */
  slow: string[];
  p50: number;
  p99: number;
  max: number;
}

/**
 * New visitors: every `everyMs` a fresh connection (no keep-alive), timed from connect() to the end
 * of the response. Under a connection flood these wait in the kernel's listen queue behind the
 * attacker's connections, which keep-alive clients already served never see.
 */
export function freshConnections(url: string, everyMs = 250, timeoutMs = 10_000): { stop: () => Promise<ProbeResult> } {
  const times: number[] = [];
  /** When (seconds into the probe) a new connection took over 500 ms, and how long. */
  const slow: string[] = [];
  const begun = Date.now();
  let failures = 0;
  const pending = new Set<Promise<void>>();
  const one = () => {
    const started = Date.now();
    const p = new Promise<void>((resolve) => {
      const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) {
            times.push(Date.now() - started);
            if (Date.now() - started > 500) slow.push(`${((started - begun) / 1000).toFixed(1)}s: ${Date.now() - started} ms`);
          } else failures++;
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        failures++;
        resolve();
      });
    });
    pending.add(p);
    void p.then(() => pending.delete(p));
  };
  const timer = setInterval(one, everyMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await Promise.all(pending);
      return { requests: times.length + failures, failures, ...percentiles(times), slow };
    },
  };
}

export function percentiles(values: number[]): { p50: number; p99: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  const q = (f: number) => s[Math.min(s.length - 1, Math.ceil(f * s.length) - 1)] ?? -1;
  return { p50: q(0.5), p99: q(0.99), max: s.at(-1) ?? -1 };
}

export interface RoundResult {
  attack: AttackResult;
  normal: NormalResult;
  fresh: ProbeResult;
  /** The 1-minute load average when the round ended (the machine has 2 cores; other work shows here). */
  load: number;
}

/**
 * One round: start the attack, let it ramp up for `rampSeconds`, then measure normal clients (and a
 * fresh-connection probe) until `measureSeconds` have passed; wait for the attack to end.
 */
export async function round(opts: {
  mode: Mode;
  base: string;
  connections: number;
  seconds: number;
  rampSeconds?: number;
  measureSeconds?: number;
  rate?: number;
  interval?: number;
}): Promise<RoundResult> {
  const ramp = opts.rampSeconds ?? 2;
  const measure = opts.measureSeconds ?? opts.seconds - ramp - 2;
  const a = attack({ mode: opts.mode, url: opts.base + PATH[opts.mode], connections: opts.connections, seconds: opts.seconds, rate: opts.rate, interval: opts.interval });
  await new Promise((r) => setTimeout(r, ramp * 1000));
  const probe = freshConnections(opts.base + '/');
  const normal = await normalClients(opts.base + '/', measure);
  const fresh = await probe.stop();
  const attackResult = await a.done;
  return { attack: attackResult, normal, fresh, load: loadavg()[0]! };
}

export function describe(r: RoundResult): string {
  const n = r.normal;
  const f = r.fresh;
  const a = r.attack;
  return (
    `${LABEL[a.mode]}: normal clients ${n.requests} requests, ${n.errors} errors, ${n.timeouts} timeouts, ${n.non2xx} non-2xx, ` +
    `p50 ${n.p50} ms, p99 ${n.p99} ms, max ${n.max} ms; fresh connections ${f.requests - f.failures}/${f.requests} served, p50 ${f.p50} ms, p99 ${f.p99} ms, max ${f.max} ms${f.slow.length ? ` (over 500 ms at ${f.slow.slice(0, 6).join(', ')}${f.slow.length > 6 ? ', …' : ''})` : ''}; ` +
    `slowhttptest: max connected ${a.maxConnected}, service unavailable in ${a.unavailable}/${a.statuses.length} checks, last status ${a.summary}; exit: ${a.exitStatus}; load average ${r.load.toFixed(1)}`
  );
}
