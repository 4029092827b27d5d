/**
 * Checks that need the whole configuration (addresses, trusted networks, user and group, the app
 * spec, paths): run before anything binds and again on every reload (HUP).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseAppSpec } from '../app/spec.js';
import { trustCheck } from '../http/forwarded.js';
import { unknownAtoms } from '../logging/access-format.js';
import { parseBind } from '../sockets.js';
import { ownerOf } from '../workers/privileges.js';
import { ConfigError } from './errors.js';
import type { Resolved } from './resolve.js';
import type { Config } from './types.js';

/** Checks that need the whole configuration, done before anything binds. */
export function crossCheck(r: Resolved): void {
  r.config.bind.forEach(parseBind);
  trustCheck(r.config.forwarded_allow_ips);
  trustCheck(r.config.proxy_allow_ips, 'proxy_allow_ips');
  ownerOf(r.config);
  if (r.appSpec && !r.pythonApp) parseAppSpec(r.appSpec);
  const bad = unknownAtoms(r.config.access_log_format);
  if (bad.length) r.warnings.push(`access_log_format has unknown atoms ${bad.map((a) => `%(${a})s`).join(', ')}; they log as "-".`);
}

/** Files the server writes: their directory must exist (nothing is created behind the user's back). */
export function checkPaths(config: Config): void {
  const files: Array<[string, string | null]> = [
    ['pidfile', config.pidfile],
    ['accesslog', config.accesslog === '-' ? null : config.accesslog],
    ['errorlog', config.errorlog === '-' ? null : config.errorlog],
  ];
  for (const [name, file] of files) {
    if (!file) continue;
    const dir = dirname(resolve(config.chdir, file));
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new ConfigError(`Invalid value for ${name}: ${JSON.stringify(file)}; its directory ${dir} does not exist (create it or choose another path).`);
    }
  }
}
