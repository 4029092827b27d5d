/** Config files: tunicorn.config.{ts,mts,js,mjs,json} (camelCase keys) and gunicorn.conf.py (snake_case). */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { importFile, isSourceFile } from '../loader/import.js';
import { ConfigError } from './errors.js';
import { evaluatePythonConfig } from './python-loader.js';
import { BY_KEY, BY_NAME, GUNICORN_WITHOUT_MEANING, SETTINGS } from './settings.js';
import { didYouMean, nearest } from './suggest.js';

export const CONFIG_CANDIDATES = ['tunicorn.config.ts', 'tunicorn.config.mts', 'tunicorn.config.js', 'tunicorn.config.mjs', 'tunicorn.config.json', 'gunicorn.conf.py'];

export interface FileValues {
  /** Raw values by setting (snake_case) name. */
  values: Map<string, unknown>;
  /** The key as written in the file, for messages. */
  keyOf: Map<string, string>;
  warnings: string[];
  /** Hooks a gunicorn.conf.py defines as Python functions (they run only for Python apps). */
  pythonHooks?: string[];
}

export function findConfigFile(cwd: string): string | null {
  for (const name of CONFIG_CANDIDATES) {
    const path = resolve(cwd, name);
    if (existsSync(path)) return path;
  }
  return null;
}

export async function loadConfigFile(path: string): Promise<FileValues> {
  if (!existsSync(path)) throw new ConfigError(`Config file not found: ${path}; check the path given to -c/--config.`);
  if (statSync(path).isDirectory()) throw new ConfigError(`Config file ${path} is a directory; give -c/--config a file such as tunicorn.config.ts or gunicorn.conf.py.`);
  if (path.endsWith('.py')) return loadPython(path);
  let object: unknown;
  if (path.endsWith('.json')) {
    try {
      object = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new ConfigError(`${basename(path)} is not valid JSON: ${(err as Error).message}`);
    }
  } else if (isSourceFile(path)) {
    let mod: Record<string, unknown>;
    try {
      mod = await importConfigModule(path);
    } catch (err) {
      throw new ConfigError(`${basename(path)} failed to load: ${(err as Error).message.split('\n')[0]}`);
    }
    object = mod.default ?? mod.config;
    if (typeof object === 'function') object = await (object as () => unknown)();
  } else {
    throw new ConfigError(`Unsupported config file type: ${basename(path)}; use tunicorn.config.ts/.mts/.js/.mjs/.json or gunicorn.conf.py.`);
  }
  if (!object || typeof object !== 'object' || Array.isArray(object)) {
    throw new ConfigError(`${basename(path)} must export a config object (export default defineConfig({ ... })).`);
  }
  return fromCamelObject(object as Record<string, unknown>, basename(path));
}

const loadCount = new Map<string, number>();

/**
 * Import a JS/TS config file. ES modules are cached by URL, so a second load (HUP) adds a query to
 * the URL: the file is read again and an edited config takes effect.
 */
async function importConfigModule(path: string): Promise<Record<string, unknown>> {
  const n = (loadCount.get(path) ?? 0) + 1;
  loadCount.set(path, n);
  if (n === 1) return importFile(path);
  // A file Node (or tsx) runs as CommonJS is cached by file name in require.cache instead.
  delete createRequire(import.meta.url).cache[path];
  const mod = (await import(`${pathToFileURL(path).href}?reload=${n}`)) as Record<string, unknown>;
  const def = mod.default as { __esModule?: boolean } | undefined;
  return def && typeof def === 'object' && def.__esModule ? { ...def } : mod;
}

function fromCamelObject(object: Record<string, unknown>, file: string): FileValues {
  const values = new Map<string, unknown>();
  const keyOf = new Map<string, string>();
  for (const [key, raw] of Object.entries(object)) {
    if (key === '$schema') continue;
    const setting = BY_KEY.get(key);
    if (!setting) {
      throw new ConfigError(`Unknown setting "${key}" in ${file}${didYouMean(key, BY_KEY.keys())}; see docs/settings.md for the list.`);
    }
    if (raw === undefined) continue;
    values.set(setting.name, raw);
    keyOf.set(setting.name, key);
  }
  return { values, keyOf, warnings: [] };
}

const SETTING_NAMES = SETTINGS.filter((s) => !s.cliOnly).map((s) => s.name);

async function loadPython(path: string): Promise<FileValues> {
  const file = basename(path);
  const entries = await evaluatePythonConfig(path);
  const values = new Map<string, unknown>();
  const keyOf = new Map<string, string>();
  const warnings: string[] = [];
  const pythonHooks: string[] = [];
  for (const [name, entry] of Object.entries(entries)) {
    const setting = BY_NAME.get(name);
    if (setting && !setting.cliOnly) {
      if (setting.section === 'Server hooks') {
        if (entry.kind === 'callable') pythonHooks.push(name);
        continue;
      }
      if (entry.kind !== 'value') {
        const what = entry.kind === 'other' ? entry.repr : `a ${entry.kind === 'callable' ? 'function' : 'module'}`;
        throw new ConfigError(`Invalid value for ${name} in ${path}: ${what}; expected a plain value (a number, string, boolean, None, list or dict).`);
      }
      values.set(name, entry.value);
      keyOf.set(name, name);
      continue;
    }
    if (setting?.cliOnly) {
      warnings.push(`${file}: ${name} can only be given on the command line (--${name.replace(/_/g, '-')}); it is ignored here.`);
      continue;
    }
    if (Object.hasOwn(GUNICORN_WITHOUT_MEANING, name)) {
      warnings.push(`${file}: ${name} has no effect in tunicorn (${GUNICORN_WITHOUT_MEANING[name]}); it is ignored.`);
      continue;
    }
    if (entry.kind === 'module' || entry.kind === 'callable' || name.startsWith('_')) continue;
    const close = nearest(name, SETTING_NAMES);
    if (close) warnings.push(`${file}: ${name} is not a setting (Gunicorn ignores it too); did you mean "${close}"?`);
  }
  return { values, keyOf, warnings, pythonHooks };
}
