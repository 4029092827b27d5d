/**
 * Start the real tunicorn CLI (dist/cli.js) as a user would, and watch what it prints.
 *
 * Servers bind port 0 (or a unix socket) and the test reads the real address from the master's
 * "Listening at: URL (PID)" line: a port picked beforehand and bound later can be taken meanwhile
 * by another test file's server, and the test then talks to that one. Everything is started
 * through launch(), which stops it by pid when the file ends, pass or fail (see launch.ts).
 */
import { type ChildProcess, type StdioOptions } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import { fileURLToPath } from 'node:url';
import { fileTimeout, killGroup, launch } from './launch.js';
import { tcpPorts } from './proc.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = `${ROOT}dist/cli.js`;
export const FIXTURES = `${ROOT}test/fixtures`;
export const NODE = process.env.TUNICORN_TEST_NODE ?? process.execPath;

export { fileTimeout, launch };

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Flags for node itself, before the CLI (`node --max-old-space-size=64 dist/cli.js ...`). */
  nodeArgs?: string[];
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One bind as the master printed it: `Listening at: http://127.0.0.1:40123 (4242)`. */
export interface Bound {
  url: string;
  /** The port of a tcp bind (0 for unix:). */
  port: number;
  /** The pid that printed the line: the master's. */
  pid: number;
}

/** `Listening at: URL (PID)` lines in `out`, in bind order. */
export function listeningLines(out: string): Bound[] {
  // fd:// binds show the socket's address too: "Listening at: fd://3 (http://127.0.0.1:40123) (4242)"; TLS binds say https://.
  return [...out.matchAll(/Listening at: (\S+)(?: \((https?:\/\/\S+)\))? \((\d+)\)/g)].map((m) => ({
    url: m[2] ?? m[1]!,
    port: Number(/:(\d+)$/.exec(m[2] ?? m[1]!)?.[1] ?? 0),
    pid: Number(m[3]),
  }));
}

/** A launched command whose stdout and stderr are collected and can be waited on. */
export class Running {
  readonly proc: ChildProcess;
  readonly command: string;
  private out = '';
  private waiters: Array<() => void> = [];
  readonly exited: Promise<Exit>;

  /**
   * `env` is added to this process's environment, or is the whole environment with `inheritEnv:
   * false`. `stdio` must keep stdout and stderr as pipes; a fourth entry passes a descriptor or 'ipc'.
   */
  constructor(command: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; inheritEnv?: boolean; stdio?: StdioOptions } = {}) {
    this.command = [command, ...args].join(' ');
    const env = opts.inheritEnv === false ? { ...opts.env } : { ...process.env, ...opts.env };
    this.proc = launch(command, args, { cwd: opts.cwd ?? FIXTURES, env, stdio: opts.stdio ?? ['ignore', 'pipe', 'pipe'] });
    const collect = (chunk: Buffer) => {
      this.out += chunk.toString();
      for (const w of this.waiters.splice(0)) w();
    };
    this.proc.stdout!.on('data', collect);
    this.proc.stderr!.on('data', collect);
    // A command that cannot be spawned at all (ENOENT) emits 'error' and no 'exit'.
    this.exited = new Promise<Exit>((resolve) => {
      this.proc.once('exit', (code, signal) => resolve({ code, signal }));
      this.proc.once('error', (err) => {
        this.out += `spawn failed: ${err.message}\n`;
        resolve({ code: null, signal: null });
      });
    }).then((r) => {
      for (const w of this.waiters.splice(0)) w();
      return r;
    });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null && this.proc.pid !== undefined;
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
      if (!this.running) throw new Error(`${this.command} exited before printing ${re}; output:\n${this.out}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${ms} ms waiting for ${re} from ${this.command}; output:\n${this.out}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Wait for `n` "Listening at" lines (one per bind) and return them. */
  async listening(n = 1, ms = 15_000): Promise<Bound[]> {
    await this.waitFor(new RegExp(`(?:Listening at: [^\\n]*\\n[^]*?){${n}}`), ms);
    return listeningLines(this.out).slice(0, n);
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

  /** The exit, or an error with the output if there is none within `ms` (the file's after hook kills it). */
  async exitWithin(ms = 15_000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.command} (pid ${this.pid}) did not exit within ${ms} ms; output:\n${this.out}`)), ms);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Send `sig` and wait for the exit; after `ms` the whole process group is killed. */
  async stop(sig: NodeJS.Signals = 'SIGTERM', ms = 15_000): Promise<Exit> {
    if (this.running) this.proc.kill(sig);
    const timer = setTimeout(() => killGroup(this.proc), ms);
    const r = await this.exited;
    clearTimeout(timer);
    return r;
  }
}

/** The CLI run by node, as `node dist/cli.js ARGS` (the master is the launched pid). */
export class Tunicorn extends Running {
  constructor(args: string[], opts: RunOptions = {}) {
    super(NODE, [...(opts.nodeArgs ?? []), CLI, ...args], opts);
  }
}

/** Run the CLI to completion (for --help, bad config, --check-config); killed after `timeoutMs`. */
export async function runCli(args: string[], opts: RunOptions & { timeoutMs?: number } = {}): Promise<{ code: number | null; output: string; stdout: string; stderr: string }> {
  const proc = launch(NODE, [...(opts.nodeArgs ?? []), CLI, ...args], { cwd: opts.cwd ?? FIXTURES, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let output = '';
  proc.stdout!.on('data', (c: Buffer) => ((stdout += c), (output += c)));
  proc.stderr!.on('data', (c: Buffer) => ((stderr += c), (output += c)));
  const timer = setTimeout(() => killGroup(proc), opts.timeoutMs ?? 20_000);
  const [code] = (await once(proc, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, output, stdout, stderr };
}

/**
 * Start a server on loopback port 0 and wait until it answers. The port is the one on the master's
 * "Listening at" line or, when the test's log settings keep that line out of the output (a log
 * level above info, an error log file), the one its socket shows in /proc. `bind` adds binds after
 * the loopback one (their lines are in t.output when printed; see listeningLines).
 */
export async function startServer(
  args: string[],
  opts: RunOptions & { path?: string; workers?: number; bind?: string[]; serveMs?: number; tls?: https.RequestOptions } = {},
): Promise<{ t: Tunicorn; port: number; url: string }> {
  const binds = ['127.0.0.1:0', ...(opts.bind ?? [])];
  const t = new Tunicorn([...binds.flatMap((b) => ['--bind', b]), ...(opts.workers ? ['--workers', String(opts.workers)] : []), ...args], opts);
  const port = await boundPort(t).catch((err: Error) => {
    killGroup(t.proc);
    throw err;
  });
  const url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  await waitServing(url + (opts.path ?? '/'), t, opts.serveMs, opts.tls);
  return { t, port, url };
}

/** The port of the master's 127.0.0.1 bind, from its "Listening at" line or from /proc. */
async function boundPort(t: Running, ms = 15_000): Promise<number> {
  const deadline = Date.now() + ms;
  let seen = 0;
  for (;;) {
    const line = listeningLines(t.output).find((b) => /^https?:\/\/127\.0\.0\.1:/.test(b.url));
    if (line) return line.port;
    // The master also listens for a moment on a port it picks for a worker's inspector: a port
    // counts once two looks 50 ms apart both show it.
    const [fromProc] = tcpPorts(t.pid);
    if (fromProc && fromProc === seen) return fromProc;
    seen = fromProc ?? 0;
    if (!t.running) throw new Error(`${t.command} exited before binding; output:\n${t.output}`);
    if (Date.now() > deadline) throw new Error(`${t.command} bound no 127.0.0.1 port within ${ms} ms; output:\n${t.output}`);
    await sleep(50);
  }
}

/** `tls`: an https URL's client options (a server certificate the probe does not check, a client certificate). */
export async function waitServing(url: string, t?: Running, ms = 15_000, tls: https.RequestOptions = {}): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      // A one-off connection (Connection: close), so no idle keep-alive socket lingers in the server.
      await new Promise<void>((resolve, reject) => {
        const get = url.startsWith('https:')
          ? (u: string, o: https.RequestOptions, cb: (res: http.IncomingMessage) => void) => https.get(u, { rejectUnauthorized: false, ...tls, ...o }, cb)
          : http.get;
        const req = get(url, { agent: false, timeout: 2000 }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
      });
      return;
    } catch (err) {
      if (t && !t.running) throw new Error(`${t.command} exited before serving; output:\n${t.output}`);
      if (Date.now() > deadline) throw new Error(`not serving ${url}: ${(err as Error).message}; output:\n${t?.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
