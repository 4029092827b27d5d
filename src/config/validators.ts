import { ConfigError } from './errors.js';

/** A validator turns a raw value (a CLI string or a config-file value) into a typed one, or throws. */
export type Validator<T> = (raw: unknown, name: string) => T;

const show = (raw: unknown): string => (typeof raw === 'string' ? JSON.stringify(raw) : typeof raw === 'function' ? 'a function' : JSON.stringify(raw) ?? String(raw));

export function invalid(name: string, raw: unknown, expected: string): ConfigError {
  return new ConfigError(`Invalid value for ${name}: ${show(raw)}; expected ${expected}.`);
}

export function int(min: number, max = Number.MAX_SAFE_INTEGER): Validator<number> {
  const expected = max === Number.MAX_SAFE_INTEGER ? `a whole number >= ${min}` : `a whole number from ${min} to ${max}`;
  return (raw, name) => {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) throw invalid(name, raw, expected);
    return n;
  };
}

export function num(min: number): Validator<number> {
  return (raw, name) => {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (!Number.isFinite(n) || n < min) throw invalid(name, raw, `a number >= ${min}`);
    return n;
  };
}

export const bool: Validator<boolean> = (raw, name) => {
  if (typeof raw === 'boolean') return raw;
  if (raw === 1 || raw === 0) return raw === 1;
  if (typeof raw === 'string') {
    const s = raw.trim().toLowerCase();
    if (['true', 'yes', 'on', '1'].includes(s)) return true;
    if (['false', 'no', 'off', '0'].includes(s)) return false;
  }
  throw invalid(name, raw, 'true or false');
};

/** An optional URL path: "/health", or null. */
export const optionalUrlPath: Validator<string | null> = (raw, name) => {
  const s = optionalStr(raw, name);
  if (s !== null && !/^\/[^\s]*$/.test(s)) throw invalid(name, raw, 'a path starting with / (as /health), with no spaces');
  return s;
};

export const str: Validator<string> = (raw, name) => {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number') return String(raw);
  throw invalid(name, raw, 'a string');
};

export const optionalStr: Validator<string | null> = (raw, name) => (raw === null || raw === undefined || raw === 'None' ? null : str(raw, name));

export function choice<T extends string>(choices: readonly T[], aliases: Record<string, T> = {}): Validator<T> {
  return (raw, name) => {
    const s = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
    if ((choices as readonly string[]).includes(s)) return s as T;
    if (s in aliases) return aliases[s]!;
    const all = [...choices, ...Object.keys(aliases)].map((c) => `"${c}"`).join(', ');
    throw invalid(name, raw, `one of ${all}`);
  };
}

export const strList: Validator<string[]> = (raw, name) => {
  if (typeof raw === 'string') return raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(raw) && raw.every((x) => typeof x === 'string')) return raw as string[];
  throw invalid(name, raw, 'a list of strings');
};

/** Repeatable values (bind, raw_env): each CLI use adds one; a config file gives a string or a list. */
export const repeated: Validator<string[]> = (raw, name) => {
  if (typeof raw === 'string') return [raw];
  if (Array.isArray(raw) && raw.every((x) => typeof x === 'string')) return raw as string[];
  throw invalid(name, raw, 'a string or a list of strings');
};

/** raw_env: like `repeated`, each entry KEY=VALUE. */
export const envList: Validator<string[]> = (raw, name) => {
  const list = repeated(raw, name);
  const bad = list.find((entry) => !/^[^=\s]+=/.test(entry));
  if (bad !== undefined) throw invalid(name, bad, 'KEY=VALUE (for example --env NODE_ENV=production)');
  return list;
};

export const dict: Validator<Record<string, string>> = (raw, name) => {
  if (raw && typeof raw === 'object' && !Array.isArray(raw) && Object.values(raw).every((v) => typeof v === 'string')) {
    return raw as Record<string, string>;
  }
  throw invalid(name, raw, 'a mapping of header name to value');
};

export const hook: Validator<((...args: never[]) => unknown) | null> = (raw, name) => {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === 'function') return raw as (...args: never[]) => unknown;
  throw invalid(name, raw, 'a function');
};

/** umask: a number, or a string in octal ("0o22", "022") or decimal. */
export const umask: Validator<number> = (raw, name) => {
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 && raw <= 0o777) return raw;
  if (typeof raw === 'string') {
    const s = raw.trim().toLowerCase();
    const n = /^0o[0-7]+$/.test(s) ? parseInt(s.slice(2), 8) : /^0[0-7]+$/.test(s) ? parseInt(s, 8) : /^\d+$/.test(s) ? parseInt(s, 10) : NaN;
    if (n >= 0 && n <= 0o777) return n;
  }
  throw invalid(name, raw, 'a file mode mask such as 0o22 or "022"');
};

/** A file mode (control_socket_mode): a number, or octal as Gunicorn reads it ("0600", "0o660"). */
export const fileMode: Validator<number> = (raw, name) => {
  try {
    return umask(raw, name);
  } catch {
    throw invalid(name, raw, 'a file mode such as 0600 or 0o660');
  }
};

/** max_worker_memory: whole MB (0 is off), or a percentage of the memory limit ("80%"). */
export const memoryLimit: Validator<number | string> = (raw, name) => {
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0) return raw;
  if (typeof raw === 'string') {
    const s = raw.trim();
    const mb = /^(\d+)\s*(?:m|mb|mib)?$/i.exec(s);
    if (mb) return Number(mb[1]);
    const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(s);
    if (pct && Number(pct[1]) > 0 && Number(pct[1]) <= 100) return `${Number(pct[1])}%`;
  }
  throw invalid(name, raw, 'a whole number of MB (0 for off), or a percentage of the memory limit such as "80%"');
};

/** proxy_protocol words, Gunicorn's: true/false (its older boolean setting) mean auto/off. */
export const PROXY_PROTOCOL_WORDS: Record<string, 'off' | 'v1' | 'v2' | 'auto'> = { off: 'off', false: 'off', '0': 'off', none: 'off', v1: 'v1', v2: 'v2', auto: 'auto', true: 'auto', '1': 'auto' };

/** proxy_protocol: off, v1, v2 or auto, or a boolean (true is auto), as Gunicorn takes it. */
export const proxyProtocol: Validator<'off' | 'v1' | 'v2' | 'auto'> = (raw, name) => {
  if (raw === null || raw === undefined) return 'off';
  if (typeof raw === 'boolean') return raw ? 'auto' : 'off';
  const s = typeof raw === 'string' || typeof raw === 'number' ? String(raw).trim().toLowerCase() : '';
  const mode = Object.hasOwn(PROXY_PROTOCOL_WORDS, s) ? PROXY_PROTOCOL_WORDS[s] : undefined;
  if (mode) return mode;
  throw invalid(name, raw, 'off, v1, v2 or auto (true means auto, false off)');
};
