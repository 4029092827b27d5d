/** Command-line parsing, generated from the settings registry (node:util parseArgs underneath). */
import { parseArgs } from 'node:util';
import { ConfigError } from './errors.js';
import { camel, GUNICORN_WITHOUT_MEANING, SETTINGS, type Setting } from './settings.js';
import { nearest } from './suggest.js';

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
  s.flags
    .filter((f) => f.startsWith('--'))
    .forEach((f, i) => {
      const long = f.slice(2);
      OPTIONS[long] = { type: s.isSwitch ? 'boolean' : 'string', ...(i === 0 && short ? { short } : {}), ...(s.repeatable ? { multiple: true } : {}) };
      SETTING_OF.set(long, s);
    });
}

export const ALL_FLAGS = Object.keys(OPTIONS).map((o) => `--${o}`);

/**
 * What an unknown option may have meant: a flag, or a setting's name written as one (--pidfile,
 * --accesslog, as Gunicorn config files spell them), which means that setting's first long flag.
 * Flags come first, so a tie goes to the flag.
 */
type Meaning = { flag: string; setting?: Setting } | { flag?: undefined; setting: Setting };
const MEANINGS = new Map<string, Meaning>(ALL_FLAGS.map((f) => [f, { flag: f }]));
for (const s of SETTINGS) {
  const asFlag = `--${s.name.replace(/_/g, '-')}`;
  const flag = s.flags?.find((f) => f.startsWith('--'));
  if (!MEANINGS.has(asFlag)) MEANINGS.set(asFlag, flag ? { flag, setting: s } : { setting: s });
}

function unknownOption(flag: string, source: string): string {
  const near = nearest(flag, MEANINGS.keys());
  const meant = near === undefined ? undefined : MEANINGS.get(near)!;
  if (meant && meant.flag === undefined) {
    const { name } = meant.setting;
    const where = `set ${name === 'wsgi_app' ? 'app' : camel(name)} in tunicorn.config.ts (${name} in gunicorn.conf.py)`;
    return `Option ${flag} on ${source} names the setting ${name}, which has no flag; ${name === 'wsgi_app' ? `give the app as the argument (tunicorn app.ts) or ${where}` : where}.`;
  }
  const hint = !meant ? '.' : meant.setting ? `; did you mean ${meant.flag} (the ${meant.setting.name} setting)?` : `; did you mean ${meant.flag}?`;
  return `Unknown option ${flag} on ${source}${hint} Run "tunicorn --help" for the list.`;
}

/** Split TUNICORN_CMD_ARGS like a shell would for simple quoting. */
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const m of line.matchAll(re)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3]!));
  return out;
}

const SHORT_TO_LONG = new Map(
  Object.entries(OPTIONS)
    .filter(([, o]) => o.short)
    .map(([long, o]) => [o.short!, long]),
);

/** The long option name an argument names (`--timeout`, `-t`), or undefined. */
function optionOf(arg: string): string | undefined {
  if (arg.startsWith('--')) return arg.slice(2);
  if (/^-[a-zA-Z]$/.test(arg)) return SHORT_TO_LONG.get(arg.slice(1));
  return undefined;
}

/**
 * parseArgs refuses a value that starts with a dash ("--timeout -1" is "ambiguous"): join a
 * negative number to its option, so the setting's validator reports it as a bad value.
 */
function joinNegativeValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const long = optionOf(arg);
    const next = argv[i + 1];
    // A flag with an optional value (--proxy-protocol [MODE]): alone, or before anything but one of its values, it means its bare value.
    const bare = long ? SETTING_OF.get(long) : undefined;
    if (long && bare?.bareValue !== undefined) {
      const takes = next !== undefined && bare.optionalValues?.includes(next.toLowerCase());
      out.push(`--${long}=${takes ? next : bare.bareValue}`);
      if (takes) i++;
      continue;
    }
    if (long && OPTIONS[long]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`--${long}=${next}`);
      i++;
      continue;
    }
    out.push(arg);
  }
  return out;
}

/** Gunicorn's flags whose names differ from their settings' (the rest are the name with dashes). */
const GUNICORN_FLAG_NAMES: Record<string, string> = {
  D: 'daemon',
  R: 'enable_stdio_inheritance',
  dirty_app: 'dirty_apps',
  uwsgi_allow_from: 'uwsgi_allow_ips',
  paster: 'paste',
  paste_global: 'raw_paste_global_conf',
  log_config: 'logconfig',
  log_config_dict: 'logconfig_dict',
  log_config_json: 'logconfig_json',
  log_syslog: 'syslog',
  log_syslog_to: 'syslog_addr',
  log_syslog_prefix: 'syslog_prefix',
  log_syslog_facility: 'syslog_facility',
  proxy_allow_from: 'proxy_allow_ips',
  reload_extra_file: 'reload_extra_files',
};

/** A Gunicorn flag for a setting that means nothing here (--threads, -D): say so, rather than "unknown". */
function gunicornOnly(flag: string): string | undefined {
  const name = flag.replace(/^--?/, '').replace(/^no-/, '').replace(/-/g, '_');
  const setting = GUNICORN_FLAG_NAMES[name] ?? name;
  return Object.hasOwn(GUNICORN_WITHOUT_MEANING, setting) ? setting : undefined;
}

export function parseCommandLine(argv: string[], source = 'the command line'): ParsedArgs {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv), options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    const msg = (err as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(msg);
    if (unknown) {
      const flag = unknown[1]!.split('=')[0]!;
      const without = gunicornOnly(flag);
      if (without) throw new ConfigError(`Option ${flag} on ${source} is Gunicorn's ${without}, which has no effect in tunicorn (${GUNICORN_WITHOUT_MEANING[without]}); remove it.`);
      throw new ConfigError(unknownOption(flag, source));
    }
    const missing = /Option '(?:-\w, )?(--[\w-]+)[^']*' argument missing/.exec(msg);
    if (missing) throw new ConfigError(`Option ${missing[1]} on ${source} needs a value; run "tunicorn --help" for its format.`);
    const ambiguous = /Option '(?:-\w, )?(--[\w-]+)[^']*' argument is ambiguous/.exec(msg);
    if (ambiguous) throw new ConfigError(`Option ${ambiguous[1]} on ${source} needs a value, but the next argument is an option; for a value that starts with "-" write ${ambiguous[1]}=VALUE.`);
    const noArg = /Option '(?:-\w, )?(--[\w-]+)[^']*' does not take an argument/.exec(msg);
    if (noArg) throw new ConfigError(`Option ${noArg[1]} on ${source} is a switch and takes no value; give it alone to turn it on.`);
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
