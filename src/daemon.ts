/**
 * daemon (-D), as Gunicorn's: the command starts the master detached from the terminal (its own
 * session, stdio on /dev/null) and returns. Unlike Gunicorn's, it returns once the workers serve,
 * with exit 0, or with the daemon's exit code if it failed to start, so an init script knows.
 */
import { spawn } from 'node:child_process';

/** Set in the daemon's environment: it is the master, and its parent waits for word. */
const DAEMON_ENV = 'TUNICORN_DAEMON';

export const isDaemon = (): boolean => process.env[DAEMON_ENV] === '1';

/** Start this same command as a daemon; resolves with the exit code for the command that started it. */
export function daemonize(cwd: string, errorlog: string): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    cwd,
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    env: { ...process.env, [DAEMON_ENV]: '1' },
  });
  const where = errorlog === '-' ? 'run it without --daemon to see why' : `see ${errorlog}`;
  return new Promise((resolve) => {
    child.on('message', (msg: { type?: string }) => {
      if (msg?.type !== 'serving') return;
      child.removeAllListeners('exit');
      child.disconnect();
      child.unref();
      resolve(0);
    });
    child.on('exit', (code, signal) => {
      process.stderr.write(`tunicorn: the daemon (pid ${child.pid}) exited (${signal ?? `code ${code}`}) before it served; ${where}.\n`);
      resolve(code || 1);
    });
    child.on('error', (err) => {
      process.stderr.write(`tunicorn: cannot start the daemon: ${err.message}\n`);
      resolve(1);
    });
  });
}

/** In the daemon, once every worker serves: tell the command that started it, and let it go. */
export function daemonServing(): void {
  if (!isDaemon() || !process.send) return;
  delete process.env[DAEMON_ENV];
  process.send({ type: 'serving' });
  process.disconnect();
}
