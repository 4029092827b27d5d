/** --help and --print-config, generated from the settings registry. */
import { SETTINGS, type Section } from './config/settings.js';
import type { Config } from './config/types.js';

export function helpText(): string {
  const lines = ['usage: tunicorn [OPTIONS] [APP]', '', 'APP is a module path with an optional export: app.ts, app.js:handler, app:createApp().', ''];
  const sections = new Map<Section, string[]>();
  for (const s of SETTINGS) {
    if (!s.flags) continue;
    const flags = s.flags.join(', ') + (s.meta && !s.isSwitch ? ` ${s.meta}` : '');
    const entry = `  ${flags.padEnd(38)} ${s.doc}${s.isSwitch ? '' : ` [default: ${s.defaultText}]`}`;
    const list = sections.get(s.section) ?? [];
    list.push(entry);
    sections.set(s.section, list);
  }
  for (const [section, entries] of sections) lines.push(`${section}:`, ...entries, '');
  lines.push('Other:', `  ${'-h, --help'.padEnd(38)} Show this help and exit.`, `  ${'-v, --version'.padEnd(38)} Show the version and exit.`, '');
  lines.push('Settings also come from a config file (-c) and TUNICORN_CMD_ARGS; see docs/settings.md.');
  return lines.join('\n');
}

export function printConfig(config: Config): string {
  const out: string[] = [];
  for (const s of SETTINGS) {
    if (s.cliOnly) continue;
    const value = (config as unknown as Record<string, unknown>)[s.name];
    const shown = typeof value === 'function' ? `<function ${(value as { name?: string }).name || 'anonymous'}>` : JSON.stringify(value);
    out.push(`${s.name.padEnd(26)} = ${shown}`);
  }
  return out.join('\n');
}
