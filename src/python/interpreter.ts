/**
 * The interpreter that runs Python workers, checked once before anything binds: present, 3.8 or
 * newer, and with gevent when worker_class gevent asks for it. Each failure is one line saying
 * which interpreter and what to install.
 */
import { spawnSync } from 'node:child_process';
import { ConfigError } from '../config/errors.js';

const PROBE = `
import sys
print("%d.%d.%d" % sys.version_info[:3])
try:
    import gevent
    print(gevent.__version__)
except Exception:
    print("-")
`;

export interface Interpreter {
  path: string;
  version: string;
  gevent: string | null;
}

export function checkInterpreter(python: string, workerClass: string, cwd: string): Interpreter {
  const r = spawnSync(python, ['-c', PROBE], { cwd, encoding: 'utf8', timeout: 30_000 });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(`Python interpreter not found: ${python}; install Python 3.8 or newer, or name one with --python PATH (a virtualenv's bin/python).`);
    throw new ConfigError(`Python interpreter ${python} could not be run (${code ?? r.error.message}); name a working one with --python PATH.`);
  }
  if (r.status !== 0) throw new ConfigError(`Python interpreter ${python} failed to start: ${(r.stderr || '').trim().split('\n').pop()}; name a working one with --python PATH.`);
  const [version = '', gevent = '-'] = r.stdout.trim().split('\n');
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major < 3 || (major === 3 && minor < 8)) throw new ConfigError(`Python ${version} at ${python} is too old: tunicorn's Python workers need 3.8 or newer; name another with --python PATH.`);
  const info: Interpreter = { path: python, version, gevent: gevent === '-' ? null : gevent };
  if (workerClass === 'gevent' && !info.gevent) {
    throw new ConfigError(
      `worker_class gevent needs gevent, which ${python} (Python ${version}) cannot import; install it with "${python} -m pip install gevent" (Debian: apt-get install python3-gevent, for /usr/bin/python3) or use --python to pick an interpreter that has it.`,
    );
  }
  return info;
}

/** The Python worker class for a worker_class as given: Gunicorn's names, its default sync. */
export function pythonWorkerClass(given: string, threads: number): 'sync' | 'gevent' | 'gthread' {
  if (given === 'gevent' || given === 'gthread') return given;
  if (given === 'async') return 'gevent';
  if (given === 'sync' || given === 'default') return threads > 1 ? 'gthread' : 'sync';
  throw new ConfigError(`worker_class ${given} is not available for Python apps; use sync, gthread or gevent.`);
}
