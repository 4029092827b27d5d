/**
 * The configuration as the status page shows it: every setting and its value, with secrets
 * masked. raw_env values are masked (KEY=•••), as are tokens and passwords; file settings show
 * their path, never what the file holds.
 */
import { SETTINGS } from '../config/settings.js';
import type { Config } from '../config/types.js';

export const MASK = '•••';
const SECRET = /(^|_)(token|password|passphrase|secret)$/;

export function configView(config: Config): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const all = config as unknown as Record<string, unknown>;
  for (const s of SETTINGS) {
    if (s.cliOnly && s.name !== 'config') continue;
    // Hooks only when set: a screenful of "none" hides what matters.
    if (s.section === 'Server hooks' && !all[s.name]) continue;
    out.push([s.name, show(s.name, all[s.name])]);
  }
  return out;
}

function show(name: string, value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (SECRET.test(name)) return MASK;
  if (name === 'raw_env' && Array.isArray(value)) return value.map((e) => `${String(e).split('=')[0]}=${MASK}`).join(', ') || '[]';
  if (typeof value === 'function') return `function ${value.name || ''}`.trim();
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.length ? value.map(String).join(', ') : '[]';
  return JSON.stringify(value);
}
