/** Driving a server's control socket with the real `tunicorn ctl` command, as a user would. */
import { runCli, sleep } from './cli.js';

export interface CtlRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `tunicorn ctl -s SOCK WORDS...`. */
export async function ctl(sock: string, ...words: string[]): Promise<CtlRun> {
  const r = await runCli(['ctl', '-s', sock, ...words]);
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
}

/** `tunicorn ctl -s SOCK --json WORDS...`, which must succeed; its parsed output. */
export async function ctlJson<T = Record<string, unknown>>(sock: string, ...words: string[]): Promise<T> {
  const r = await ctl(sock, '--json', ...words);
  if (r.code !== 0) throw new Error(`tunicorn ctl ${words.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout) as T;
}

export interface WorkerRow {
  pid: number;
  age: number;
  booted: boolean;
  aborted: boolean;
  last_heartbeat: number | null;
  kind: string;
  state: string;
  requests: number;
  uptime: number;
}

/** Poll `probe` until it returns a value other than undefined or false (never a timing assertion: only a bound on waiting). */
export async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    last = v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} (last: ${JSON.stringify(last)})`);
    await sleep(150);
  }
}

/** The workers once `n` of them are ready (and no other is alive). */
export function readyWorkers(sock: string, n: number, list: 'workers' | 'fronts' = 'workers'): Promise<WorkerRow[]> {
  return until(`${n} ready ${list}`, async () => {
    const rows = (await ctlJson<Record<string, WorkerRow[]>>(sock, 'show', 'workers'))[list]!;
    return rows.length === n && rows.every((w) => w.state === 'ready') && rows;
  });
}
