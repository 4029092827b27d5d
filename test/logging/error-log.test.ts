/** The error log (src/logging/error-log.ts) written to a file: Gunicorn's line format, levels, JSON. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ErrorLog, errorLogTime, type Level } from '../../src/logging/error-log.js';
import { withRequestId } from '../../src/logging/request-id.js';

const dir = mkdtempSync(join(tmpdir(), 'tunicorn-errorlog-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const open = (level: Level, format: 'text' | 'json' = 'text') => {
  const file = join(dir, `error-${++n}.log`);
  return { log: new ErrorLog({ target: file, level, format }), read: () => readFileSync(file, 'utf8'), file };
};

/** `[2026-11-23 12:00:00 +0000] [pid] [LEVEL] message`, as Gunicorn writes it. */
const LINE = /^\[(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})\] \[(\d+)\] \[(DEBUG|INFO|WARNING|ERROR|CRITICAL)\] (.*)$/;

describe('error log, text', () => {
  test("each line is Gunicorn's: [date time offset] [pid] [LEVEL] message", () => {
    const { log, read } = open('debug');
    log.debug('d');
    log.info('Booting worker with pid: 1');
    log.warning('w');
    log.error('e');
    log.critical('WORKER TIMEOUT (pid:1)');
    const lines = read().trimEnd().split('\n');
    assert.deepEqual(
      lines.map((l) => LINE.exec(l)?.slice(10)),
      [
        [String(process.pid), 'DEBUG', 'd'],
        [String(process.pid), 'INFO', 'Booting worker with pid: 1'],
        [String(process.pid), 'WARNING', 'w'],
        [String(process.pid), 'ERROR', 'e'],
        [String(process.pid), 'CRITICAL', 'WORKER TIMEOUT (pid:1)'],
      ],
    );
  });

  test("the time is local time with its offset (Python's %Y-%m-%d %H:%M:%S %z)", () => {
    const saved = process.env.TZ;
    try {
      process.env.TZ = 'UTC';
      assert.equal(errorLogTime(new Date(Date.UTC(2026, 10, 23, 12, 0, 0))), '2026-11-23 12:00:00 +0000');
      process.env.TZ = 'Asia/Kolkata';
      assert.equal(errorLogTime(new Date(Date.UTC(2026, 10, 23, 12, 0, 0))), '2026-11-23 17:30:00 +0530');
      process.env.TZ = 'America/Los_Angeles';
      assert.equal(errorLogTime(new Date(Date.UTC(2026, 0, 2, 3, 4, 5))), '2026-01-01 19:04:05 -0800');
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  test('levels filter: warning hides debug and info; critical shows only critical', () => {
    const w = open('warning');
    for (const l of ['debug', 'info', 'warning', 'error', 'critical'] as const) w.log[l](`at ${l}`);
    assert.deepEqual(
      w
        .read()
        .trimEnd()
        .split('\n')
        .map((l) => LINE.exec(l)?.[11]),
      ['WARNING', 'ERROR', 'CRITICAL'],
    );
    assert.equal(w.log.enabled('info'), false);
    assert.equal(w.log.enabled('error'), true);
    const c = open('critical');
    for (const l of ['debug', 'info', 'warning', 'error', 'critical'] as const) c.log[l](`at ${l}`);
    assert.deepEqual(
      c
        .read()
        .trimEnd()
        .split('\n')
        .map((l) => LINE.exec(l)?.[11]),
      ['CRITICAL'],
    );
  });

  test('an exception: the message line, then the stack on the lines after it', () => {
    const { log, read } = open('info');
    log.exception('Error handling request GET /x', new Error('kaput'));
    const [first, second, third] = read().split('\n');
    assert.match(first!, /\] \[ERROR\] Error handling request GET \/x$/);
    assert.equal(second, 'Error: kaput');
    assert.match(third!, /^\s+at .*error-log\.test\.ts/);
  });

  test('reopen: after the file is renamed (logrotate), new lines go to a new file of the old name', () => {
    const { log, read, file } = open('info');
    log.info('before rotation');
    renameSync(file, `${file}.1`);
    log.info('still into the renamed file');
    log.reopen();
    log.info('after reopen');
    assert.match(readFileSync(`${file}.1`, 'utf8'), /before rotation\n.*still into the renamed file\n$/);
    assert.match(read(), /^\[[^\n]*\] \[INFO\] after reopen\n$/);
  });
});

describe('error log, JSON', () => {
  test('one JSON object per line: time, pid, level, msg; stack for exceptions', () => {
    const { log, read } = open('info', 'json');
    log.info('Listening at: http://127.0.0.1:8080');
    log.exception('Error handling request GET /x', new RangeError('bad range'));
    const [a, b] = read()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string | number>);
    assert.deepEqual(Object.keys(a!), ['time', 'pid', 'level', 'msg']);
    assert.match(String(a!.time), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.equal(a!.pid, process.pid);
    assert.equal(a!.level, 'info');
    assert.equal(a!.msg, 'Listening at: http://127.0.0.1:8080');
    assert.equal(b!.level, 'error');
    assert.match(String(b!.stack), /^RangeError: bad range\n\s+at /);
  });

  test("lines written on a request's behalf carry its request_id", () => {
    const { log, read } = open('info', 'json');
    withRequestId('req-42', () => {
      log.error('for the request');
      withRequestId('req-43', () => log.error('for a nested one'));
      log.exception('again for the request', new Error('x'));
    });
    log.error('outside any request');
    withRequestId(undefined, () => log.error('no id to give'));
    const ids = read()
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as Record<string, unknown>).request_id);
    assert.deepEqual(ids, ['req-42', 'req-43', 'req-42', undefined, undefined]);
  });
});
