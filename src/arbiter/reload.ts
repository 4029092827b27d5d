/** What HUP (and --reload) needs beyond starting a new generation: the settings it cannot change, and the file watcher. */
import type { Config } from '../config/types.js';
import type { ErrorLog } from '../logging/error-log.js';
import { SOURCE_FILE } from '../loader/import.js';

/** Settings the master set up at start: a reload changes them only after a restart, and says so. */
export function warnRestartOnly(current: Config, next: Config, log: ErrorLog): void {
  if (next.bind.join() !== current.bind.join()) log.warning('bind changed; new addresses take effect after a restart.');
  // The master's statsd socket, prefix and tags stay as started (the workers only count).
  if ((['statsd_host', 'statsd_prefix', 'dogstatsd_tags', 'enable_backlog_metric'] as const).some((k) => next[k] !== current[k]))
    log.warning('statsd settings changed; they take effect after a restart.');
  if (next.status_bind !== current.status_bind) log.warning('status_bind changed; the new address takes effect after a restart.');
  if (next.control_socket !== current.control_socket || next.control_socket_disable !== current.control_socket_disable) log.warning('control_socket changed; it takes effect after a restart.');
}

/**
 * --reload: watch the app's source files (JavaScript, TypeScript, JSON; .py for a Python app) under chdir, and the
 * config file, with chokidar (node_modules and .git are skipped, so start-up stays quick); `changed`
 * is called once a burst of changes has settled.
 */
export async function watchSources(chdir: string, configFile: string | null, python: boolean, log: ErrorLog, changed: (file: string) => void): Promise<{ close(): void }> {
  const { watch } = await import('chokidar');
  const skip = /(^|[/\\])(node_modules|\.git|__pycache__|\.venv)([/\\]|$)/;
  const source = python ? /\.py$/ : new RegExp(`${SOURCE_FILE.source}|\\.json$`);
  const paths = [chdir, ...(configFile ? [configFile] : [])];
  let timer: NodeJS.Timeout | null = null;
  const watcher = watch(paths, { ignoreInitial: true, ignored: (path, stats) => skip.test(path) || (!!stats?.isFile() && !source.test(path) && path !== configFile) });
  watcher.on('all', (_event, file) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => changed(file), 200);
  });
  watcher.on('error', (err) => log.warning(`reload: cannot watch files: ${(err as Error).message}`));
  return { close: () => void watcher.close() };
}
