/**
 * The logs a user of the real CLI sees: Gunicorn's error-log lines and levels, the access log in
 * Gunicorn's default format and with every atom, "-" or files for each log, files reopened on USR1
 * (logrotate), and --log-format json with request ids.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sleep, startServer, type Tunicorn } from '../helpers/cli.js';

type Server = { t: Tunicorn; url: string; port: number };

const LINE = /^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4}\] \[(\d+)\] \[(DEBUG|INFO|WARNING|ERROR|CRITICAL)\] \S.*$/;
const ACCESS_TIME = String.raw`\[\d{2}/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\]`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ALL_ATOMS =
  'h=%(h)s l=%(l)s u=%(u)s t=%(t)s r="%(r)s" s=%(s)s m=%(m)s U=%(U)s q=%(q)s H=%(H)s b=%(b)s B=%(B)s f="%(f)s" a="%(a)s" ' +
  'T=%(T)s D=%(D)s M=%(M)s L=%(L)s p=%(p)s in=%({X-Trace}i)s out=%({content-type}o)s env=%({TUNICORN_LOG_COLOR}e)s';

/** Poll a file until it matches (log files are written asynchronously). */
async function fileMatches(file: string, re: RegExp, ms = 5000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (re.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`${file} never matched ${re}; it holds:\n${text}`);
    await sleep(50);
  }
}

const get = async (url: string, headers: Record<string, string> = {}) => {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
  await res.arrayBuffer();
  return res;
};

describe('logs', { timeout: 90_000, concurrency: true }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunicorn-logs-'));
  const accessFile = join(dir, 'access.log');
  const errorFile = join(dir, 'error.log');
  let debug: Server, warning: Server, files: Server, json: Server, jsonNoAccess: Server;
  before(async () => {
    [debug, warning, files, json, jsonNoAccess] = await Promise.all([
      startServer(['app.mjs', '--access-logfile', '-', '--log-level', 'debug'], { workers: 1 }),
      startServer(['app.mjs', '--access-logfile', '-', '--access-logformat', ALL_ATOMS, '--log-level', 'warning'], { workers: 1, env: { TUNICORN_LOG_COLOR: 'blue' } }),
      startServer(['app.mjs', '--access-logfile', accessFile, '--error-logfile', errorFile], { workers: 1 }),
      startServer(['app.mjs', '--log-format', 'json', '--access-logfile', '-'], { workers: 1 }),
      startServer(['app.mjs', '--log-format', 'json'], { workers: 1 }),
    ]);
  });
  after(async () => {
    for (const s of [debug, warning, files, json, jsonNoAccess]) if (s) assert.equal((await s.t.stop()).code, 0, s.t.output);
    rmSync(dir, { recursive: true, force: true });
  });

  test("error-log lines are Gunicorn's, from the master and the workers; --log-level debug adds DEBUG lines", async () => {
    await get(`${debug.url}/throw`);
    await debug.t.waitFor(/\[ERROR\] Error handling request GET \/throw/);
    const { t } = debug;
    const master = String(t.pid);
    const worker = String(t.workerPids()[0]);
    const logLines = t.output.split('\n').filter((l) => l.startsWith('['));
    for (const l of logLines) assert.match(l, LINE);
    const byPid = (pid: string) => logLines.filter((l) => LINE.exec(l)?.[1] === pid);
    assert.ok(byPid(master).some((l) => / \[INFO\] Starting tunicorn /.test(l)));
    assert.ok(byPid(master).some((l) => / \[INFO\] Booting worker with pid: \d+$/.test(l)));
    assert.ok(byPid(worker).some((l) => / \[DEBUG\] HTTP: limit_request_line 4094, limit_request_fields 100, limit_request_field_size 8190, keepalive 2s/.test(l)));
    assert.ok(byPid(worker).some((l) => / \[ERROR\] Error handling request GET \/throw$/.test(l)));
    // At the default level (info) there are no DEBUG lines.
    await fileMatches(errorFile, /Booting worker/);
    assert.doesNotMatch(readFileSync(errorFile, 'utf8'), /\[DEBUG\]/);
  });

  test('--log-level warning hides INFO lines and keeps warnings and errors', async () => {
    await get(`${warning.url}/throw`);
    // A request line over the limit is a WARNING.
    await get(`${warning.url}/${'x'.repeat(4100)}`);
    await warning.t.waitFor(/\[WARNING\] Invalid request from ip=127\.0\.0\.1: request line is too large/);
    await warning.t.waitFor(/\[ERROR\] Error handling request GET \/throw/);
    assert.doesNotMatch(warning.t.output, /\[INFO\]|\[DEBUG\]/);
    assert.doesNotMatch(warning.t.output, /Starting tunicorn|Booting worker/);
  });

  test("the access log to stdout in Gunicorn's default format", async () => {
    await get(`${debug.url}/?q=1`, { referer: 'http://referrer.example/page', 'user-agent': 'tunicorn-test/1.0', authorization: `Basic ${Buffer.from('alice:pw').toString('base64')}` });
    await get(`${debug.url}/slow?ms=5`);
    await debug.t.waitFor(new RegExp(`^127\\.0\\.0\\.1 - alice ${ACCESS_TIME} "GET /\\?q=1 HTTP/1\\.1" 200 13 "http://referrer\\.example/page" "tunicorn-test/1\\.0"$`, 'm'));
    await debug.t.waitFor(new RegExp(`^127\\.0\\.0\\.1 - - ${ACCESS_TIME} "GET /slow\\?ms=5 HTTP/1\\.1" 200 7 "-" "node"$`, 'm'));
    // The failed request is logged too, with its status.
    await debug.t.waitFor(new RegExp(`^127\\.0\\.0\\.1 - - ${ACCESS_TIME} "GET /throw HTTP/1\\.1" 500 22 "-" "node"$`, 'm'));
  });

  test('every access-log atom, end to end', async () => {
    await get(`${warning.url}/slow?ms=120&z=9`, { 'x-trace': 'abc', referer: 'http://r.example/', 'user-agent': 'atoms/2' });
    const m = await warning.t.waitFor(/^h=.* r="GET \/slow\?ms=120&z=9 HTTP\/1\.1" .*$/m);
    const line = m[0];
    // (Booting lines are INFO, hidden at this level: the worker pid is any pid but the master's.)
    const expected = new RegExp(
      `^h=127\\.0\\.0\\.1 l=- u=- t=${ACCESS_TIME} r="GET /slow\\?ms=120&z=9 HTTP/1\\.1" s=200 m=GET U=/slow q=ms=120&z=9 H=HTTP/1\\.1 b=9 B=9 ` +
        `f="http://r\\.example/" a="atoms/2" T=0 D=(\\d+) M=(\\d+) L=0\\.(\\d{6}) p=<(?!${warning.t.pid}>)\\d+> in=abc out=text/plain; charset=UTF-8 env=blue$`,
    );
    const parts = expected.exec(line);
    assert.ok(parts, `${line}\ndoes not match\n${expected}`);
    const [D, M, L] = [Number(parts[2]), Number(parts[3]), Number(`0.${parts[4]}`)];
    assert.ok(D >= 120_000 && D < 2_000_000, `D=${D}`);
    assert.equal(M, Math.floor(D / 1000));
    assert.equal(L, D / 1e6);
  });

  test('log files, reopened on USR1 after logrotate renames them', async () => {
    await get(`${files.url}/?before=1`);
    await get(`${files.url}/throw`);
    await fileMatches(accessFile, /"GET \/\?before=1 HTTP\/1\.1" 200 13/);
    await fileMatches(errorFile, /\[ERROR\] Error handling request GET \/throw\n/);
    // Nothing of either log went to the terminal.
    assert.doesNotMatch(files.t.output, /before=1|Booting worker|Error handling/);

    renameSync(accessFile, `${accessFile}.1`);
    renameSync(errorFile, `${errorFile}.1`);
    await get(`${files.url}/?renamed=1`); // still written to the renamed file, as with Gunicorn
    files.t.signal('SIGUSR1');
    // The worker has reopened its logs once the new access.log exists.
    const deadline = Date.now() + 5000;
    while (!existsSync(accessFile) && Date.now() < deadline) await sleep(50);
    assert.ok(existsSync(accessFile), 'access.log was not reopened after USR1');
    await get(`${files.url}/?after=1`);
    await get(`${files.url}/${'a'.repeat(4100)}`); // a WARNING from the worker
    await fileMatches(accessFile, /"GET \/\?after=1 HTTP\/1\.1" 200 13/);
    const newError = await fileMatches(errorFile, /\[WARNING\] Invalid request from ip=127\.0\.0\.1: request line is too large/);
    const oldAccess = await fileMatches(`${accessFile}.1`, /renamed=1/);
    assert.doesNotMatch(readFileSync(accessFile, 'utf8'), /before=1|renamed=1/);
    assert.doesNotMatch(oldAccess, /after=1/);
    const oldError = readFileSync(`${errorFile}.1`, 'utf8');
    assert.match(oldError, /\[INFO\] Handling signal: usr1/);
    assert.doesNotMatch(oldError, /Invalid request/);
    assert.doesNotMatch(newError, /Error handling request|Booting worker/);
    for (const l of newError.split('\n').filter((x) => x.startsWith('['))) assert.match(l, LINE);
  });

  test('--log-format json: one JSON object per line in both logs; X-Request-ID honoured or generated, and echoed', async () => {
    const given = await get(`${json.url}/?a=1`, { 'x-request-id': 'trace-abc-123' });
    assert.equal(given.headers.get('x-request-id'), 'trace-abc-123');
    const generated = await get(`${json.url}/?a=2`);
    const genId = generated.headers.get('x-request-id') ?? '';
    assert.match(genId, UUID);
    // An id a client could use to forge log content is replaced.
    const forged = await get(`${json.url}/?a=3`, { 'x-request-id': 'two words "quoted"' });
    assert.match(forged.headers.get('x-request-id') ?? '', UUID);
    const failed = await get(`${json.url}/throw`, { 'x-request-id': 'req-that-fails' });
    assert.equal(failed.status, 500);
    assert.equal(failed.headers.get('x-request-id'), 'req-that-fails');

    await json.t.waitFor(/"msg":"Error handling request GET \/throw"/);
    await json.t.waitFor(/"path":"\/throw"/);
    const lines = json.t.output.split('\n').filter((l) => l.trim() !== '');
    const objects = lines.map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON line: ${l}\n${json.t.output}`);
      }
    });
    const access = objects.filter((o) => 'status' in o);
    const errors = objects.filter((o) => 'level' in o);
    assert.ok(errors.some((o) => o.level === 'info' && /^Booting worker with pid: \d+$/.test(String(o.msg))));
    for (const o of errors) assert.deepEqual(Object.keys(o).slice(0, 4), ['time', 'pid', 'level', 'msg']);
    const byQuery = (q: string) => access.find((o) => o.query === q);
    assert.equal(byQuery('a=1')?.request_id, 'trace-abc-123');
    assert.equal(byQuery('a=2')?.request_id, genId);
    assert.deepEqual(
      { ...byQuery('a=1'), time: 0, duration_ms: 0 },
      {
        time: 0,
        pid: json.t.workerPids()[0],
        remote_addr: '127.0.0.1',
        method: 'GET',
        path: '/',
        query: 'a=1',
        protocol: 'HTTP/1.1',
        status: 200,
        bytes: 13,
        duration_ms: 0,
        referer: null,
        user_agent: 'node',
        request_id: 'trace-abc-123',
      },
    );
    const appError = errors.find((o) => o.msg === 'Error handling request GET /throw');
    assert.ok(appError, 'no error line for /throw');
    assert.equal(appError.level, 'error');
    assert.equal(appError.request_id, 'req-that-fails');
    assert.match(String(appError.stack), /^Error: boom from the app\n\s+at /);
    assert.equal(access.find((o) => o.path === '/throw')?.status, 500);
  });

  test('--log-format json without an access log still gives each request an id, in the response and its error lines', async () => {
    const ok = await get(`${jsonNoAccess.url}/`);
    assert.match(ok.headers.get('x-request-id') ?? '', UUID);
    const failed = await get(`${jsonNoAccess.url}/throw`);
    const id = failed.headers.get('x-request-id') ?? '';
    assert.match(id, UUID);
    const m = await jsonNoAccess.t.waitFor(/^\{.*"msg":"Error handling request GET \/throw".*\}$/m);
    assert.equal((JSON.parse(m[0]) as { request_id: string }).request_id, id);
  });
});
