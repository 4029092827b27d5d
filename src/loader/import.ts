/**
 * Import a user module (an app or a config file). TypeScript entry files load with no build step:
 * tsx's loader hooks are registered, once, the first time a .ts/.mts/.cts/.tsx file is imported.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

let tsRegistered = false;

/** A JavaScript or TypeScript source file, by its extension. */
export const SOURCE_FILE = /\.(c|m)?(j|t)sx?$/;
export const isSourceFile = (file: string) => SOURCE_FILE.test(file);
export const isTypeScript = (file: string) => /\.(c|m)?tsx?$/.test(file);

async function registerTypeScript(): Promise<void> {
  if (tsRegistered) return;
  tsRegistered = true;
  const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
  esm.register();
  cjs.register();
}

/** Unwrap a CommonJS module compiled from ESM syntax (`{ default: { __esModule, default } }`). */
function unwrapInterop(mod: Record<string, unknown>): Record<string, unknown> {
  const def = mod.default as Record<string, unknown> | undefined;
  if (def && typeof def === 'object' && (def as { __esModule?: boolean }).__esModule) return { ...def };
  return mod;
}

export async function importFile(absPath: string): Promise<Record<string, unknown>> {
  if (isTypeScript(absPath)) await registerTypeScript();
  return unwrapInterop((await import(pathToFileURL(absPath).href)) as Record<string, unknown>);
}

/**
 * A package name (`my-app`, `@acme/api`, `my-app/server`), resolved from `fromDir` as Node would.
 * require.resolve knows only the "require" condition: an ESM-only package ("exports" with "import"
 * alone) is resolved with the "import" condition here instead.
 */
export async function importSpecifier(specifier: string, fromDir: string): Promise<Record<string, unknown>> {
  const { createRequire } = await import('node:module');
  let resolved: string;
  try {
    resolved = createRequire(pathToFileURL(`${fromDir}/`).href).resolve(specifier);
  } catch (err) {
    const byImport = (err as NodeJS.ErrnoException).code === 'ERR_PACKAGE_PATH_NOT_EXPORTED' ? resolveImportExport(specifier, fromDir) : null;
    if (!byImport) throw err;
    resolved = byImport;
  }
  return importFile(resolved);
}

const CONDITIONS = ['import', 'node', 'default'];

function pickTarget(entry: unknown): string | null {
  if (typeof entry === 'string') return entry;
  if (Array.isArray(entry)) {
    for (const e of entry) {
      const t = pickTarget(e);
      if (t) return t;
    }
    return null;
  }
  if (entry && typeof entry === 'object') {
    for (const [key, value] of Object.entries(entry)) {
      if (CONDITIONS.includes(key)) {
        const t = pickTarget(value);
        if (t) return t;
      }
    }
  }
  return null;
}

/** The file a package's "exports" maps `specifier` to under the "import" condition (no patterns). */
function resolveImportExport(specifier: string, fromDir: string): string | null {
  const parts = specifier.split('/');
  const nameParts = specifier.startsWith('@') ? 2 : 1;
  const name = parts.slice(0, nameParts).join('/');
  const subpath = parts.length > nameParts ? `./${parts.slice(nameParts).join('/')}` : '.';
  for (let dir = resolve(fromDir); ; dir = dirname(dir)) {
    const pkgJson = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(pkgJson)) {
      const { exports } = JSON.parse(readFileSync(pkgJson, 'utf8')) as { exports?: unknown };
      const map = typeof exports === 'string' || Array.isArray(exports) || !Object.keys(exports ?? {}).some((k) => k.startsWith('.')) ? { '.': exports } : (exports as Record<string, unknown>);
      const target = pickTarget(map[subpath]);
      return target ? join(dir, 'node_modules', name, target) : null;
    }
    if (dirname(dir) === dir) return null;
  }
}
