/**
 * Is an app spec a Python (WSGI) app? Gunicorn's spec is `module:variable` with a dotted module;
 * it names a Python app when that module is a .py file or a package under chdir or pythonpath
 * (or when --interface wsgi says so). A Node spec (a .js/.ts path, a package) is never one.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The module part of a Gunicorn spec: before the first ':' ("myapp:create_app(x=1)" -> "myapp"). */
export function pythonModuleOf(spec: string): string {
  const colon = spec.indexOf(':');
  return (colon === -1 ? spec : spec.slice(0, colon)).trim();
}

const DOTTED = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/;

/** The .py file or package directory the module names, or null. */
export function findPythonModule(module: string, dirs: string[]): string | null {
  if (!DOTTED.test(module)) return null;
  const rel = module.split('.').join('/');
  for (const dir of dirs) {
    const file = resolve(dir, `${rel}.py`);
    if (existsSync(file)) return file;
    const pkg = resolve(dir, rel, '__init__.py');
    if (existsSync(pkg)) return pkg;
  }
  return null;
}

export function isPythonApp(spec: string, opts: { chdir: string; pythonpath: string[]; iface: string }): boolean {
  if (opts.iface === 'wsgi') return true;
  if (opts.iface !== 'auto') return false;
  return findPythonModule(pythonModuleOf(spec), [opts.chdir, ...opts.pythonpath.map((p) => resolve(opts.chdir, p))]) !== null;
}
