/** --help and --print-config, generated from the settings registry. */
import { SETTINGS, type Section } from './config/settings.js';
import type { Config } from './config/types.js';

export function helpText(): string {
  const lines = [
    'usage: tunicorn [OPTIONS] [APP]',
    '       tunicorn ctl [-s PATH] [--json] COMMAND...   (drive a running master through its control socket; tunicorn ctl --help)',
    '',
    'APP is a module path with an optional export: app.ts, app.js:handler, app:createApp().',
    '',
  ];
  const sections = new Map<Section, string[]>();
  for (const s of SETTINGS) {
    if (!s.flags) continue;
    const flags = s.flags.join(', ') + (s.meta && !s.isSwitch ? (s.bareValue ? ` [${s.meta}]` : ` ${s.meta}`) : '');
    const doc = `${s.doc}${s.isSwitch ? '' : ` [default: ${s.defaultText}]`}`;
    const entry = flags.length < 38 ? `  ${flags.padEnd(38)} ${doc}` : `  ${flags}\n  ${''.padEnd(38)} ${doc}`;
    const list = sections.get(s.section) ?? [];
    list.push(entry);
    sections.set(s.section, list);
  }
  for (const [section, entries] of sections) lines.push(`${section}:`, ...entries, '');
  lines.push('Other:', `  ${'-h, --help'.padEnd(38)} Show this help and exit.`, `  ${'-v, --version'.padEnd(38)} Show the version and exit.`, '');
  lines.push(
    'Settings also come from a config file (-c, or ./tunicorn.config.ts ... ./gunicorn.conf.py when present) and',
    'from TUNICORN_CMD_ARGS. Later wins: defaults < config file < TUNICORN_CMD_ARGS < command line.',
    'WEB_CONCURRENCY sets the default workers and PORT the default bind. See docs/settings.md.',
  );
  return lines.join('\n');
}

export function printConfig(config: Config, configFile: string | null = null): string {
  const out: string[] = [`${'config'.padEnd(26)} = ${JSON.stringify(configFile)}`];
  for (const s of SETTINGS) {
    if (s.cliOnly) continue;
    const value = (config as unknown as Record<string, unknown>)[s.name];
    const shown = typeof value === 'function' ? `<function ${(value as { name?: string }).name || 'anonymous'}>` : JSON.stringify(value);
    out.push(`${s.name.padEnd(26)} = ${shown}`);
  }
  return out.join('\n');
}
