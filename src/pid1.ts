/**
 * A master started as process 1 (a container without an init): processes the app leaves behind
 * are reparented to process 1, and only process 1 can reap them. Node cannot wait for a child it
 * did not start, so where Node can replace its own program (process.execve, Node >= 22.15) the
 * master becomes a small /bin/sh init that reaps every child, passes the master's signals on, and
 * exits with its exit code; the master runs as its child. Elsewhere, one warning says what to do.
 */

/** Set for the master the init started, so it does not do it again. */
const INIT_ENV = 'TUNICORN_INIT';

// dash and bash reap any child while they `wait`: orphans included. A signal interrupts `wait`
// (status > 128) after its trap has passed it on; the loop waits again until the master is gone.
const INIT_SCRIPT = [
  '"$@" & master=$!',
  'for sig in TERM INT QUIT HUP TTIN TTOU USR1 USR2 WINCH; do trap "kill -$sig $master 2>/dev/null" $sig; done',
  'while :; do wait $master; code=$?; kill -0 $master 2>/dev/null || break; done',
  'wait $master 2>/dev/null; last=$?; [ $last -ne 127 ] && code=$last',
  'exit $code',
].join('\n');

type Execve = (file: string, args: string[], env: NodeJS.ProcessEnv) => never;

/**
 * As process 1: replace this process with the init (it does not return), or return a warning to
 * log when Node cannot. Returns null when there is nothing to do.
 */
export function initAsPid1(pid = process.pid, env = process.env): string | null {
  if (pid !== 1 || env[INIT_ENV]) {
    delete env[INIT_ENV];
    return null;
  }
  const execve = (process as unknown as { execve?: Execve }).execve;
  if (typeof execve !== 'function') {
    return `Running as process 1 without an init on Node ${process.version}: processes the app leaves behind are not reaped. Start the container with an init (docker run --init, tini), or use Node >= 22.15, where tunicorn runs its own.`;
  }
  execve.call(process, '/bin/sh', ['sh', '-c', INIT_SCRIPT, 'tunicorn-init', process.execPath, ...process.execArgv, ...process.argv.slice(1)], { ...env, [INIT_ENV]: '1' });
  return null;
}
