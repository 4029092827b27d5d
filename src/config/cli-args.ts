/** Command-line parsing, generated from the settings registry (node:util parseArgs underneath). */
import { parseArgs } from 'node:util';
import { ConfigError } from './errors.js';
import { SETTINGS, type Setting } from './settings.js';
import { didYouMean } from './suggest.js';

export interface ParsedArgs {
  /** Raw values by setting name, only for flags that were given. */
  values: Map<string, unknown>;
  /** Which flag set each value, for messages. */
  flagOf: Map<string, string>;
  positionals: string[];
  help: boolean;
  version: boolean;
}

type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: boolean };

const OPTIONS: Record<string, OptionSpec> = { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } };
const SETTING_OF = new Map<string, Setting>();
for (const s of SETTINGS) {
  if (!s.flags) continue;
  const short = s.flags.find((f) => /^-[a-zA-Z]$/.test(f))?.slice(1);
  s.flags.filter((f) => f.startsWith('--')).forEach((f, i) => {
    const long = f.slice(2);
    OPTIONS[long] = { type: s.isSwitch ? 'boolean' : 'string', ...(i === 0 && short ? { short } : {}), ...(s.repeatable ? { multiple: true } : {}) };
    SETTING_OF.set(long, s);
  });
}

export const ALL_FLAGS = Object.keys(OPTIONS).map((o) => `--${o}`);

/** Split TUNICORN_CMD_ARGS like a shell would for simple quoting. */
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const m of line.matchAll(re)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2] ?? m[3]!);
  return out;
}

export function parseCommandLine(argv: string[], source = 'the command line'): ParsedArgs {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    const msg = (err as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(msg);
    if (unknown) {
      const flag = unknown[1]!;
      throw new ConfigError(`Unknown option ${flag} on ${source}${didYouMean(flag, ALL_FLAGS)}; run "tunicorn --help" for the list.`);
    }
    const missing = /Option '(?:-\w, )?(--[\w-]+)[^']*' argument missing/.exec(msg);
    if (missing) throw new ConfigError(`Option ${missing[1]} on ${source} needs a value; run "tunicorn --help" for its format.`);
    throw new ConfigError(`${msg.split('\n')[0]} (on ${source}); run "tunicorn --help".`);
  }
  const values = new Map<string, unknown>();
  const flagOf = new Map<string, string>();
  for (const [opt, raw] of Object.entries(parsed.values)) {
    const setting = SETTING_OF.get(opt);
    if (!setting) continue;
    values.set(setting.name, raw);
    flagOf.set(setting.name, `--${opt}`);
  }
  return { values, flagOf, positionals: parsed.positionals, help: Boolean(parsed.values.help), version: Boolean(parsed.values.version) };
}
