/**
 * `show config`: the running configuration, every setting by its Gunicorn name, with secrets masked.
 * Anyone who may use the socket may see it, and it ends up in terminals and tickets: raw_env
 * values are masked (the names stay, to show what is set), and so is any setting the registry
 * marks secret or whose name says it holds one. File settings are shown as paths, never read.
 */
import { SETTINGS } from '../config/settings.js';
import type { Config } from '../config/types.js';

export const MASK = '********';
const SECRET_NAME = /token|secret|passw|credential|api_?key/i;

function plain(value: unknown): unknown {
  if (typeof value === 'function') return `<function ${value.name || 'anonymous'}>`;
  if (value === undefined) return null;
  return value;
}

/** "KEY=VALUE" entries with the values masked. */
export function maskEnv(entries: unknown): unknown {
  if (!Array.isArray(entries)) return entries;
  return entries.map((e) => {
    const s = String(e);
    const eq = s.indexOf('=');
    return eq < 0 ? s : `${s.slice(0, eq)}=${MASK}`;
  });
}

export function configView(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const values = config as unknown as Record<string, unknown>;
  for (const s of SETTINGS) {
    if (s.cliOnly || !(s.name in values)) continue;
    // worker_class as given (gevent, gthread), as Gunicorn shows it; the resolved one is async or sync.
    const value = s.name === 'worker_class' && values.worker_class_str ? values.worker_class_str : values[s.name];
    if (s.secret === 'env-values') out[s.name] = maskEnv(value);
    else if (s.secret === 'value' || SECRET_NAME.test(s.name)) out[s.name] = value === null || value === undefined || value === '' ? null : MASK;
    else out[s.name] = plain(value);
  }
  return out;
}
