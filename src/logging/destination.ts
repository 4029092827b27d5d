/**
 * The access log's destination: "-" (stdout) or a file opened for append. sonic-boom (pino's
 * destination) does the buffered writes and reopen() for logrotate. (The error log writes each
 * line synchronously: sync-destination.ts.)
 *
 * The access log batches its lines before handing them to sonic-boom (every 16 KB, or 100 ms
 * after the first line waiting): line by line cost a busy worker much of its CPU (bench/limits.md).
 * Lines reach the file within 100 ms, and at once on flush() (exit) and reopen().
 */
import sonicBoom from 'sonic-boom';

const { SonicBoom } = sonicBoom;

export interface Destination {
  write(line: string): void;
  reopen(): void;
  flush(): void;
}

const BATCH = 16 * 1024;
const LINGER_MS = 100;

export function openDestination(target: string): Destination {
  const isStd = target === '-';
  const boom = new SonicBoom({ dest: isStd ? 1 : target, append: true, periodicFlush: 250 });
  boom.on('error', (err: Error) => {
    process.stderr.write(`tunicorn: cannot write log ${target}: ${err.message}\n`);
  });

  let pending = '';
  let timer: NodeJS.Timeout | null = null;
  const handOver = () => {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (pending) {
      boom.write(pending);
      pending = '';
    }
  };
  const write = (line: string) => {
    pending += line;
    if (pending.length >= BATCH) handOver();
    else if (!timer) timer = setTimeout(handOver, LINGER_MS).unref();
  };

  return {
    write,
    reopen: () => {
      // Lines logged before the signal belong to the old (renamed) file.
      handOver();
      if (!isStd) boom.reopen();
    },
    flush: () => {
      handOver();
      try {
        boom.flushSync();
      } catch {
        /* nothing buffered, or the destination is gone: nothing left to save */
      }
    },
  };
}
