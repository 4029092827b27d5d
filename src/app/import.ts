/**
 * Import a user module (an app or a config file). TypeScript entry files load with no build step:
 * tsx's loader hooks are registered, once, the first time a .ts/.mts/.cts/.tsx file is imported.
 */
import { pathToFileURL } from 'node:url';

let tsRegistered = false;

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

export async function importSpecifier(specifier: string, fromDir: string): Promise<Record<string, unknown>> {
  const { createRequire } = await import('node:module');
  const resolved = createRequire(pathToFileURL(`${fromDir}/`).href).resolve(specifier);
  return importFile(resolved);
}
