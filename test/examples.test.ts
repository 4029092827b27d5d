/**
 * examples/: the seed's three Gunicorn configs as the seed gives them, and the same three as
 * tunicorn.config.ts files. Each serves examples/hello.ts (bind moved to a free loopback port, and
 * -w 2 where the file would start cpus*2+1 workers: the command line wins over the file).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ROOT, runCli, startServer } from './helpers/cli.js';

const EXAMPLES = join(ROOT, 'examples');
const TMP = mkdtempSync(join(tmpdir(), 'tunicorn-examples-'));
after(() => rmSync(TMP, { recursive: true, force: true }));
const CLEAN_ENV = { TUNICORN_CMD_ARGS: '', WEB_CONCURRENCY: '', PORT: '' };
const read = (name: string) => readFileSync(join(EXAMPLES, name), 'utf8');

describe("the seed's configurations, as the seed gives them", () => {
  test('gunicorn.conf.py: the 264-byte primary config', () => {
    assert.equal(statSync(join(EXAMPLES, 'gunicorn.conf.py')).size, 264);
    const text = read('gunicorn.conf.py');
    for (const line of [
      'import multiprocessing',
      'workers = multiprocessing.cpu_count()*2+1',
      '# Network binding with all interfaces on port 8080',
      'bind = ":8080"',
      '# Gevent async worker for I/O-bound applications',
      'worker_class = "gevent"',
      'worker_connections = 1000',
      'max_requests = 30000',
      'timeout = 15',
    ]) {
      assert.ok(text.split('\n').includes(line), `missing: ${line}`);
    }
  });

  test("gunicorn.dev.conf.py and gunicorn.prod.conf.py: the seed's blocks, line for line", () => {
    const dev = ['# Development (gunicorn.dev.conf.py)', 'bind = "127.0.0.1:8000"', 'workers = 1', 'worker_class = "sync"', 'reload = True', 'loglevel = "debug"'];
    const prod = [
      '# Production (gunicorn.prod.conf.py)',
      'bind = ":8080"',
      'workers = multiprocessing.cpu_count()*2+1',
      'worker_class = "gevent"',
      'preload_app = True',
      'loglevel = "warning"',
      'access_log = "/var/log/gunicorn/access.log"',
      'error_log = "/var/log/gunicorn/error.log"',
    ];
    assert.equal(read('gunicorn.dev.conf.py'), `${dev.join('\n')}\n`);
    // The seed's prod block uses multiprocessing without importing it (its primary config does): the import is added.
    assert.equal(read('gunicorn.prod.conf.py'), `import multiprocessing\n\n${prod.join('\n')}\n`);
  });

  test('each tunicorn.config.ts resolves to the same settings as its gunicorn.conf.py', async () => {
    const pairs = [
      ['gunicorn.conf.py', 'tunicorn.config.ts'],
      ['gunicorn.dev.conf.py', 'tunicorn.dev.config.ts'],
      ['gunicorn.prod.conf.py', 'tunicorn.prod.config.ts'],
    ] as const;
    const printed = await Promise.all(
      pairs.flat().map(async (file) => {
        const r = await runCli(['--print-config', '-c', file], { cwd: EXAMPLES, env: CLEAN_ENV });
        assert.equal(r.code, 0, r.output);
        return Object.fromEntries(
          r.stdout
            .trim()
            .split('\n')
            .map((l) => l.split(/\s+= /) as [string, string]),
        );
      }),
    );
    for (let i = 0; i < pairs.length; i++) {
      const [py, ts] = [printed[2 * i]!, printed[2 * i + 1]!];
      const name = pairs[i]![1];
      assert.equal(JSON.parse(ts.config!), join(EXAMPLES, name));
      if (name === 'tunicorn.prod.config.ts') {
        // The seed's access_log / error_log are ignored names in Python; the TS file uses the real ones.
        assert.deepEqual([py.accesslog, py.errorlog], ['null', '"-"']);
        assert.deepEqual([ts.accesslog, ts.errorlog], ['"/var/log/tunicorn/access.log"', '"/var/log/tunicorn/error.log"']);
        for (const k of ['accesslog', 'errorlog']) {
          delete py[k];
          delete ts[k];
        }
      }
      delete py.config;
      delete ts.config;
      assert.deepEqual(ts, py, name);
    }
    const primary = printed[1]!;
    assert.deepEqual(
      [primary.bind, primary.workers, primary.worker_class, primary.worker_connections, primary.max_requests, primary.timeout],
      ['[":8080"]', String(availableParallelism() * 2 + 1), '"async"', '1000', '30000', '15'],
    );
  });

  test('the tunicorn.config.ts examples type-check against defineConfig', () => {
    const tsconfig = join(TMP, 'tsconfig.json');
    writeFileSync(
      tsconfig,
      JSON.stringify({
        extends: join(ROOT, 'tsconfig.json'),
        compilerOptions: { noEmit: true, rootDir: ROOT },
        files: ['tunicorn.config.ts', 'tunicorn.dev.config.ts', 'tunicorn.prod.config.ts'].map((f) => join(EXAMPLES, f)),
      }),
    );
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});

describe('serving examples/hello.ts with each config', { concurrency: 2 }, () => {
  /** Start with `-c file` plus overrides, check a 200, stop with TERM (exit 0); returns the output. */
  async function serve(config: string, extra: string[] = []): Promise<string> {
    // The prod configs boot cpus*2+1 workers that each compile hello.ts: slow on a loaded CI machine.
    const { t, url } = await startServer(['-c', config, ...extra, 'hello.ts'], { cwd: EXAMPLES, env: CLEAN_ENV, serveMs: 45_000 });
    try {
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'Hello, World!');
    } finally {
      assert.equal((await t.stop('SIGTERM')).code, 0, t.output);
    }
    return t.output;
  }
  const GEVENT_INFO = "[INFO] worker_class gevent is served by tunicorn's async worker (an event loop, like gevent's).";

  test('gunicorn.conf.py (gevent is the async worker, with an info line)', async () => {
    const out = await serve('gunicorn.conf.py', ['-w', '2']);
    assert.ok(out.includes(GEVENT_INFO), out);
    assert.match(out, /\[INFO\] Using worker: async/);
    assert.match(out, /Workers: 2, worker_connections: 1000, max_requests: 30000, timeout: 15s/);
    assert.equal(out.match(/Booting worker with pid/g)?.length, 2);
    assert.doesNotMatch(out, /WARNING|ERROR/);
  });

  test('tunicorn.config.ts (the same)', async () => {
    const out = await serve('tunicorn.config.ts', ['-w', '2']);
    assert.ok(out.includes(GEVENT_INFO), out);
    assert.match(out, /Workers: 2, worker_connections: 1000, max_requests: 30000, timeout: 15s/);
    assert.doesNotMatch(out, /WARNING|ERROR/);
  });

  for (const config of ['gunicorn.dev.conf.py', 'tunicorn.dev.config.ts']) {
    test(`${config} (one sync worker, debug log, reload on)`, async () => {
      const out = await serve(config);
      assert.match(out, new RegExp(`\\[DEBUG\\] Config file: .*${config.replace(/\./g, '\\.')}`));
      assert.match(out, /\[INFO\] Using worker: sync/);
      assert.equal(out.match(/Booting worker with pid/g)?.length, 1);
      assert.doesNotMatch(out, /WARNING|ERROR/);
    });
  }

  test("gunicorn.prod.conf.py (the seed's access_log / error_log are warned about, naming accesslog / errorlog)", async () => {
    const out = await serve('gunicorn.prod.conf.py', ['-w', '2']);
    assert.match(out, /\[WARNING\] gunicorn\.prod\.conf\.py: access_log is not a setting \(Gunicorn ignores it too\); did you mean "accesslog"\?/);
    assert.match(out, /\[WARNING\] gunicorn\.prod\.conf\.py: error_log is not a setting \(Gunicorn ignores it too\); did you mean "errorlog"\?/);
    assert.doesNotMatch(out, /\[INFO\]/, 'loglevel warning');
  });

  test('tunicorn.prod.config.ts (accesslog / errorlog really log; redirected to a temp dir here)', async () => {
    const access = join(TMP, 'access.log');
    const error = join(TMP, 'error.log');
    const out = await serve('tunicorn.prod.config.ts', ['-w', '2', '--access-logfile', access, '--error-logfile', error]);
    assert.doesNotMatch(out, /WARNING|ERROR/);
    assert.match(readFileSync(access, 'utf8'), /^127\.0\.0\.1 - - \[[^\]]+\] "GET \/ HTTP\/1\.1" 200 13 "-" /m);
    assert.doesNotMatch(readFileSync(error, 'utf8'), /\[INFO\]/, 'loglevel warning');
  });
});
