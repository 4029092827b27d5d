/**
 * Start the real tunicorn CLI (dist/cli.js) as a user would, and watch what it prints.
 * Every server a test starts is stopped by pid when the test file ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';
import { freePort } from './net.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = `${ROOT}dist/cli.js`;
export const FIXTURES = `${ROOT}test/fixtures`;
export const NODE = process.env.TUNICORN_TEST_NODE ?? process.execPath;

const running = new Set<ChildProcess>();
after(() => {
  for (const p of running) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

export { freePort };

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Flags for node itself, before the CLI (`node --max-old-space-size=64 dist/cli.js ...`). */
  nodeArgs?: string[];
}

export class Tunicorn {
  readonly proc: ChildProcess;
  private out = '';
  private waiters: Array<() => void> = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], opts: RunOptions = {}) {
    this.proc = spawn(NODE, [...(opts.nodeArgs ?? []), CLI, ...args], { cwd: opts.cwd ?? FIXTURES, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(this.proc);
    const collect = (chunk: Buffer) => {
      this.out += chunk.toString();
      for (const w of this.waiters.splice(0)) w();
    };
    this.proc.stdout!.on('data', collect);
    this.proc.stderr!.on('data', collect);
    this.exited = once(this.proc, 'exit').then(([code, signal]) => {
      running.delete(this.proc);
      for (const w of this.waiters.splice(0)) w();
      return { code: code as number | null, signal: signal as NodeJS.Signals | null };
    });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** Everything printed so far (stdout and stderr, interleaved). */
  get output(): string {
    return this.out;
  }

  /** Wait until the output matches `re` (returns the match), or fail after `ms`. */
  async waitFor(re: RegExp, ms = 10_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = this.out.match(re);
      if (m) return m;
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) throw new Error(`tunicorn exited before printing ${re}; output:\n${this.out}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${re}; output:\n${this.out}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Count of lines matching `re`. */
  count(re: RegExp): number {
    return this.out.split('\n').filter((l) => re.test(l)).length;
  }

  /** Worker pids booted so far, in order. */
  workerPids(): number[] {
    return [...this.out.matchAll(/Booting worker with pid: (\d+)/g)].map((m) => Number(m[1]));
  }

  signal(sig: NodeJS.Signals): void {
    this.proc.kill(sig);
  }

  async stop(sig: NodeJS.Signals = 'SIGTERM', ms = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(sig);
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), ms);
    const r = await this.exited;
    clearTimeout(timer);
    return r;
  }
}

/** Run the CLI to completion (for --help, bad config, --check-config). */
export async function runCli(args: string[], opts: RunOptions & { timeoutMs?: number } = {}): Promise<{ code: number | null; output: string; stdout: string; stderr: string }> {
  const proc = spawn(NODE, [CLI, ...args], { cwd: opts.cwd ?? FIXTURES, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(proc);
  let stdout = '';
  let stderr = '';
  let output = '';
  proc.stdout.on('data', (c: Buffer) => ((stdout += c), (output += c)));
  proc.stderr.on('data', (c: Buffer) => ((stderr += c), (output += c)));
  const timer = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
  const [code] = (await once(proc, 'exit')) as [number | null];
  clearTimeout(timer);
  running.delete(proc);
  return { code, output, stdout, stderr };
}

/** Start a server on a free loopback port and wait until it answers. */
export async function startServer(args: string[], opts: RunOptions & { path?: string; workers?: number } = {}): Promise<{ t: Tunicorn; port: number; url: string }> {
  const port = await freePort();
  const t = new Tunicorn(['--bind', `127.0.0.1:${port}`, ...(opts.workers ? ['--workers', String(opts.workers)] : []), ...args], opts);
  const url = `http://127.0.0.1:${port}`;
  await waitServing(url + (opts.path ?? '/'), t);
  return { t, port, url };
}

export async function waitServing(url: string, t?: Tunicorn, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      // A one-off connection (Connection: close), so no idle keep-alive socket lingers in the server.
      await new Promise<void>((resolve, reject) => {
        const req = http.get(url, { agent: false, timeout: 2000 }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
      });
      return;
    } catch (err) {
      if (t && (t.proc.exitCode !== null || t.proc.signalCode !== null)) throw new Error(`tunicorn exited before serving; output:\n${t.output}`);
      if (Date.now() > deadline) throw new Error(`not serving ${url}: ${(err as Error).message}; output:\n${t?.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
