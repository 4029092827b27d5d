/**
 * The error log's destination: every line written at once with write(2), so nothing is lost when
 * a process dies right after logging, and the master loads no CommonJS (sonic-boom, kept for the
 * buffered access log, pulls in Node's CommonJS loader and its memory; bench/limits.md). "-" is stderr.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Destination } from './destination.js';

const sleep = new Int32Array(new SharedArrayBuffer(4));

export function openSyncDestination(target: string): Destination {
  const isStd = target === '-';
  let fd = isStd ? 2 : openSync(target, 'a');
  const write = (line: string) => {
    let buf = Buffer.from(line);
    // stderr may be a non-blocking pipe: wait a moment and retry rather than drop the line.
    for (let tries = 0; buf.length > 0 && tries < 100;) {
      try {
        const n = writeSync(fd, buf);
        buf = buf.subarray(n);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return;
        tries++;
        Atomics.wait(sleep, 0, 0, 10);
      }
    }
  };
  return {
    write,
    reopen: () => {
      if (isStd) return;
      const old = fd;
      fd = openSync(target, 'a');
      closeSync(old);
    },
    flush: () => {},
  };
}
