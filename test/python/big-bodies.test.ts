/**
 * A 1 GB upload and a 1 GB download pass through the front and a Python worker with flat memory
 * on both sides: bodies are streamed under the frames' flow control, never buffered whole. Node's
 * garbage collector lets a busy front's resident memory rise by some tens of MiB before it settles,
 * so the check is that the peak stops growing: after 2 GiB it is within 40 MiB of what it was
 * after the first 256 MiB (a front that buffered would grow by the gigabyte), and under 96 MiB
 * above where it started. The Python worker's stays within a megabyte.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { startServer, type Tunicorn } from '../helpers/cli.js';
import { PY_FIXTURES, PYTHON } from '../helpers/python.js';

const GB = 1024 ** 3;

/** Resident and peak resident memory of a process, in MiB. */
function memory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)![1]) / 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

function children(t: Tunicorn): number[] {
  const pids = readFileSync(`/proc/${t.pid}/task/${t.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
  return pids.filter((p) => p > 0);
}

for (const [k, extra] of [
  ['gevent', []],
  ['sync', []],
] as const) {
  test(`${k}: 1 GB up and 1 GB down, the front's and the Python worker's peak memory flat after the first 256 MiB`, async () => {
    const { t, url } = await startServer(['--python', PYTHON, '-k', k, ...extra, 'app:application'], { cwd: PY_FIXTURES, workers: 1 });
    try {
      const pids = children(t);
      const before = new Map(pids.map((p) => [p, memory(p).rss]));
      const early = new Map<number, number>();
      const piece = Buffer.alloc(256 * 1024, 'z');
      let sent = 0;
      const body = new Readable({
        read() {
          if (sent === GB / 4) for (const p of pids) early.set(p, memory(p).hwm);
          if (sent >= GB) return void this.push(null);
          sent += piece.length;
          this.push(piece);
        },
      });
      const counted = await new Promise<string>((resolve, reject) => {
        const req = http.request(`${url}/count`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' } }, (res) => {
          let text = '';
          res
            .setEncoding('utf8')
            .on('data', (c) => (text += c))
            .on('end', () => resolve(text));
        });
        req.on('error', reject);
        body.pipe(req);
      });
      assert.equal(counted, String(GB));

      const received = await new Promise<number>((resolve, reject) => {
        http
          .get(`${url.replace(/\/$/, '')}/download-1024`, (res) => {
            let n = 0;
            res.on('data', (c: Buffer) => (n += c.length)).on('end', () => resolve(n));
          })
          .on('error', reject);
      });
      assert.equal(received, GB);
      for (const p of pids) {
        const { hwm } = memory(p);
        const what = `pid ${p}: ${before.get(p)!.toFixed(1)} MiB before, peak ${early.get(p)!.toFixed(1)} MiB after 256 MiB, ${hwm.toFixed(1)} MiB after 2 GiB`;
        console.log(`${k}: ${what}`);
        assert.ok(hwm - early.get(p)! < 40, what);
        assert.ok(hwm - before.get(p)! < 96, what);
      }
    } finally {
      assert.equal((await t.stop()).code, 0);
    }
  });
}
