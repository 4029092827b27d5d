/**
 * A log destination: "-" (stdout for the access log, stderr for the error log) or a file opened
 * for append. sonic-boom (pino's destination) does the buffered writes and reopen() for logrotate.
 */
import sonicBoom from 'sonic-boom';

const { SonicBoom } = sonicBoom;

export interface Destination {
  write(line: string): void;
  reopen(): void;
  flush(): void;
}

export function openDestination(target: string, stdFd: 1 | 2, sync: boolean): Destination {
  const isStd = target === '-';
  const boom = new SonicBoom({ dest: isStd ? stdFd : target, sync, append: true, mkdir: !isStd, ...(sync ? {} : { periodicFlush: 250 }) });
  boom.on('error', (err: Error) => {
    process.stderr.write(`tunicorn: cannot write log ${target}: ${err.message}\n`);
  });
  return {
    write: (line) => boom.write(line),
    reopen: () => {
      if (!isStd) boom.reopen();
    },
    flush: () => {
      try {
        boom.flushSync();
      } catch {
        /* nothing buffered, or the destination is gone: nothing left to save */
      }
    },
  };
}
