/**
 * The real CLI, end to end: --help, --version, --print-config through every layer, --check-config,
 * config-file discovery, one-line errors before anything binds, and hooks from a TS config that run.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import { FIXTURES, ROOT, runCli, startServer, Tunicorn, waitServing } from './helpers/cli.js';
import { SETTINGS } from '../src/config/settings.js';

const TMP = mkdtempSync(join(tmpdir(), 'tunicorn-cli-'));
after(() => rmSync(TMP, { recursive: true, force: true }));
const APP = join(FIXTURES, 'app.mjs');
const DEFINE_TS = pathToFileURL(join(ROOT, 'src/index.ts')).href;
const DEFINE_JS = pathToFileURL(join(ROOT, 'dist/index.js')).href;

let dirs = 0;
function project(files: Record<string, string> = {}): string {
  const dir = join(TMP, `p${++dirs}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Environment without anything that would change the defaults under test. */
const CLEAN_ENV = { TUNICORN_CMD_ARGS: '', WEB_CONCURRENCY: '', PORT: '', FORWARDED_ALLOW_IPS: '' };

/** --print-config output as { name: value }. */
function parsePrintConfig(stdout: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const line of stdout.trim().split('\n')) {
    const m = /^(\w+)\s+= (.*)$/.exec(line);
    assert.ok(m, `not a print-config line: ${line}`);
    out[m[1]!] = m[2]!.startsWith('<function') ? m[2] : JSON.parse(m[2]!);
  }
  return out;
}

async function printConfig(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Record<string, unknown>> {
  const r = await runCli(['--print-config', ...args], { cwd: opts.cwd ?? project(), env: { ...CLEAN_ENV, ...opts.env } });
  assert.equal(r.code, 0, r.output);
  return parsePrintConfig(r.stdout);
}

/** A user mistake: exit 1, exactly one line on stderr starting "Error: ", no stack, nothing on stdout. */
async function userError(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const r = await runCli(args, { cwd: opts.cwd ?? project(), env: { ...CLEAN_ENV, ...opts.env } });
  assert.equal(r.code, 1, r.output);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^Error: [^\n]+\n$/, `one line, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at |internal error/);
  return r.stderr.trim();
}

describe('--help and --version', () => {
  test('--help lists every flag of the registry, grouped, and exits 0', async () => {
    const r = await runCli(['--help'], { env: CLEAN_ENV });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^usage: tunicorn \[OPTIONS\] \[APP\]/);
    for (const s of SETTINGS) for (const f of s.flags ?? []) assert.ok(r.stdout.includes(f), `--help is missing ${f}`);
    for (const section of ['Server socket:', 'Worker processes:', 'Logging:']) assert.ok(r.stdout.includes(section));
    assert.match(r.stdout, /-w, --workers INT\s+The number of worker processes\./);
    assert.match(r.stdout, /-h, --help/);
    assert.equal((await runCli(['-h'], { env: CLEAN_ENV })).stdout, r.stdout);
  });

  test('--version and -v print the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const r = await runCli([flag], { env: CLEAN_ENV });
      assert.equal(r.code, 0);
      assert.equal(r.stdout, `tunicorn ${version}\n`);
    }
  });
});

describe('--print-config: defaults < config file < TUNICORN_CMD_ARGS < command line', () => {
  test('defaults', async () => {
    const c = await printConfig([]);
    assert.equal(c.config, null);
    assert.deepEqual(c.bind, [':8080']);
    assert.equal(c.workers, availableParallelism());
    assert.equal(c.worker_class, 'async');
    assert.equal(c.worker_connections, 1000);
    assert.equal(c.max_requests, 30000);
    assert.equal(c.timeout, 15);
  });

  test('each layer wins over the one before', async () => {
    const dir = project({ 'tunicorn.config.json': JSON.stringify({ workers: 3, timeout: 20, keepalive: 7, bind: '127.0.0.1:7001' }) });
    const env = { TUNICORN_CMD_ARGS: '--workers 4 --timeout 25' };
    const file = await printConfig([], { cwd: dir });
    assert.deepEqual([file.workers, file.timeout, file.keepalive, file.bind], [3, 20, 7, ['127.0.0.1:7001']]);
    const withEnv = await printConfig([], { cwd: dir, env });
    assert.deepEqual([withEnv.workers, withEnv.timeout, withEnv.keepalive], [4, 25, 7]);
    const all = await printConfig(['-w', '5', '-b', '[::1]:7002', '-b', 'unix:/tmp/x.sock'], { cwd: dir, env });
    assert.deepEqual([all.workers, all.timeout, all.keepalive, all.graceful_timeout, all.bind], [5, 25, 7, 30, ['[::1]:7002', 'unix:/tmp/x.sock']]);
  });

  test('WEB_CONCURRENCY and PORT set the defaults; -w cpus*2+1 is one word', async () => {
    const c = await printConfig([], { env: { WEB_CONCURRENCY: '3', PORT: '5001' } });
    assert.equal(c.workers, 3);
    assert.deepEqual(c.bind, ['0.0.0.0:5001']);
    assert.equal((await printConfig(['-w', 'cpus*2+1'])).workers, availableParallelism() * 2 + 1);
    assert.equal((await printConfig(['-w', 'cpus'], { env: { WEB_CONCURRENCY: '3' } })).workers, availableParallelism());
  });

  test('--env K=V, bind forms, --limit-request-field_size', async () => {
    const c = await printConfig(['--env', 'A=1', '-e', 'B=2', '-b', ':8080', '-b', 'fd://3', '--limit-request-field_size', '100']);
    assert.deepEqual(c.raw_env, ['A=1', 'B=2']);
    assert.deepEqual(c.bind, [':8080', 'fd://3']);
    assert.equal(c.limit_request_field_size, 100);
  });

  test('./tunicorn.config.ts or ./gunicorn.conf.py in the working directory is used when -c is not given', async () => {
    const ts = project({ 'tunicorn.config.ts': `import { defineConfig } from '${DEFINE_JS}';\nexport default defineConfig({ workers: 6, workerClass: 'sync' });\n` });
    const fromTs = await printConfig([], { cwd: ts });
    assert.equal(fromTs.config, join(ts, 'tunicorn.config.ts'));
    assert.deepEqual([fromTs.workers, fromTs.worker_class], [6, 'sync']);
    const py = project({ 'gunicorn.conf.py': 'import multiprocessing\nworkers = multiprocessing.cpu_count() + 1\n' });
    const fromPy = await printConfig([], { cwd: py });
    assert.equal(fromPy.config, join(py, 'gunicorn.conf.py'));
    assert.equal(fromPy.workers, availableParallelism() + 1);
  });
});

describe('--check-config', () => {
  test("warns for values outside the seed's ranges and still exits 0", async () => {
    const r = await runCli(['--check-config', '-w', '65', '--worker-connections', '2500', '--max-requests', '500', '-t', '400', APP], { env: CLEAN_ENV });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /\[WARNING\] workers 65 is outside the recommended range 1-64/);
    assert.match(r.output, /\[WARNING\] worker_connections 2500 is above the recommended maximum 2000/);
    assert.match(r.output, /\[WARNING\] max_requests 500 is outside the recommended range 1000-100000/);
    assert.match(r.output, /\[WARNING\] timeout 400 is outside the recommended range 5-300/);
    assert.match(r.output, /Configuration and app are valid\./);
    assert.doesNotMatch(r.output, /Listening at/);
  });

  test('inside the ranges: no warnings', async () => {
    const r = await runCli(['--check-config', '-w', '2', APP], { env: CLEAN_ENV });
    assert.equal(r.code, 0, r.output);
    assert.doesNotMatch(r.output, /WARNING/);
  });

  test('a gunicorn.conf.py found in the working directory: access_log, a Python hook and threads are reported; helpers are not', async () => {
    const dir = project({
      'gunicorn.conf.py': [
        'import multiprocessing',
        'cores = multiprocessing.cpu_count()',
        'workers = 2',
        'threads = 4',
        'access_log = "/var/log/gunicorn/access.log"',
        'error_log = "/var/log/gunicorn/error.log"',
        'def post_fork(server, worker):',
        '    pass',
        '',
      ].join('\n'),
    });
    const r = await runCli(['--check-config', APP], { cwd: dir, env: CLEAN_ENV });
    assert.equal(r.code, 0, r.output);
    const warnings = r.output.split('\n').filter((l) => l.includes('[WARNING]'));
    assert.equal(warnings.length, 4, r.output);
    assert.match(r.output, /\[WARNING\] gunicorn\.conf\.py: access_log is not a setting \(Gunicorn ignores it too\); did you mean "accesslog"\?/);
    assert.match(r.output, /\[WARNING\] gunicorn\.conf\.py: error_log is not a setting \(Gunicorn ignores it too\); did you mean "errorlog"\?/);
    assert.match(r.output, /\[WARNING\] gunicorn\.conf\.py: hook post_fork is a Python function and cannot run for a Node app/);
    assert.match(r.output, /\[WARNING\] gunicorn\.conf\.py: threads has no effect in tunicorn/);
    assert.doesNotMatch(r.output, /cores|multiprocessing/);
  });

  test('an existing server.js that calls listen() itself is checked without binding its port', async () => {
    const r = await runCli(['--check-config', '-b', '127.0.0.1:1', join(FIXTURES, 'server-listen.mjs')], { env: CLEAN_ENV });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /app says: listening on 1\b/);
    assert.match(r.output, /Configuration and app are valid\./);
  });
});

describe('mistakes: one line, no stack, exit 1, nothing bound', () => {
  test('an unknown option names the nearest flag', async () => {
    assert.equal(await userError(['--wrkers', '3', APP]), 'Error: Unknown option --wrkers on the command line; did you mean --workers? Run "tunicorn --help" for the list.');
    assert.match(await userError(['--max-request=3', APP]), /did you mean --max-requests\?/);
    // A Gunicorn config file's name for a setting gets that setting's flag.
    assert.equal(await userError(['--pidfile', 'x.pid', APP]), 'Error: Unknown option --pidfile on the command line; did you mean --pid (the pidfile setting)? Run "tunicorn --help" for the list.');
    assert.match(await userError(['--reuse-port', APP]), /^Error: Option --reuse-port on the command line is Gunicorn's reuse_port, which has no effect in tunicorn/);
    assert.match(await userError([APP], { env: { TUNICORN_CMD_ARGS: '--bnd :9000' } }), /^Error: Unknown option --bnd on TUNICORN_CMD_ARGS; did you mean --bind\?/);
  });

  test('a bad value says which setting, what was given and what is allowed, before anything binds', async () => {
    // A unix socket of this test's own: no other test can create it, so its absence after the runs
    // shows that none of them bound (a tcp port could be bound meanwhile by another test's server).
    const socket = join(TMP, 'bad-values.sock');
    const bind = ['-b', `unix:${socket}`];
    const cases: Array<[string[], RegExp]> = [
      [['--workers', 'many'], /^Error: Invalid value for workers \(--workers\): "many"; expected a whole number from 1 to 1024, "cpus" or "cpus\*2\+1"\.$/],
      [['--timeout', '-5'], /^Error: Invalid value for timeout \(--timeout\): "-5"; expected a whole number >= 0\.$/],
      [['-k', 'prefork'], /^Error: Invalid value for worker_class \(--worker-class\): "prefork"; expected one of "async", "sync", "gevent", "eventlet", "gthread", "tornado"\.$/],
      [['--max-requests', 'lots'], /^Error: Invalid value for max_requests \(--max-requests\): "lots"; expected a whole number >= 0\.$/],
      [['-b', '127.0.0.1:99999'], /^Error: Invalid bind "127\.0\.0\.1:99999": port 99999 is above 65535\.$/],
      [['--chdir', join(TMP, 'nope')], /^Error: Invalid value for chdir \(--chdir\): ".*nope"; expected an existing directory\.$/],
      [['-p', join(TMP, 'nope', 'app.pid')], /^Error: Invalid value for pidfile: ".*app\.pid"; its directory .*nope does not exist \(create it or choose another path\)\.$/],
      [['--access-logfile', join(TMP, 'nope', 'access.log')], /^Error: Invalid value for accesslog: ".*access\.log"; its directory .*nope does not exist/],
      [['--error-logfile', join(TMP, 'nope', 'error.log')], /^Error: Invalid value for errorlog: ".*error\.log"; its directory .*nope does not exist/],
      [['--forwarded-allow-ips', '10.0.0.x'], /^Error: Invalid value for forwarded_allow_ips: "10\.0\.0\.x"/],
    ];
    const messages = await Promise.all(cases.map(([args]) => userError([...bind, ...args, APP])));
    cases.forEach(([, expected], i) => assert.match(messages[i]!, expected));
    assert.match(await userError([...bind, APP], { env: { TUNICORN_CMD_ARGS: '-w zero' } }), /^Error: Invalid value for workers \(TUNICORN_CMD_ARGS --workers\): "zero"/);
    assert.equal(existsSync(socket), false, 'nothing was bound');
  });

  test('an unknown key in tunicorn.config.ts is an error naming the nearest valid key', async () => {
    const dir = project({ 'tunicorn.config.ts': `import { defineConfig } from '${DEFINE_TS}';\nexport default defineConfig({ workers: 2, maxRequest: 100 } as never);\n` });
    assert.match(await userError([APP], { cwd: dir }), /^Error: Unknown setting "maxRequest" in tunicorn\.config\.ts; did you mean "maxRequests"\?/);
    const json = project({ 'tunicorn.config.json': '{"access_log": "-"}' });
    assert.match(await userError(['-c', 'tunicorn.config.json', APP], { cwd: json }), /^Error: Unknown setting "access_log" in tunicorn\.config\.json; did you mean "accesslog"\?/);
  });

  test('a bad value in a config file names the key and file', async () => {
    const dir = project({ 'tunicorn.config.json': '{"timeout": "15s"}' });
    assert.match(await userError([APP], { cwd: dir }), /^Error: Invalid value for timeout in .*tunicorn\.config\.json: "15s"; expected a whole number >= 0\.$/);
  });

  test('a config file that does not load, or no app at all', async () => {
    assert.match(await userError([APP], { cwd: project({ 'tunicorn.config.ts': 'export default {{' }) }), /^Error: tunicorn\.config\.ts failed to load/);
    assert.match(
      await userError([APP], { cwd: project({ 'gunicorn.conf.py': 'workers = cpus\n' }) }),
      /^Error: .*gunicorn\.conf\.py failed to evaluate in python3: NameError: name 'cpus' is not defined$/,
    );
    assert.match(await userError(['-c', 'missing.ts', APP]), /^Error: Config file not found: .*missing\.ts/);
    assert.match(await userError([]), /^Error: No app given/);
  });
});

test('hooks in a TS config run: on_starting, when_ready, pre_fork, post_fork, post_worker_init, pre_request, post_request, child_exit, worker_exit, on_exit', async () => {
  const errorLog = join(TMP, 'hooks-error.log');
  const dir = project({
    'tunicorn.config.ts': [
      `import { defineConfig } from '${DEFINE_TS}';`,
      'export default defineConfig({',
      `  app: ${JSON.stringify(APP)},`,
      `  errorlog: ${JSON.stringify(errorLog)},`,
      '  onStarting(server) { server.log.info(`HOOK on_starting master=${server.pid}`); },',
      '  whenReady(server) { server.log.info(`HOOK when_ready workers=${server.numWorkers}`); },',
      '  preFork(server, worker) { server.log.info(`HOOK pre_fork age=${worker.age}`); },',
      '  postFork(server, worker) { worker.log.info(`HOOK post_fork pid=${worker.pid}`); },',
      '  async postWorkerInit(worker) { await new Promise((r) => setTimeout(r, 10)); worker.log.info(`HOOK post_worker_init pid=${worker.pid}`); },',
      '  preRequest(worker, req) { worker.log.info(`HOOK pre_request ${req.method} ${req.url}`); },',
      '  postRequest(worker, req, res) { worker.log.info(`HOOK post_request ${res.statusCode}`); },',
      '  childExit(server, worker) { server.log.info(`HOOK child_exit pid=${worker.pid}`); },',
      '  workerExit(server, worker) { worker.log.info(`HOOK worker_exit pid=${worker.pid}`); },',
      '  onExit(server) { server.log.info("HOOK on_exit"); },',
      '});',
      '',
    ].join('\n'),
  });
  const { t, url } = await startServer([], { cwd: dir, env: CLEAN_ENV, workers: 1 });
  const res = await fetch(`${url}/hello?x=1`);
  assert.equal(res.status, 404);
  await res.text();
  assert.equal((await t.stop('SIGTERM')).code, 0);
  const log = readFileSync(errorLog, 'utf8');
  const pid = /Booting worker with pid: (\d+)/.exec(log)?.[1];
  assert.ok(pid, log);
  for (const line of [
    `HOOK on_starting master=${t.pid}`,
    'HOOK when_ready workers=1',
    'HOOK pre_fork age=1',
    `HOOK post_fork pid=${pid}`,
    `HOOK post_worker_init pid=${pid}`,
    'HOOK pre_request GET /hello?x=1',
    'HOOK post_request 404',
    `HOOK worker_exit pid=${pid}`,
    `HOOK child_exit pid=${pid}`,
    'HOOK on_exit',
  ]) {
    assert.ok(log.includes(`[INFO] ${line}`), `missing "${line}" in:\n${log}`);
  }
  assert.ok(log.indexOf('HOOK on_starting') < log.indexOf('Listening at:'), 'on_starting runs before the master binds');
  assert.ok(log.indexOf('HOOK pre_request') < log.indexOf('HOOK post_request'));
  assert.ok(log.indexOf('HOOK on_exit') > log.indexOf('HOOK post_request'));
});

test('HUP reads an edited tunicorn.config.ts again', async () => {
  // Port 0 in the file: the master binds once, at start, and keeps the socket across the reload.
  const config = (workers: number) => `import { defineConfig } from '${DEFINE_TS}';\nexport default defineConfig({ workers: ${workers}, bind: '127.0.0.1:0', app: ${JSON.stringify(APP)} });\n`;
  const dir = project({ 'tunicorn.config.ts': config(1) });
  const t = new Tunicorn([], { cwd: dir, env: CLEAN_ENV });
  try {
    const { port } = (await t.listening())[0]!;
    await waitServing(`http://127.0.0.1:${port}/`, t);
    await t.waitFor(/Booting worker with pid/);
    writeFileSync(join(dir, 'tunicorn.config.ts'), config(2));
    t.signal('SIGHUP');
    await t.waitFor(/(Booting worker with pid: \d+[^]*){3}/, 15_000);
    assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 200);
  } finally {
    assert.equal((await t.stop('SIGTERM')).code, 0, t.output);
  }
  assert.equal(t.workerPids().length, 3, t.output);
});

test("HUP with an edited config that fails the start-up checks (a log file's missing directory) keeps the running one, and says why", async () => {
  const config = (extra: string) => `import { defineConfig } from '${DEFINE_TS}';\nexport default defineConfig({ workers: 1, bind: '127.0.0.1:0', app: ${JSON.stringify(APP)}${extra} });\n`;
  const dir = project({ 'tunicorn.config.ts': config('') });
  const t = new Tunicorn([], { cwd: dir, env: CLEAN_ENV });
  try {
    const { port } = (await t.listening())[0]!;
    await waitServing(`http://127.0.0.1:${port}/`, t);
    writeFileSync(join(dir, 'tunicorn.config.ts'), config(", accesslog: 'no-such-dir/access.log'"));
    t.signal('SIGHUP');
    await t.waitFor(/Reload failed, keeping the running configuration: Invalid value for accesslog: "no-such-dir\/access.log"; its directory .* does not exist/, 15_000);
    assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 200);
  } finally {
    assert.equal((await t.stop('SIGTERM')).code, 0, t.output);
  }
  assert.equal(t.workerPids().length, 1, t.output);
});
