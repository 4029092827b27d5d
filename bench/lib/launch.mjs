// Start one contender, wait for its first 200 (the start-up time), check what it serves.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { start } from './procs.mjs';
import { freePort, get, waitForOk } from './net.mjs';
import { HELLO, BIG } from '../apps/content.mjs';

/** Resolves with { contender, handle, port, startupMs }; on failure stops what it started and throws. */
export async function launch(contender, { workers, ctx, timeoutMs = 20000 }) {
  const port = await freePort();
  const spec = contender.command({ port, workers, ctx });
  const logDir = join(ctx.work, 'logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${contender.id}-w${workers}.log`);
  const since = performance.now();
  const handle = start(spec.cmd, spec.args, { env: spec.env, cwd: spec.cwd, stopSignal: spec.stopSignal, logFile });
  try {
    const startupMs = await waitForOk(port, { since, timeoutMs, handle });
    const hello = await get(port, '/');
    if (hello.body !== HELLO) throw new Error(`GET / answered ${JSON.stringify(hello.body.slice(0, 40))}, not "${HELLO}"`);
    const big = await get(port, '/big', 3000);
    if (big.status !== 200 || big.body.length !== BIG.length) throw new Error(`GET /big answered ${big.status}, ${big.body.length} bytes`);
    handle.remember();
    return { contender, handle, port, startupMs, logFile };
  } catch (err) {
    await handle.stop(3000);
    const tail = handle.logTail(8).split('\n').map((l) => `    | ${l}`).join('\n');
    throw new Error(`${err.message}${tail.trim() !== '|' ? `\n${tail}` : ''}\n    (log: ${logFile})`);
  }
}
