#!/usr/bin/env node
// The hop between a front and a Python worker on its own: body bytes through one unix socket with
// the real framing code on both sides (dist/python/frames.js, python/tunicorn_worker), no HTTP,
// no app. down: the worker sends 100 KB responses (RESPONSE header, DATA, END as parts, as the
// worker does), the front reads them with its FrameReader; up: the front sends 1 MB bodies as
// 64 KiB DATA frames, the worker reads them with its FrameReader and joins them (as wsgi.input.read()).
// Prints CPU per message on each side: the floor under the Python table's 100 KB and 1 MB rows.
// Worker side measured with the MALLOC_* thresholds the master gives workers (src/arbiter/python-worker.ts).
//   node bench/python-hop.mjs [--count 20000] [--python /usr/bin/python3]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FrameReader, frameHeader } from '../dist/python/frames.js';

const DATA = 2; // Frame.Data, Frame.ResponseData and Frame.ResponseEnd (a const enum: not in the build)
const RDATA = 12;
const REND = 13;

const { values: opt } = parseArgs({ options: { count: { type: 'string', default: '20000' }, python: { type: 'string', default: '/usr/bin/python3' } } });
const root = dirname(dirname(fileURLToPath(import.meta.url)));
const COUNT = Number(opt.count); // 100 KB responses; a tenth as many 1 MB bodies
const DOWN = 100 * 1024;
const UP = 1024 * 1024;

// The worker's side: its own modules, its socket buffer size, its way of sending and reading.
const PY = `
import resource, socket, sys, time
from tunicorn_worker import frames
from tunicorn_worker.conn import SNDBUF
from tunicorn_worker.sendv import send_parts
mode, path, count, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
l = socket.socket(socket.AF_UNIX); l.bind(path); l.listen(1); print("ready", flush=True)
s, _ = l.accept()
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SNDBUF)
ru0 = resource.getrusage(resource.RUSAGE_SELF)
if mode == "down":
    body = b"x" * size
    head = frames.frame(frames.RESPONSE, 1, b'[200,"OK",[]]')
    for i in range(count):
        send_parts(s, [head + frames.pack_header(frames.RDATA, 1, size), body, frames.end_frame(1)])
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
else:
    r = frames.FrameReader(s)
    parts, n, got = [], 0, 0
    while got < count:
        fs = r.read()
        if fs is None:
            break
        for t, sid, p in fs:
            parts.append(p); n += len(p)
            if n >= size:
                body = b"".join(parts); parts, n = [], 0; got += 1
ru = resource.getrusage(resource.RUSAGE_SELF)
print((ru.ru_utime - ru0.ru_utime + ru.ru_stime - ru0.ru_stime) * 1e6 / count)
`;

async function run(mode, COUNT) {
  const dir = mkdtempSync(join(tmpdir(), 'tunicorn-hop-'));
  const path = join(dir, 'hop.sock');
  const py = spawn(opt.python, ['-c', PY, mode, path, String(COUNT), String(mode === 'down' ? DOWN : UP)], {
    env: { MALLOC_TRIM_THRESHOLD_: String(32 << 20), MALLOC_MMAP_THRESHOLD_: String(4 << 20), ...process.env, PYTHONPATH: join(root, 'python') }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  let pyOut = '';
  await new Promise((r) => py.stdout.once('data', r));
  py.stdout.on('data', (d) => { pyOut += d; });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  if (mode === 'down') {
    // As src/python/upstream.ts reads a worker: into one reused buffer, pieces copied out.
    let ends = 0;
    const reader = new FrameReader((type) => { if (type === REND) ends++; }, RDATA, true);
    const buffer = Buffer.allocUnsafeSlow(256 * 1024);
    const sock = net.connect({ path, allowHalfOpen: true, onread: { buffer, callback: (n) => { reader.push(buffer.subarray(0, n)); return true; } } });
    await new Promise((r) => sock.on('end', r));
    if (ends !== COUNT) throw new Error(`down: ${ends} responses of ${COUNT}`);
    sock.end('x');
  } else {
    const sock = net.connect({ path });
    await new Promise((r) => sock.once('connect', r));
    const body = Buffer.alloc(UP, 'x');
    for (let i = 0; i < COUNT; i++) {
      sock.cork();
      for (let off = 0; off < UP; off += 65536) {
        sock.write(frameHeader(DATA, 1, 65536));
        sock.write(body.subarray(off, off + 65536));
      }
      sock.uncork();
      if (sock.writableNeedDrain) await new Promise((r) => sock.once('drain', r));
    }
    sock.end();
  }
  const cpu = process.cpuUsage(cpu0);
  const ms = performance.now() - t0;
  await new Promise((r) => py.on('exit', r));
  rmSync(dir, { recursive: true, force: true });
  const front = (cpu.user + cpu.system) / COUNT;
  console.log(`${mode === 'down' ? `down, ${DOWN / 1024} KB responses` : `up, ${UP / 1024 / 1024} MB bodies`}: front ${front.toFixed(1)} µs, worker ${Number(pyOut).toFixed(1)} µs CPU per message; ${Math.round((COUNT * 1000) / ms)} messages/s`);
}

await run('down', COUNT);
await run('up', Math.max(1, Math.floor(COUNT / 10)));
