/**
 * Python apps, issue point 3 (the hostile-request corpus): malformed, smuggling and look-alike
 * requests as exact bytes (wire.ts) against test/fixtures/python/attack_echo.py (gevent, 2 Python
 * workers), which logs one APP-SEEN line, with the client's port, per request it is handed. The full
 * corpus (245 cases) runs against Node apps in hostile.test.ts; this is the part whose risk is on the
 * Python side: what the front refuses must never reach wsgi.input or the environ, and what it serves
 * (chunked bodies, trailers, Expect, pipelining, HEAD, 204/304) must arrive as PEP 3333 says.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pythonHas } from '../helpers/python.js';
import { crashLines, processes, startPython } from './python-lib.js';
import { exchange, parseResponses, pool } from './wire.js';
import { CHUNKS, chunked, get, H, post, SMUGGLED } from './requests.js';

interface Case {
  name: string;
  send: string;
  statuses: number[];
  seen: number;
  close?: boolean;
  ms?: number;
  end?: boolean;
  heads?: number[];
  check?: (bodies: string[], seen: string[]) => void;
}
const cases: Case[] = [];
const refused = (name: string, send: string, status = 400, prefix: number[] = []) => cases.push({ name, send, statuses: [...prefix, status], seen: prefix.length, close: true });
const served = (name: string, send: string, statuses: number[], more: Partial<Case> = {}) => cases.push({ name, send, statuses, seen: statuses.filter((s) => s >= 200 && s < 400).length, ...more });

refused('not HTTP', 'HELLO\r\n\r\n');
refused('HTTP/0.9 simple request', 'GET /\r\n\r\n');
refused('HTTP/2.0 request line', get('/', H, 'HTTP/2.0'));
refused('unknown method', get().replace('GET', 'BREW'), 501);
refused('LF in the target (request line injection)', get('/a\nX-Injected: 1'));
refused('NUL in a header value', get('/', `${H}X-A: a\0b\r\n`));
refused('bare LF in a header value (header injection)', get('/', `${H}X-A: a\nX-Injected: 1\r\n`));
refused('obs-fold', get('/', `${H}X-Folded: a\r\n b\r\n`));
refused('no Host on HTTP/1.1', 'GET / HTTP/1.1\r\n\r\n');
refused('two Host lines', get('/', 'Host: x\r\nHost: y\r\n'));
refused('Host with userinfo', get('/', 'Host: u@x\r\n'));
refused('absolute-form authority differs from Host', get('http://example.com/x'));
refused('fragment in the target', get('/#frag'));
refused('CL.TE', post(`${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n`, `0\r\n\r\n${SMUGGLED}`));
refused('TE.CL', post(`${H}Transfer-Encoding: chunked\r\nContent-Length: 5\r\n`, `0\r\n\r\n${SMUGGLED}`));
refused('duplicate Content-Length', post(`${H}Content-Length: 5\r\nContent-Length: 6\r\n`, 'hello!'));
refused('Content-Length: +5', post(`${H}Content-Length: +5\r\n`, 'hello'));
refused('Content-Length list', post(`${H}Content-Length: 5, 5\r\n`, 'hello'));
refused('Transfer-Encoding on HTTP/1.0 hiding a request', post('Transfer-Encoding: chunked\r\n', `0\r\n\r\n${SMUGGLED}`, 'HTTP/1.0'));
refused('Transfer-Encoding: gzip, chunked', post(`${H}Transfer-Encoding: gzip, chunked\r\n`, CHUNKS), 501);
refused('Transfer-Encoding: xchunked', post(`${H}Transfer-Encoding: xchunked\r\n`, CHUNKS));
refused('Content_Length (underscore: would become CONTENT_LENGTH-like HTTP_CONTENT_LENGTH in the environ)', post(`${H}Content_Length: 5\r\n`, ''));
refused('Transfer_Encoding (underscore)', post(`${H}Transfer_Encoding: chunked\r\n`, `0\r\n\r\n${SMUGGLED}`));
refused('chunk size not hex', chunked('zz\r\nhello\r\n0\r\n\r\n'));
refused('chunk data longer than its size', chunked('5\r\nhelloXX\r\n0\r\n\r\n'));
refused('Content-Length in a trailer', chunked('5\r\nhello\r\n0\r\nContent-Length: 5\r\n\r\n'));
refused('Host in a trailer (RFC 9110 §6.5.1)', chunked('5\r\nhello\r\n0\r\nHost: evil\r\n\r\n'));
refused('Authorization in a trailer', chunked('5\r\nhello\r\n0\r\nAuthorization: Bearer x\r\n\r\n'));
refused('chunk extensions over 16 KiB', chunked(`5;${'e'.repeat(20_000)}\r\nhello\r\n0\r\n\r\n`), 413);
refused('request line over limit_request_line', get(`/${'a'.repeat(4100)}`));
refused('header field over limit_request_field_size', get('/', `${H}X-Big: ${'b'.repeat(8200)}\r\n`));
refused('body longer than Content-Length: the rest is a bad request', post(`${H}Content-Length: 5\r\n`, 'helloEXTRA'), 400, [200]);
refused('valid request, then a smuggled CL.TE', get('/1') + post(`${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n`, '0\r\n\r\n'), 400, [200]);
refused('refused request (two Hosts), then a valid one that must never reach the app', get('/', 'Host: x\r\nHost: y\r\n') + SMUGGLED);
cases.push({ name: 'body shorter than Content-Length, client half-closes: nothing reaches the app', send: post(`${H}Content-Length: 10\r\n`, 'hello'), statuses: [], seen: 0, close: true, end: true });
cases.push({ name: 'missing final chunk, client half-closes', send: chunked('5\r\nhello\r\n'), statuses: [], seen: 0, close: true, end: true });
cases.push({ name: 'request line never finished, client waits', send: 'GET /slow', statuses: [], seen: 0, close: false, ms: 300 });

served('three valid requests pipelined', get('/1') + get('/2') + get('/3'), [200, 200, 200], { close: false });
served('chunked body reaches wsgi.input whole', chunked('2;a=b\r\nhe\r\n3\r\nllo\r\n0\r\nX-Sum: 1\r\n\r\n', 'Trailer: X-Sum\r\n'), [200], {
  check: ([b]) => assert.match(b!, /^APP-SEEN POST \/echo HTTP\/1\.1 5 hello/),
});
served('Expect: 100-continue', `POST /echo HTTP/1.1\r\n${H}Content-Length: 5\r\nExpect: 100-continue\r\n\r\nhello`, [200], { check: ([b]) => assert.match(b!, / 5 hello/) });
served('HEAD: no body, then a GET on the same connection', `HEAD / HTTP/1.1\r\n${H}\r\n${get('/2')}`, [200, 200], {
  heads: [0],
  check: ([h, g]) => (assert.equal(h, ''), assert.match(g!, /^APP-SEEN GET \/2 /)),
});
served('204 and 304 without a body, then a GET', get('/204') + get('/304') + get('/2'), [204, 304, 200]);
served('obs-text in a header value reaches the environ as latin-1', get('/', `${H}X-A: caf\xe9\r\n`), [200], { check: (_b, [s]) => assert.match(s!, /\["HTTP_X_A", "caf\\u00e9"\]/) });
served('a percent-encoded NUL in the query', get('/?a=%00'), [200]);
served('Content-Length with leading zeros', post(`${H}Content-Length: 005\r\n`, 'hello'), [200], { check: ([b]) => assert.match(b!, / 5 hello/) });
served('HTTP/1.0 without Host', get('/', '', 'HTTP/1.0'), [200], { close: true });

test(`Python hostile requests: ${cases.length} raw requests against a WSGI echo app, each refused, closed or served as stated; nothing malformed reaches the app`, { timeout: 60_000 }, async (tt) => {
  if (pythonHas('gevent')) return void tt.skip(pythonHas('gevent')!);
  const { t, port } = await startPython('attack_echo:application', ['-k', 'gevent'], { workers: 2 });
  const procs = processes(t);
  const from = t.output.length;
  const results = await pool(cases, 8, (c) =>
    exchange(port, c.send, { ms: c.ms ?? (c.close === false && c.statuses.length === 0 ? 300 : 1500), responses: c.close === true ? undefined : c.statuses.length, end: c.end }),
  );
  const expectedSeen = cases.reduce((n, c) => n + c.seen, 0);
  for (let i = 0; i < 40 && (t.output.slice(from).match(/^APP-SEEN /gm)?.length ?? 0) < expectedSeen; i++) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 300));
  const seenBy = new Map<number, string[]>();
  for (const m of t.output.slice(from).matchAll(/^APP-SEEN port=(\d+) (.*)$/gm)) seenBy.set(Number(m[1]), [...(seenBy.get(Number(m[1])) ?? []), m[2]!]);
  const failures: string[] = [];
  cases.forEach((c, i) => {
    const r = results[i]!;
    const { responses, rest } = parseResponses(r.raw, c.heads);
    const finals = responses.filter((x) => x.status >= 200);
    const seen = seenBy.get(r.port) ?? [];
    const problems: string[] = [];
    if (finals.map((x) => x.status).join() !== c.statuses.join()) problems.push(`statuses [${finals.map((x) => x.status)}] (expected [${c.statuses}])`);
    if (seen.length !== c.seen) problems.push(`the app saw ${seen.length} (expected ${c.seen}): ${seen.join(' | ')}`);
    if (c.close !== undefined && r.closed !== c.close) problems.push(c.close ? 'not closed' : 'closed');
    if (rest !== '') problems.push(`bytes that are not a response: ${JSON.stringify(rest.slice(0, 120))}`);
    for (const x of finals) if (x.status >= 400 && x.headers['x-app-seen']) problems.push(`${x.status} came from the app`);
    if (!problems.length && c.check) {
      try {
        c.check(
          finals.map((x) => x.body),
          seen,
        );
      } catch (err) {
        problems.push(`check: ${(err as Error).message}`);
      }
    }
    if (problems.length) failures.push(`${c.name}: ${problems.join('; ')}\n    got ${JSON.stringify(r.raw.slice(0, 300))}`);
  });
  const total = [...seenBy.values()].flat().length;
  console.log(
    `Python hostile requests: ${cases.length} cases, ${cases.filter((c) => c.seen === 0).length} refused or closed, the app saw ${total} requests (expected ${expectedSeen}, the valid ones)`,
  );
  assert.deepEqual(failures, []);
  assert.equal(total, expectedSeen);
  assert.deepEqual(crashLines(t.output), [], 'no crash, error or traceback lines');
  assert.deepEqual(processes(t), procs, 'the same front and Python workers');
  const stopping = Date.now();
  assert.equal((await t.stop()).code, 0);
  assert.ok(Date.now() - stopping < 5000);
});
