import { ConfigError } from './errors.js';
import { parseStatsdAddress } from './statsd-address.js';

/** A validator turns a raw value (a CLI string or a config-file value) into a typed one, or throws. */
export type Validator<T> = (raw: unknown, name: string) => T;

const show = (raw: unknown): string => (typeof raw === 'string' ? JSON.stringify(raw) : typeof raw === 'function' ? 'a function' : (JSON.stringify(raw) ?? String(raw)));

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

/** A secret token: printable, no spaces, long enough not to be guessed; the message never repeats it. */
export const optionalToken: Validator<string | null> = (raw, name) => {
  const s = optionalStr(raw, name);
  if (s !== null && !/^[\x21-\x7e]{16,}$/.test(s))
    throw new ConfigError(`Invalid value for ${name}: expected at least 16 printable characters without spaces (for example from "openssl rand -hex 16").`);
  return s;
};

export function choice<T extends string>(choices: readonly T[], aliases: Record<string, NoInfer<T>> = {}): Validator<T> {
  return (raw, name) => {
    const s = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
    if ((choices as readonly string[]).includes(s)) return s as T;
    if (s in aliases) return aliases[s]!;
    const all = [...choices, ...Object.keys(aliases)].map((c) => `"${c}"`).join(', ');
    throw invalid(name, raw, `one of ${all}`);
  };
}

export const strList: Validator<string[]> = (raw, name) => {
  if (typeof raw === 'string')
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
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

/** http_protocols: Gunicorn's comma-separated list (h1, h2), order = preference; empty means h1. */
export const httpProtocols: Validator<Array<'h1' | 'h2'>> = (raw, name) => {
  const list = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(',') : null;
  if (list === null) throw invalid(name, raw, 'a comma-separated list of h1 and h2, as "h2,h1"');
  const out: Array<'h1' | 'h2'> = [];
  for (const item of list) {
    const p = item.trim().toLowerCase();
    if (p === '') continue;
    if (p === 'h3') throw new ConfigError(`Invalid value for ${name}: h3 (HTTP/3) is not implemented; use h1 and h2.`);
    if (p !== 'h1' && p !== 'h2') throw invalid(name, raw, 'a comma-separated list of h1 and h2, as "h2,h1"');
    if (out.includes(p)) throw new ConfigError(`Invalid value for ${name}: ${p} is listed twice.`);
    out.push(p);
  }
  return out.length ? out : ['h1'];
};

/** http2_cleartext: off or prior-knowledge (true means prior-knowledge, as in Gunicorn); upgrade is not implemented. */
export const http2Cleartext: Validator<'off' | 'prior-knowledge'> = (raw, name) => {
  if (raw === null || raw === undefined || raw === false) return 'off';
  if (raw === true) return 'prior-knowledge';
  const s = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  if (s === 'off' || s === 'false') return 'off';
  if (s === 'prior-knowledge' || s === 'true') return 'prior-knowledge';
  if (s === 'upgrade' || s === 'both') throw new ConfigError(`Invalid value for ${name}: ${JSON.stringify(raw)}; HTTP/1.1 Upgrade to h2c is not supported, use prior-knowledge.`);
  throw invalid(name, raw, 'off or prior-knowledge');
};

/** cert_reqs: Gunicorn's numbers (ssl.CERT_NONE 0, CERT_OPTIONAL 1, CERT_REQUIRED 2) or their names. */
export const CERT_REQS_WORDS: Record<string, 0 | 1 | 2> = { '0': 0, none: 0, cert_none: 0, '1': 1, optional: 1, cert_optional: 1, '2': 2, required: 2, cert_required: 2 };

export const certReqs: Validator<0 | 1 | 2> = (raw, name) => {
  const s =
    typeof raw === 'string' || typeof raw === 'number'
      ? String(raw)
          .trim()
          .toLowerCase()
          .replace(/^ssl\./, '')
      : '';
  const n = Object.hasOwn(CERT_REQS_WORDS, s) ? CERT_REQS_WORDS[s] : undefined;
  if (n !== undefined) return n;
  throw invalid(name, raw, '0 (no client certificate), 1 (optional) or 2 (required), or none, optional, required');
};

export type TlsMinVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/**
 * ssl_version, read as the lowest TLS version offered. Python's ssl constants arrive from a
 * gunicorn.conf.py as numbers: PROTOCOL_TLS (2, also SSLv23), TLS_CLIENT (16) and TLS_SERVER (17,
 * Gunicorn's default) negotiate the highest both sides speak, which is Node's default minimum, TLS 1.2.
 */
const SSL_VERSIONS: Record<string, TlsMinVersion> = {
  '2': 'TLSv1.2',
  '16': 'TLSv1.2',
  '17': 'TLSv1.2',
  tls: 'TLSv1.2',
  sslv23: 'TLSv1.2',
  tls_server: 'TLSv1.2',
  tls_client: 'TLSv1.2',
  '3': 'TLSv1',
  tlsv1: 'TLSv1',
  tlsv1_0: 'TLSv1',
  '4': 'TLSv1.1',
  tlsv1_1: 'TLSv1.1',
  '5': 'TLSv1.2',
  tlsv1_2: 'TLSv1.2',
  tlsv1_3: 'TLSv1.3',
};

export const sslVersion: Validator<TlsMinVersion> = (raw, name) => {
  const s =
    typeof raw === 'string' || typeof raw === 'number'
      ? String(raw)
          .trim()
          .toLowerCase()
          .replace(/^(ssl\.)?(protocol_)?/, '')
          .replace('.', '_')
      : '';
  const v = Object.hasOwn(SSL_VERSIONS, s) ? SSL_VERSIONS[s] : undefined;
  if (v) return v;
  if (/^sslv[23]$/.test(s)) throw invalid(name, raw, 'TLSv1_2 or TLSv1_3 (SSLv2 and SSLv3 are broken and not offered)');
  throw invalid(name, raw, 'the lowest TLS version to accept: TLSv1, TLSv1_1, TLSv1_2 (the default) or TLSv1_3 (TLS_SERVER, TLS and SSLv23 mean TLSv1_2)');
};

/** statsd_host: HOST:PORT, HOST (port 8125), [IPv6]:PORT or unix://PATH, as Gunicorn takes it; empty or None is off. */
export const statsdAddress: Validator<string | null> = (raw, name) => {
  const s = optionalStr(raw, name);
  if (s === null || s.trim() === '') return null;
  const addr = parseStatsdAddress(s);
  if (typeof addr === 'string') throw invalid(name, raw, `HOST:PORT (as 127.0.0.1:8125) or unix://PATH; ${addr}`);
  return s.trim();
};

/** statsd_prefix and dogstatsd_tags go into every line: nothing that would split a line or a field. */
export function statsdText(forbidden: RegExp, what: string): Validator<string> {
  return (raw, name) => {
    const s = raw === null || raw === undefined ? '' : str(raw, name);
    if (forbidden.test(s)) throw invalid(name, raw, what);
    return s;
  };
}
