/**
 * Config resolution, in-process: defaults < config file < TUNICORN_CMD_ARGS < command line, every
 * Gunicorn flag, the environment defaults, config-file discovery, and the messages for mistakes.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { ALL_FLAGS } from '../../src/config/cli-args.js';
import { advice, resolveConfig, type Resolved } from '../../src/config/resolve.js';
import { camel, SETTINGS } from '../../src/config/settings.js';

const ROOT = new URL('../..', import.meta.url);
const DEFINE = pathToFileURL(join(ROOT.pathname, 'src/index.ts')).href;
const TMP = mkdtempSync(join(tmpdir(), 'tunicorn-resolve-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

let dirs = 0;
/** A fresh working directory holding `files`. */
function project(files: Record<string, string> = {}): string {
  const dir = join(TMP, `p${++dirs}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function resolveIn(cwd: string, argv: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Resolved> {
  return resolveConfig({ argv, env, cwd });
}

const cli = (argv: string[], env: NodeJS.ProcessEnv = {}) => resolveIn(project(), argv, env);

/** The ConfigError a resolution fails with; fails the test if it resolves. */
async function configError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${(err as Error).stack}`);
    assert.doesNotMatch(err.message, /\n/, 'error messages are one line');
    return err.message;
  }
  assert.fail('expected a ConfigError');
}

describe('defaults', () => {
  test("are the seed's: bind :8080, async, 1000 connections, 30000 max requests, timeout 15; workers = CPUs", async () => {
    const { config, configFile, appSpec, warnings } = await cli([]);
    assert.deepEqual(config.bind, [':8080']);
    assert.equal(config.worker_class, 'async');
    assert.equal(config.worker_connections, 1000);
    assert.equal(config.max_requests, 30000);
    assert.equal(config.timeout, 15);
    assert.equal(config.workers, availableParallelism());
    assert.equal(configFile, null);
    assert.equal(appSpec, null);
    assert.deepEqual(warnings, []);
  });

  test('WEB_CONCURRENCY sets the default workers; PORT the default bind', async () => {
    const { config } = await cli([], { WEB_CONCURRENCY: '3', PORT: '5000' });
    assert.equal(config.workers, 3);
    assert.deepEqual(config.bind, ['0.0.0.0:5000']);
    const flags = await cli(['-w', '2', '-b', '127.0.0.1:1'], { WEB_CONCURRENCY: '3', PORT: '5000' });
    assert.equal(flags.config.workers, 2);
    assert.deepEqual(flags.config.bind, ['127.0.0.1:1']);
    assert.match(await configError(cli([], { WEB_CONCURRENCY: 'lots' })), /Invalid value for WEB_CONCURRENCY: "lots"; expected a whole number from 1 to 1024, "cpus" or "cpus\*2\+1"/);
  });
});

describe('precedence: defaults < config file < TUNICORN_CMD_ARGS < command line', () => {
  const file = { workers: 3, timeout: 20, keepalive: 7, maxRequests: 5000, bind: ['127.0.0.1:7001', '127.0.0.1:7002'] };
  const env = { TUNICORN_CMD_ARGS: '--workers 4 --timeout 25' };

  for (const [name, text] of [
    ['tunicorn.config.json', JSON.stringify(file)],
    ['tunicorn.config.ts', `import { defineConfig } from '${DEFINE}';\nexport default defineConfig(${JSON.stringify(file)});\n`],
    ['tunicorn.config.mjs', `export default ${JSON.stringify(file)};\n`],
    ['gunicorn.conf.py', 'workers = 3\ntimeout = 20\nkeepalive = 7\nmax_requests = 5000\nbind = ["127.0.0.1:7001", "127.0.0.1:7002"]\n'],
  ] as const) {
    test(`each layer wins over the one before (${name})`, async () => {
      const dir = project({ [name]: text });
      const fileOnly = await resolveIn(dir);
      assert.equal(fileOnly.configFile, join(dir, name));
      assert.equal(fileOnly.config.workers, 3, 'file over default');
      assert.equal(fileOnly.config.timeout, 20);
      assert.deepEqual(fileOnly.config.bind, ['127.0.0.1:7001', '127.0.0.1:7002']);

      const withEnv = await resolveIn(dir, [], env);
      assert.equal(withEnv.config.workers, 4, 'TUNICORN_CMD_ARGS over file');
      assert.equal(withEnv.config.timeout, 25);

      const all = await resolveIn(dir, ['-w', '5', '--bind', '127.0.0.1:7003'], env);
      assert.equal(all.config.workers, 5, 'command line over TUNICORN_CMD_ARGS');
      assert.equal(all.config.timeout, 25, 'TUNICORN_CMD_ARGS still over file');
      assert.equal(all.config.keepalive, 7, 'file still over default');
      assert.equal(all.config.max_requests, 5000);
      assert.equal(all.config.graceful_timeout, 30, 'default where nothing sets it');
      assert.deepEqual(all.config.bind, ['127.0.0.1:7003'], "a command-line bind replaces the file's list");
    });
  }

  test('-c in TUNICORN_CMD_ARGS picks the config file; -c on the command line wins over it', async () => {
    const dir = project({ 'a.json': '{"workers": 6}', 'b.json': '{"workers": 7}' });
    assert.equal((await resolveIn(dir, [], { TUNICORN_CMD_ARGS: '-c a.json' })).config.workers, 6);
    assert.equal((await resolveIn(dir, ['-c', 'b.json'], { TUNICORN_CMD_ARGS: '-c a.json' })).config.workers, 7);
  });

  test('TUNICORN_CMD_ARGS is split like a shell line, quotes included', async () => {
    const { config } = await cli([], { TUNICORN_CMD_ARGS: `--access-logformat '%(h)s "%(r)s" %(s)s' --log-level "debug"` });
    assert.equal(config.access_log_format, '%(h)s "%(r)s" %(s)s');
    assert.equal(config.loglevel, 'debug');
  });

  test('the app comes from the command line, else from app / wsgi_app in the config file', async () => {
    const dir = project({ 'tunicorn.config.json': '{"app": "server.js:handler"}' });
    assert.equal((await resolveIn(dir)).appSpec, 'server.js:handler');
    assert.equal((await resolveIn(dir, ['other.ts'])).appSpec, 'other.ts');
    assert.equal((await resolveIn(project({ 'gunicorn.conf.py': 'wsgi_app = "app:application"\n' }))).appSpec, 'app:application');
  });
});

describe("Gunicorn's flags", () => {
  test('bind is repeatable: HOST:PORT, :PORT, [::1]:PORT, unix:/PATH, fd://N', async () => {
    const { config } = await cli(['-b', '127.0.0.1:8000', '--bind', ':8080', '-b', '[::1]:8000', '--bind', 'unix:/tmp/t.sock', '-b', 'fd://3']);
    assert.deepEqual(config.bind, ['127.0.0.1:8000', ':8080', '[::1]:8000', 'unix:/tmp/t.sock', 'fd://3']);
  });

  test('-w takes a number, "cpus" or "cpus*2+1"', async () => {
    const cpus = availableParallelism();
    assert.equal((await cli(['-w', '7'])).config.workers, 7);
    assert.equal((await cli(['--workers=3'])).config.workers, 3);
    assert.equal((await cli(['-w', 'cpus'])).config.workers, cpus);
    assert.equal((await cli(['-w', 'cpus*2+1'])).config.workers, cpus * 2 + 1);
    assert.equal((await cli(['--workers', '2*cpus+1'])).config.workers, cpus * 2 + 1);
  });

  test('--env K=V (repeatable), both spellings of --limit-request-field_size', async () => {
    const { config } = await cli(['--env', 'A=1', '-e', 'B=two=2', '--limit-request-field_size', '1234']);
    assert.deepEqual(config.raw_env, ['A=1', 'B=two=2']);
    assert.equal(config.limit_request_field_size, 1234);
    assert.equal((await cli(['--limit-request-field-size', '4321'])).config.limit_request_field_size, 4321);
  });

  test('every other flag, long and short, as Gunicorn spells it', async () => {
    const { config, checkConfig, printConfig } = await cli([
      ...['--backlog', '64', '-k', 'sync', '--worker-connections', '50', '--max-requests', '2000', '--max-requests-jitter', '100'],
      ...['-t', '30', '--graceful-timeout', '5', '--keep-alive', '4', '--limit-request-line', '1000', '--limit-request-fields', '20'],
      ...['--forwarded-allow-ips', '10.0.0.1, 10.0.0.2', '--preload', '--reload', '--chdir', '.', '-p', 'app.pid', '-m', '022'],
      ...['-u', 'nobody', '-g', 'nogroup', '--access-logfile', '-', '--access-logformat', '%(h)s', '--error-logfile', 'e.log'],
      ...['--log-level', 'warning', '--capture-output', '-n', 'shop', '--interface', 'node', '--override-globals', 'false', '--log-format', 'json'],
      ...['--check-config', '--print-config'],
    ]);
    assert.deepEqual(
      { ...config, chdir: undefined },
      {
        ...config,
        chdir: undefined,
        backlog: 64,
        worker_class: 'sync',
        worker_connections: 50,
        max_requests: 2000,
        max_requests_jitter: 100,
        timeout: 30,
        graceful_timeout: 5,
        keepalive: 4,
        limit_request_line: 1000,
        limit_request_fields: 20,
        forwarded_allow_ips: ['10.0.0.1', '10.0.0.2'],
        preload_app: true,
        reload: true,
        pidfile: 'app.pid',
        umask: 0o22,
        user: 'nobody',
        group: 'nogroup',
        accesslog: '-',
        access_log_format: '%(h)s',
        errorlog: 'e.log',
        loglevel: 'warning',
        capture_output: true,
        proc_name: 'shop',
        interface: 'node',
        override_globals: false,
        log_format: 'json',
      },
    );
    assert.equal(checkConfig, true);
    assert.equal(printConfig, true);
    assert.equal((await cli(['--log-file', 'x.log'])).config.errorlog, 'x.log', '--log-file is --error-logfile');
  });

  test('gevent, eventlet, gthread and tornado are accepted as the async worker, with an info line', async () => {
    for (const alias of ['gevent', 'eventlet', 'gthread', 'tornado']) {
      const r = await cli(['-k', alias]);
      assert.equal(r.config.worker_class, 'async');
      assert.deepEqual(r.infos, [`worker_class ${alias} is served by tunicorn's async worker (an event loop, like gevent's).`]);
    }
  });

  test('--help and --version need no config file (a broken one is not even read)', async () => {
    const dir = project({ 'tunicorn.config.json': '{ not json' });
    assert.equal((await resolveIn(dir, ['--help'])).help, true);
    assert.equal((await resolveIn(dir, ['-v'])).version, true);
    await configError(resolveIn(dir));
  });
});

describe('proxy_protocol and proxy_allow_ips, as Gunicorn takes them', () => {
  test('off by default; proxy_allow_ips defaults to loopback', async () => {
    const { config } = await cli([]);
    assert.equal(config.proxy_protocol, 'off');
    assert.deepEqual(config.proxy_allow_ips, ['127.0.0.1', '::1']);
  });

  test('--proxy-protocol alone is auto, before an app spec or another flag; with a mode it is that mode', async () => {
    for (const [argv, mode] of [
      [['--proxy-protocol'], 'auto'],
      [['--proxy-protocol', 'app.mjs'], 'auto'],
      [['--proxy-protocol', '-w', '2'], 'auto'],
      [['--proxy-protocol', 'v1'], 'v1'],
      [['--proxy-protocol', 'V2'], 'v2'],
      [['--proxy-protocol=off'], 'off'],
      [['--proxy-protocol', 'true'], 'auto'],
      [['--proxy-protocol', 'false'], 'off'],
    ] as Array<[string[], string]>) {
      const r = await cli(argv);
      assert.equal(r.config.proxy_protocol, mode, argv.join(' '));
    }
    assert.equal((await cli(['--proxy-protocol', 'app.mjs'])).appSpec, 'app.mjs');
    assert.equal((await cli([], { TUNICORN_CMD_ARGS: '--proxy-protocol' })).config.proxy_protocol, 'auto');
  });

  test('--proxy-allow-from takes addresses and networks; * allows every peer', async () => {
    assert.deepEqual((await cli(['--proxy-allow-from', '10.0.0.0/8, 192.168.1.5,fd00::/8'])).config.proxy_allow_ips, ['10.0.0.0/8', '192.168.1.5', 'fd00::/8']);
    assert.deepEqual((await cli(['--proxy-allow-from', '*'])).config.proxy_allow_ips, ['*']);
  });

  test('gunicorn.conf.py: the older boolean and the newer modes', async () => {
    for (const [line, mode] of [
      ['proxy_protocol = True', 'auto'],
      ['proxy_protocol = False', 'off'],
      ['proxy_protocol = "v2"', 'v2'],
    ]) {
      const { config, warnings } = await resolveIn(project({ 'gunicorn.conf.py': `${line}\nproxy_allow_ips = "10.1.2.3,10.2.0.0/16"\n` }));
      assert.deepEqual(warnings, []);
      assert.equal(config.proxy_protocol, mode, line);
      assert.deepEqual(config.proxy_allow_ips, ['10.1.2.3', '10.2.0.0/16']);
    }
  });

  test('a tunicorn config file: proxyProtocol (a mode or a boolean) and proxyAllowIps', async () => {
    const dir = project({ 'tunicorn.config.mjs': 'export default { proxyProtocol: true, proxyAllowIps: ["10.0.0.0/8"] };\n' });
    const { config } = await resolveIn(dir);
    assert.equal(config.proxy_protocol, 'auto');
    assert.deepEqual(config.proxy_allow_ips, ['10.0.0.0/8']);
  });

  test('a bad mode is one line naming what is allowed', async () => {
    assert.equal(await configError(cli(['--proxy-protocol=v3'])), 'Invalid value for proxy_protocol (--proxy-protocol): "v3"; expected off, v1, v2 or auto (true means auto, false off).');
  });
});

describe('mistakes: one line naming the setting, what was given and what is allowed', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--wrkers', '3'], /^Unknown option --wrkers on the command line; did you mean --workers\?/],
    [['--max-request', '3'], /did you mean --max-requests\?/],
    [['--bogus-thing'], /^Unknown option --bogus-thing on the command line\. Run "tunicorn --help"/],
    [['--reuse-port'], /^Option --reuse-port on the command line is Gunicorn's reuse_port, which has no effect in tunicorn \(workers share one listening socket/],
    [['--spew'], /Gunicorn's spew, which has no effect in tunicorn \(Python tracing\)/],
    [['--workers', 'abc'], /^Invalid value for workers \(--workers\): "abc"; expected a whole number from 1 to 1024, "cpus" or "cpus\*2\+1"\.$/],
    [['-w', '0'], /^Invalid value for workers \(--workers\): "0"/],
    [['--timeout', '-1'], /^Invalid value for timeout \(--timeout\): "-1"; expected a whole number >= 0\.$/],
    [['-t', '1.5'], /^Invalid value for timeout \(--timeout\): "1\.5"; expected a whole number >= 0\.$/],
    [['-k', 'prefork'], /^Invalid value for worker_class \(--worker-class\): "prefork"; expected one of "async", "sync", "gevent"/],
    [['--log-level', 'loud'], /^Invalid value for loglevel \(--log-level\): "loud"; expected one of "debug", "info", "warning", "error", "critical"/],
    [['--umask', '999'], /^Invalid value for umask \(--umask\): "999"; expected a file mode mask/],
    [['--env', 'FOO'], /^Invalid value for raw_env \(--env\): "FOO"; expected KEY=VALUE/],
    [['--limit-request-line', '9000'], /^Invalid value for limit_request_line \(--limit-request-line\): "9000"; expected a whole number from 0 to 8190\.$/],
    [['--override-globals', 'maybe'], /^Invalid value for override_globals \(--override-globals\): "maybe"; expected true or false\.$/],
    [['--preload=yes'], /^Option --preload on the command line is a switch and takes no value/],
    [['--bind'], /^Option --bind on the command line needs a value/],
    [['--bind', '--workers', '2'], /^Option --bind on the command line needs a value, but the next argument is an option; for a value that starts with "-" write --bind=VALUE\.$/],
    [['-w'], /^Option --workers on the command line needs a value/],
    [['--chdir', '/no/such/dir'], /^Invalid value for chdir \(--chdir\): "\/no\/such\/dir"; expected an existing directory\.$/],
    [['a.ts', 'b.ts'], /^Expected one app spec, got 2: a\.ts b\.ts/],
  ];
  for (const [argv, expected] of cases) {
    test(argv.join(' '), async () => assert.match(await configError(cli(argv)), expected));
  }

  test("a setting's name as a flag (as Gunicorn config files spell it) names the setting's flag, for every setting", async () => {
    assert.match(await configError(cli(['--pidfile', 'x.pid'])), /^Unknown option --pidfile on the command line; did you mean --pid \(the pidfile setting\)\? Run "tunicorn --help" for the list\.$/);
    assert.match(await configError(cli(['--accesslog', '-'])), /did you mean --access-logfile \(the accesslog setting\)\?/);
    assert.match(await configError(cli(['--errorlog', '-'])), /did you mean --error-logfile \(the errorlog setting\)\?/);
    assert.match(await configError(cli(['--pidfil', 'x.pid'])), /did you mean --pid \(the pidfile setting\)\?/);
    assert.match(await configError(cli([], { TUNICORN_CMD_ARGS: '--accesslog -' })), /^Unknown option --accesslog on TUNICORN_CMD_ARGS; did you mean --access-logfile/);
    // Every spelling of every setting's name that is not a flag itself: snake_case, dashed, camelCase.
    for (const s of SETTINGS) {
      const own = s.flags?.find((f) => f.startsWith('--'));
      for (const spelling of new Set([`--${s.name}`, `--${s.name.replace(/_/g, '-')}`, `--${camel(s.name)}`])) {
        if (ALL_FLAGS.includes(spelling)) continue;
        const message = await configError(cli([spelling]));
        if (own) assert.match(message, new RegExp(`did you mean ${own}[ ?]`), `${spelling}: ${message}`);
        else
          assert.match(message, new RegExp(`^Option ${spelling} on the command line names the setting ${s.name}, which has no flag; .*set \\w+ in tunicorn\\.config\\.ts`), `${spelling}: ${message}`);
      }
    }
    assert.match(await configError(cli(['--on-starting'])), /names the setting on_starting, which has no flag; set onStarting in tunicorn\.config\.ts \(on_starting in gunicorn\.conf\.py\)\.$/);
    assert.match(await configError(cli(['--wsgi-app', 'app.ts'])), /which has no flag; give the app as the argument \(tunicorn app\.ts\) or set app in tunicorn\.config\.ts/);
  });

  test('in TUNICORN_CMD_ARGS, the message says so; an app spec there is refused', async () => {
    assert.match(await configError(cli([], { TUNICORN_CMD_ARGS: '--wrkers 2' })), /^Unknown option --wrkers on TUNICORN_CMD_ARGS; did you mean --workers\?/);
    assert.match(await configError(cli([], { TUNICORN_CMD_ARGS: '-w none' })), /^Invalid value for workers \(TUNICORN_CMD_ARGS --workers\): "none"/);
    assert.match(await configError(cli([], { TUNICORN_CMD_ARGS: '-w 2 app.ts' })), /^TUNICORN_CMD_ARGS holds settings only, but it has "app\.ts"/);
  });
});

describe('config files', () => {
  test('an unknown key in a tunicorn config file is an error naming the nearest valid key', async () => {
    const json = project({ 'tunicorn.config.json': '{"workers": 2, "maxRequest": 10}' });
    assert.match(await configError(resolveIn(json)), /^Unknown setting "maxRequest" in tunicorn\.config\.json; did you mean "maxRequests"\?/);
    const ts = project({ 'tunicorn.config.ts': `export default { accessLog: '-' };\n` });
    assert.match(await configError(resolveIn(ts)), /^Unknown setting "accessLog" in tunicorn\.config\.ts; did you mean "accesslog"\?/);
    const snake = project({ 'tunicorn.config.mjs': `export default { worker_connections: 10 };\n` });
    assert.match(await configError(resolveIn(snake)), /did you mean "workerConnections"\?/);
    const far = project({ 'tunicorn.config.json': '{"colour": "blue"}' });
    assert.match(await configError(resolveIn(far)), /^Unknown setting "colour" in tunicorn\.config\.json; see docs\/settings\.md/);
  });

  test('a bad value in a config file names the key and the file', async () => {
    const dir = project({ 'tunicorn.config.json': '{"workerConnections": "many"}' });
    assert.match(await configError(resolveIn(dir)), /^Invalid value for workerConnections in .*tunicorn\.config\.json: "many"; expected a whole number >= 1\.$/);
    const py = project({ 'gunicorn.conf.py': 'timeout = "soon"\n' });
    assert.match(await configError(resolveIn(py)), /^Invalid value for timeout in .*gunicorn\.conf\.py: "soon"; expected a whole number >= 0\.$/);
    const set = project({ 'gunicorn.conf.py': 'bind = {"127.0.0.1:1"}\n' });
    assert.match(await configError(resolveIn(set)), /^Invalid value for bind in .*gunicorn\.conf\.py: \{'127\.0\.0\.1:1'\}; expected a plain value/);
    const fn = project({ 'gunicorn.conf.py': 'def workers():\n    return 2\n' });
    assert.match(await configError(resolveIn(fn)), /^Invalid value for workers in .*gunicorn\.conf\.py: a function; expected a plain value/);
  });

  test('files that do not load are one-line errors', async () => {
    assert.match(await configError(resolveIn(project({ 'tunicorn.config.json': '{ nope' }))), /^tunicorn\.config\.json is not valid JSON/);
    assert.match(await configError(resolveIn(project({ 'tunicorn.config.ts': 'export default {' }))), /^tunicorn\.config\.ts failed to load/);
    assert.match(await configError(resolveIn(project({ 'tunicorn.config.mjs': 'export default 42;' }))), /must export a config object/);
    assert.match(await configError(resolveIn(project({ 'gunicorn.conf.py': 'workers = (\n' }))), /gunicorn\.conf\.py failed to evaluate in python3: SyntaxError/);
    assert.match(await configError(resolveIn(project(), ['-c', 'missing.py'])), /^Config file not found: .*missing\.py/);
    assert.match(await configError(resolveIn(project({ 'c.yaml': 'workers: 2' }), ['-c', 'c.yaml'])), /^Unsupported config file type: c\.yaml/);
  });

  test('a config file exporting a function is called for its object', async () => {
    const dir = project({ 'tunicorn.config.mjs': 'export default async () => ({ workers: 9 });\n' });
    assert.equal((await resolveIn(dir)).config.workers, 9);
  });

  test('gunicorn.conf.py: close names warn with the right one, hooks and meaningless settings warn, helpers are silent', async () => {
    const dir = project({
      'gunicorn.conf.py': [
        'import multiprocessing',
        'import os',
        'from os import path',
        'cores = multiprocessing.cpu_count()',
        '_private = 1',
        'HOST = os.environ.get("HOST", "127.0.0.1")',
        'bind = HOST + ":9000"',
        'workers = cores * 2 + 1',
        'worker_class = "gevent"',
        'access_log = "/var/log/gunicorn/access.log"',
        'error_log = "/var/log/gunicorn/error.log"',
        'threads = 4',
        'check_config = True',
        'def on_starting(server):',
        '    server.log.info("starting")',
        'def helper():',
        '    return 1',
        '',
      ].join('\n'),
    });
    const r = await resolveIn(dir);
    assert.equal(r.configFile, join(dir, 'gunicorn.conf.py'));
    assert.equal(r.config.workers, availableParallelism() * 2 + 1);
    assert.deepEqual(r.config.bind, ['127.0.0.1:9000']);
    assert.equal(r.config.worker_class, 'async');
    assert.equal(r.config.on_starting, null, 'a Python hook never runs');
    assert.deepEqual(r.warnings.sort(), [
      'gunicorn.conf.py: access_log is not a setting (Gunicorn ignores it too); did you mean "accesslog"?',
      'gunicorn.conf.py: check_config can only be given on the command line (--check-config); it is ignored here.',
      'gunicorn.conf.py: error_log is not a setting (Gunicorn ignores it too); did you mean "errorlog"?',
      'gunicorn.conf.py: hook on_starting is a Python function and cannot run for a Node app; it is ignored (write it in a tunicorn.config.ts).',
      'gunicorn.conf.py: threads has no effect in tunicorn for a Node app (Node workers are single-threaded event loops; use workers and worker_connections); it is ignored.',
    ]);
    assert.deepEqual(r.infos, ["worker_class gevent is served by tunicorn's async worker (an event loop, like gevent's)."]);
  });

  test('gunicorn.conf.py: Python values map 1:1 (lists, dicts, None, booleans, octal)', async () => {
    const dir = project({
      'gunicorn.conf.py': [
        'bind = ["127.0.0.1:1", "unix:/tmp/x.sock"]',
        'raw_env = ["A=1"]',
        'secure_scheme_headers = {"X-PROTO": "https"}',
        'accesslog = None',
        'preload_app = True',
        'umask = 0o27',
        'forwarded_allow_ips = "*"',
        '',
      ].join('\n'),
    });
    const { config, warnings } = await resolveIn(dir);
    assert.deepEqual(warnings, []);
    assert.deepEqual(config.bind, ['127.0.0.1:1', 'unix:/tmp/x.sock']);
    assert.deepEqual(config.raw_env, ['A=1']);
    assert.deepEqual(config.secure_scheme_headers, { 'X-PROTO': 'https' });
    assert.equal(config.accesslog, null);
    assert.equal(config.preload_app, true);
    assert.equal(config.umask, 0o27);
    assert.deepEqual(config.forwarded_allow_ips, ['*']);
  });

  test('gunicorn.conf.py: print() in the file and non-JSON values do not break reading it back', async () => {
    const dir = project({ 'gunicorn.conf.py': 'print("configuring")\nworkers = 2\nratio = float("nan")\nthings = {1, 2}\n' });
    const { config, warnings } = await resolveIn(dir);
    assert.equal(config.workers, 2);
    assert.deepEqual(warnings, []);
  });

  test('without python3 a gunicorn.conf.py is a clear error', async () => {
    const dir = project({ 'gunicorn.conf.py': 'workers = 2\n' });
    const saved = process.env.TUNICORN_PYTHON;
    process.env.TUNICORN_PYTHON = '/no/such/python3';
    try {
      assert.match(await configError(resolveIn(dir)), /is a Python config file and needs python3, which was not found/);
    } finally {
      if (saved === undefined) delete process.env.TUNICORN_PYTHON;
      else process.env.TUNICORN_PYTHON = saved;
    }
  });

  test('hooks in a TS config resolve to functions', async () => {
    const dir = project({
      'tunicorn.config.ts': `import { defineConfig } from '${DEFINE}';\nexport default defineConfig({ onStarting(server) { server.log.info('x'); }, preRequest: (worker, req) => undefined });\n`,
    });
    const { config } = await resolveIn(dir);
    assert.equal(typeof config.on_starting, 'function');
    assert.equal(typeof config.pre_request, 'function');
    assert.equal(config.when_ready, null);
    const bad = project({ 'tunicorn.config.mjs': 'export default { whenReady: "soon" };\n' });
    assert.match(await configError(resolveIn(bad)), /^Invalid value for whenReady in .*: "soon"; expected a function\.$/);
  });
});

test('a JS/TS config file edited since the last load is read again (HUP re-resolves the config)', async () => {
  for (const name of ['tunicorn.config.ts', 'tunicorn.config.mjs', 'tunicorn.config.js']) {
    const dir = project({ [name]: 'export default { workers: 1 };\n' });
    assert.equal((await resolveIn(dir)).config.workers, 1);
    writeFileSync(join(dir, name), 'export default { workers: 2 };\n');
    assert.equal((await resolveIn(dir)).config.workers, 2, name);
    writeFileSync(join(dir, name), 'export default { workers: 3 };\n');
    assert.equal((await resolveIn(dir)).config.workers, 3, name);
  }
});

describe('config file discovery (no -c)', () => {
  test('./tunicorn.config.ts is used when present', async () => {
    const dir = project({ 'tunicorn.config.ts': 'export default { workers: 11 };\n' });
    const r = await resolveIn(dir);
    assert.equal(r.configFile, join(dir, 'tunicorn.config.ts'));
    assert.equal(r.config.workers, 11);
  });

  test('./gunicorn.conf.py is used when it is the only one, as Gunicorn does', async () => {
    const dir = project({ 'gunicorn.conf.py': 'workers = 12\n' });
    const r = await resolveIn(dir);
    assert.equal(r.configFile, join(dir, 'gunicorn.conf.py'));
    assert.equal(r.config.workers, 12);
  });

  test('tunicorn.config.* comes before gunicorn.conf.py; -c names another', async () => {
    const dir = project({ 'gunicorn.conf.py': 'workers = 12\n', 'tunicorn.config.json': '{"workers": 13}', 'other.json': '{"workers": 14}' });
    assert.equal((await resolveIn(dir)).config.workers, 13);
    assert.equal((await resolveIn(dir, ['-c', 'other.json'])).config.workers, 14);
    assert.equal((await resolveIn(dir, ['--config', join(dir, 'gunicorn.conf.py')])).config.workers, 12);
  });
});

describe("--check-config advice: the seed's ranges warn, never refuse", () => {
  const adviceFor = async (argv: string[]) => advice((await cli(argv)).config);
  test('inside the ranges: no advice', async () => {
    assert.deepEqual(await adviceFor(['-w', '1', '--worker-connections', '2000', '--max-requests', '1000', '-t', '5']), []);
    assert.deepEqual(await adviceFor(['-w', '64', '--max-requests', '100000', '-t', '300']), []);
    assert.deepEqual(await adviceFor(['--max-requests', '0', '-t', '0']), [], '0 (off) is not advised against');
  });
  test('outside the ranges: one warning each', async () => {
    assert.deepEqual(await adviceFor(['-w', '65', '--worker-connections', '2001', '--max-requests', '999', '-t', '4']), [
      'workers 65 is outside the recommended range 1-64',
      'worker_connections 2001 is above the recommended maximum 2000',
      'max_requests 999 is outside the recommended range 1000-100000',
      'timeout 4 is outside the recommended range 5-300',
    ]);
    assert.deepEqual(await adviceFor(['--max-requests', '100001', '-t', '301']), [
      'max_requests 100001 is outside the recommended range 1000-100000',
      'timeout 301 is outside the recommended range 5-300',
    ]);
  });
});
