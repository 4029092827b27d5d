/**
 * Deploying: each production command line the shipped files give, run as its supervisor runs it,
 * in an app directory laid out as `npm ci` leaves one with tunicorn in its dependencies:
 * deploy/tunicorn.service's ExecStart (and its ExecReload, with Type=notify's messages read from a
 * stand-in for systemd's notification socket), the same behind deploy/tunicorn.socket through
 * systemd's own systemd-socket-activate, deploy/Dockerfile's CMD,
 * deploy/kubernetes.yaml's command, args and probes, deploy/ecosystem.config.cjs's script and args, and
 * deploy/logrotate.conf run by logrotate against a running server (deploy/nginx-site.conf: deploy-nginx.test.ts).
 *
 * The pid the supervisor holds, and signals, must be tunicorn's master: not npm (which does not
 * pass HUP, TTIN, TTOU, USR1 or USR2 on) and not a shell. On that pid HUP must reload (new workers
 * boot after "Handling signal: hup"), TTIN add a worker, and TERM stop the server with exit 0.
 *
 * systemd, Docker, Kubernetes and PM2 do not run here; the test runs what they would exec, with
 * the environment they would give it. The files' app directory (/srv/app, /app) is a temporary
 * directory; their command lines are otherwise run as written.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import type { StdioOptions } from 'node:child_process';
import { fileTimeout, ROOT, Running, sleep, startServer, waitServing } from './helpers/cli.js';
import { freePort } from './helpers/net.js';
import { childPids } from './helpers/proc.js';
import { notifySocket } from './helpers/notify.js';

fileTimeout(120);

const DEPLOY = join(ROOT, 'deploy');
const read = (name: string) => readFileSync(join(DEPLOY, name), 'utf8');
const TMP = mkdtempSync(join(tmpdir(), 'tunicorn-deploy-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

/**
 * An app as `npm ci` installs it: tunicorn in node_modules (a link to this checkout, as npm links a
 * local dependency) and its bin in node_modules/.bin (a link to dist/cli.js, as npm makes it).
 * Its tunicorn.config.ts binds port 0 on loopback, and the test reads the port the master printed.
 */
function deployedApp(): string {
  const dir = join(TMP, 'app');
  mkdirSync(join(dir, 'node_modules/.bin'), { recursive: true });
  symlinkSync(ROOT, join(dir, 'node_modules/tunicorn'));
  symlinkSync('../tunicorn/dist/cli.js', join(dir, 'node_modules/.bin/tunicorn'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { tunicorn: '*' } }));
  writeFileSync(join(dir, 'app.js'), "export default () => new Response('deployed app');\n");
  writeFileSync(join(dir, 'tunicorn.config.ts'), "import { defineConfig } from 'tunicorn';\n\nexport default defineConfig({ bind: '127.0.0.1:0', workers: 2 });\n");
  return dir;
}
const APP = deployedApp();

/** The file's app directory moved to APP: `/srv/app/x` → `APP/x`. */
const reroot = (root: string) => (s: string) => (s === root || s.startsWith(`${root}/`) ? APP + s.slice(root.length) : s);

/**
 * systemd and Docker start the command with a small environment of their own: PATH (node's own
 * directory first, for the bin's `#!/usr/bin/env node`, wherever this machine keeps node) and the
 * file's variables.
 */
const basePath = `${dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;

interface Launch {
  argv: string[];
  cwd: string;
  /** The whole environment the supervisor gives the command. */
  env: NodeJS.ProcessEnv;
  stdio?: StdioOptions;
  /** How the supervisor sends HUP to the pid it holds (systemd runs ExecReload). */
  reload?: (pid: number) => Promise<void>;
  /** Type=notify: what systemd's notification socket received so far. */
  notified?: Running;
  /** The address the supervisor holds (socket activation): the test connects first, which starts the command. */
  activatedAt?: string;
  /** With a status bind: what the orchestrator asks of it once the server serves (each must succeed). */
  health?: (status: string) => Promise<void>;
}

/** The file's status bind (a fixed port in a container) moved to loopback port 0; the test reads the port tunicorn printed. */
const statusOnLoopback = (args: string[]) => args.map((a, i) => (args[i - 1] === '--status-bind' ? '127.0.0.1:0' : a));

/** Start `how` as the supervisor would; on the pid it holds: check it is the master, then HUP, TTIN, TERM. */
async function superviseAndSignal(how: Launch): Promise<void> {
  // Without `shell`: the supervisor execs argv itself, so the launched pid is the pid it holds.
  const t = new Running(how.argv[0]!, how.argv.slice(1), { cwd: how.cwd, env: how.env, inheritEnv: false, stdio: how.stdio });
  const pid = t.pid;
  // The first connection to an activated socket starts the server, which then answers it.
  if (how.activatedAt) await t.waitFor(/Listening on \S+ as 3\./);
  const first = how.activatedAt ? fetch(how.activatedAt).then((r) => r.text()) : null;
  const [bound] = await t.listening(1, 30_000);
  if (first) assert.equal(await first, 'deployed app', 'the connection that started it is served');
  assert.equal(bound!.pid, pid, `the master is pid ${bound!.pid}, but the supervisor holds pid ${pid}:\n${t.output}`);
  assert.match(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /^tunicorn: master \[app\.js\]/);
  assert.equal(readlinkSync(`/proc/${pid}/exe`), readlinkSync(`/proc/self/exe`), 'node itself, the same binary as the test');
  const url = `http://127.0.0.1:${bound!.port}/`;
  await waitServing(url, t);
  await t.waitFor(/(?:Booting worker with pid: \d+[^]*?){2}/);
  assert.equal(await (await fetch(url)).text(), 'deployed app');
  const status = how.health ? (await t.waitFor(/Status at: (http:\/\/\S+)/))[1]! : null;
  if (status) await how.health!(status);
  await how.notified?.waitFor(new RegExp(`^READY=1 STATUS=Serving with 2 workers MAINPID=${pid}$`, 'm'));

  if (how.reload) await how.reload(pid);
  else process.kill(pid, 'SIGHUP');
  await t.waitFor(new RegExp(`\\[${pid}\\] \\[INFO\\] Handling signal: hup\\n(?:[^]*?Booting worker with pid: \\d+){2}`), 20_000);
  await waitWorkers(pid, 2, t);
  assert.equal(await (await fetch(url)).text(), 'deployed app', 'serving after the reload');
  await how.notified?.waitFor(/^RELOADING=1 [^\n]*\n(?:STATUS=[^\n]*\n)*READY=1 /m);

  process.kill(pid, 'SIGTTIN');
  await t.waitFor(new RegExp(`\\[${pid}\\] \\[INFO\\] Handling signal: ttin\\n[^]*?Booting worker with pid: \\d+`), 20_000);
  await waitWorkers(pid, 3, t);

  process.kill(pid, 'SIGTERM');
  if (status && how.argv.includes('--shutdown-delay')) {
    // Kubernetes drains: not ready at once, still serving through shutdown_delay.
    await t.waitFor(/Not ready any more; serving for shutdown_delay/);
    assert.equal((await fetch(`${status}/readyz`)).status, 503);
    assert.equal(await (await fetch(url)).text(), 'deployed app', 'serving during shutdown_delay');
  }
  assert.deepEqual(await t.exitWithin(20_000), { code: 0, signal: null }, t.output);
  assert.match(t.output, new RegExp(`\\[${pid}\\] \\[INFO\\] Handling signal: term\\n[^]*\\[${pid}\\] \\[INFO\\] Shutting down: Master`));
  await how.notified?.waitFor(/^STOPPING=1/m);
  await how.notified?.stop();
}

/** Whether `ok` comes true within `ms`, asked every 200 ms. */
async function eventually(ok: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(200)) if (await ok()) return true;
  return false;
}

/** The [Section] of a unit file: each key's values. */
function unitSection(file: string, section: string): (key: string) => string[] {
  const body = read(file).split(`\n[${section}]\n`)[1]!.split('\n[')[0]!;
  return (key) => [...body.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!.trim());
}

/** deploy/tunicorn.service's command, environment and reload, as systemd would run them. */
async function serviceLaunch(): Promise<Launch> {
  const values = unitSection('tunicorn.service', 'Service');
  const [dir] = values('WorkingDirectory');
  const move = reroot(dir!);
  const env = Object.fromEntries(
    values('Environment')
      .flatMap((v) => v.split(/\s+/))
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  // TERM to the main process alone; with the default KillMode (control-group) systemd would TERM the workers too.
  assert.deepEqual([values('KillMode'), values('KillSignal')], [['mixed'], ['SIGTERM']]);
  // systemd-notify speaks for the master, and a USR2 master announces itself: both need NotifyAccess=all.
  assert.deepEqual([values('Type'), values('NotifyAccess')], [['notify'], ['all']]);
  const { path, socket } = await notifySocket();
  const reload = plainCommandLine(values('ExecReload')[0]!);
  assert.ok(reload.includes('$MAINPID'), 'ExecReload signals $MAINPID');
  return {
    argv: plainCommandLine(values('ExecStart')[0]!).map(move),
    cwd: move(dir!),
    env: { PATH: basePath, ...env, NOTIFY_SOCKET: path },
    notified: socket,
    async reload(pid) {
      const kill = new Running(
        reload[0]!,
        reload.slice(1).map((a) => (a === '$MAINPID' ? String(pid) : a)),
      );
      assert.equal((await kill.exitWithin(5000)).code, 0, kill.output);
    },
  };
}

/** Wait until the master has exactly `n` live workers (retiring ones gone, new ones titled). */
async function waitWorkers(master: number, n: number, t: Running): Promise<void> {
  const workers = () =>
    childPids(master).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('tunicorn: worker');
      } catch {
        return false;
      }
    });
  const deadline = Date.now() + 20_000;
  while (workers().length !== n && Date.now() < deadline) await sleep(50);
  assert.equal(workers().length, n, `workers of ${master}: ${workers().join(' ')}\n${t.output}`);
}

/** systemd splits a command line on whitespace, with quoting and specifiers this test does not need. */
function plainCommandLine(line: string): string[] {
  assert.doesNotMatch(line, /["'\\%;]|^[-@:+!]/, `a plain command line, without quotes, specifiers or prefixes: ${line}`);
  return line.trim().split(/\s+/);
}

describe('each production command line the shipped files give: the pid its supervisor signals is the master', () => {
  test('deploy/tunicorn.service: ExecStart as systemd runs it (Type=notify: READY=1, RELOADING=1, STOPPING=1), ExecReload for HUP, TTIN and TERM (KillMode=mixed) to $MAINPID', async () => {
    await superviseAndSignal(await serviceLaunch());
  });

  test("deploy/tunicorn.socket: the service started by systemd-socket-activate on the socket's ListenStream, served on the inherited fd 3", async () => {
    const listen = unitSection('tunicorn.socket', 'Socket')('ListenStream');
    assert.match(listen.join(), /^\d+$/, 'one port');
    // The socket's port moved to a free loopback one: systemd-socket-activate cannot report a port it picked.
    const port = await freePort();
    const how = await serviceLaunch();
    const vars = Object.entries(how.env).flatMap(([k, v]) => ['-E', `${k}=${v}`]);
    await superviseAndSignal({ ...how, argv: ['systemd-socket-activate', '-l', `127.0.0.1:${port}`, ...vars, ...how.argv], activatedAt: `http://127.0.0.1:${port}/` });
  });

  test("deploy/Dockerfile: ENTRYPOINT and CMD exec'd as the container's process 1 (docker kill -s HUP / TTIN, docker stop), its HEALTHCHECK, a non-root USER", async () => {
    const dockerfile = read('Dockerfile');
    const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    assert.match(dockerfile, /^FROM \S+ AS deps$/m, 'multi-stage: dependencies installed in a stage of their own');
    assert.match(final, /^COPY --from=deps /m);
    const user = /^USER (\S+)$/m.exec(final)?.[1];
    assert.ok(user && user !== 'root' && user !== '0', `the app runs as an unprivileged user (USER ${user})`);
    const workdir = /^WORKDIR (\S+)$/m.exec(final)![1]!;
    const exec = (key: string) => {
      const line = new RegExp(`^${key} (.*)$`, 'm').exec(final)![1]!;
      assert.match(line, /^\[.*\]$/, `${key} in the exec form: with the shell form /bin/sh would be process 1`);
      return JSON.parse(line) as string[];
    };
    const healthcheck = JSON.parse(/^HEALTHCHECK .*?CMD (\[.*\])$/m.exec(final)![1]!) as string[];
    const env = Object.fromEntries([...final.matchAll(/^ENV (\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    const move = reroot(workdir);
    await superviseAndSignal({
      argv: statusOnLoopback([...exec('ENTRYPOINT'), ...exec('CMD')]).map(move),
      cwd: move(workdir),
      env: { PATH: basePath, ...env },
      async health(status) {
        const port = new URL(status).port;
        const run = async () => {
          const check = new Running(
            healthcheck[0]!,
            healthcheck.slice(1).map((a) => a.replace(':9090/', `:${port}/`)),
            { env: { PATH: basePath } },
          );
          return (await check.exitWithin(10_000)).code === 0;
        };
        // Healthy once a worker has sent a heartbeat (Docker's start-period allows for it).
        assert.ok(await eventually(run), 'HEALTHCHECK passes');
      },
    });
  });

  test("deploy/kubernetes.yaml: the container's command and args (the kubelet's TERM; kill -HUP 1 and -TTIN 1 in the pod), each probe against the server, the grace period above the stop's length", async () => {
    const manifest = read('kubernetes.yaml');
    const list = (key: string) => JSON.parse(new RegExp(`^\\s+${key}: (\\[.*\\])$`, 'm').exec(manifest)![1]!) as string[];
    const workdir = /^\s+workingDir: (\S+)$/m.exec(manifest)![1]!;
    const env = Object.fromEntries([...manifest.matchAll(/- name: (\w+)\n\s+value: (\S+)/g)].map((m) => [m[1]!, m[2]!]));
    const probes = [...manifest.matchAll(/^\s+(startup|readiness|liveness)Probe:\n\s+httpGet:\n\s+path: (\S+)\n\s+port: status$/gm)].map((m) => [m[1]!, m[2]!]);
    assert.deepEqual(
      probes.map(([kind]) => kind),
      ['startup', 'readiness', 'liveness'],
    );
    const args = list('args');
    const delay = Number(args[args.indexOf('--shutdown-delay') + 1]);
    const preStop = Number(/preStop:\n\s+exec:\n\s+command: \["\/bin\/sleep", "(\d+)"\]/.exec(manifest)![1]);
    const grace = Number(/terminationGracePeriodSeconds: (\d+)/.exec(manifest)![1]);
    assert.ok(grace > preStop + delay + 30, `terminationGracePeriodSeconds ${grace} > preStop ${preStop} + shutdown_delay ${delay} + graceful_timeout 30`);
    assert.match(manifest, /^kind: Service$/m);
    const move = reroot(workdir);
    await superviseAndSignal({
      argv: statusOnLoopback([...list('command'), ...args]).map(move),
      cwd: move(workdir),
      env: { PATH: basePath, ...env },
      async health(status) {
        // The startup probe retries until the workers have booted and beat; then the others pass at once.
        for (const [kind, path] of probes) {
          const ok = async () => (await fetch(status + path!)).status === 200;
          assert.ok(kind === 'startup' ? await eventually(ok) : await ok(), `${kind}Probe ${path}`);
        }
      },
    });
  });

  test('deploy/logrotate.conf: logrotate -f moves the logs aside, and the USR1 of its postrotate makes master and workers write new ones', async () => {
    const dir = mkdtempSync(join(TMP, 'logrotate-'));
    mkdirSync(join(dir, 'log'));
    mkdirSync(join(dir, 'run'));
    // The file's directories moved to a temporary one; nothing else changes.
    const conf = join(dir, 'logrotate.conf');
    writeFileSync(conf, read('logrotate.conf').replaceAll('/var/log/app/', `${dir}/log/`).replaceAll('/run/app/', `${dir}/run/`));
    const log = (name: string) => join(dir, 'log', name);
    const { t, url } = await startServer(['--access-logfile', log('access.log'), '--error-logfile', log('error.log'), '--pid', join(dir, 'run/tunicorn.pid'), 'app.js'], { cwd: APP, workers: 2 });
    const lines = (name: string, re: RegExp) =>
      existsSync(log(name))
        ? readFileSync(log(name), 'utf8')
            .split('\n')
            .filter((l) => re.test(l)).length
        : 0;
    for (let i = 0; i < 6; i++) await (await fetch(`${url}/before`)).text();
    assert.ok(await eventually(async () => lines('access.log', /GET \/before/) === 6), 'the access log has the first requests');
    const rotate = new Running('logrotate', ['-f', '-s', join(dir, 'state'), conf], { cwd: dir });
    assert.equal((await rotate.exitWithin(10_000)).code, 0, rotate.output);
    await t.waitFor(/Handling signal: usr1/).catch(() => undefined);
    await sleep(300);
    for (let i = 0; i < 6; i++) await (await fetch(`${url}/after`)).text();
    assert.ok(await eventually(async () => lines('access.log', /GET \/after/) === 6), 'the new access log has the later requests');
    assert.equal(lines('access.log', /GET \/before/), 0);
    assert.deepEqual([lines('access.log.1', /GET \/before/), lines('access.log.1', /GET \/after/)], [6, 0], 'the rotated file has the earlier requests only');
    assert.ok(lines('error.log.1', /Booting worker/) >= 2, 'the error log was rotated too');
    assert.ok(await eventually(async () => lines('error.log.1', /Handling signal: usr1/) + lines('error.log', /Handling signal: usr1/) === 1), 'USR1 reached the master');
    assert.equal((await t.stop()).code, 0);
  });

  test('deploy/ecosystem.config.cjs: script and args as PM2 spawns them in fork mode (pm2 sendSignal SIGHUP / SIGTTIN, then TERM)', async () => {
    const [app] = (createRequire(import.meta.url)(join(DEPLOY, 'ecosystem.config.cjs')) as { apps: Array<Record<string, unknown>> }).apps;
    // With interpreter 'none' PM2 spawns the script itself; with its default it would run it inside its own wrapper.
    assert.deepEqual([app!.interpreter, app!.exec_mode, app!.instances, app!.treekill], ['none', 'fork', 1, false]);
    const cwd = reroot(app!.cwd as string)(app!.cwd as string);
    const args = (Array.isArray(app!.args) ? (app!.args as string[]) : String(app!.args).split(' ')).map(reroot(app!.cwd as string));
    await superviseAndSignal({
      // PM2 resolves the script against cwd and spawns it with an IPC channel, its daemon's environment plus the app's.
      argv: [resolve(cwd, app!.script as string), ...args],
      cwd,
      env: { ...process.env, ...(app!.env as Record<string, string>) },
      stdio: ['pipe', 'pipe', 'pipe', 'ipc'],
    });
  });
});
