/**
 * Import a Python app once in a separate interpreter before any worker starts (--preload,
 * --check-config), so a broken app fails fast with its traceback, once.
 */
import { spawn } from 'node:child_process';
import { delimiter } from 'node:path';
import { PYTHON_DIR } from '../arbiter/python-worker.js';
import type { Config } from '../config/types.js';

const SCRIPT = `
import sys, traceback
if sys.argv[4] == "gevent":
    from gevent import monkey
    monkey.patch_all()
from tunicorn_worker.boot import setup_path
from tunicorn_worker.appspec import import_app, AppImportError
setup_path({"chdir": sys.argv[1], "pythonpath": [p for p in sys.argv[2].split(",") if p]})
try:
    import_app(sys.argv[3])
except AppImportError as e:
    sys.stderr.write("%s\\n" % e)
    sys.exit(4)
except BaseException:
    sys.stderr.write(traceback.format_exc())
    sys.exit(4)
`;

/** null when the app imports; else what it printed (a traceback or one line). */
export function importPythonApp(config: Config, spec: string, workerClass: string): Promise<string | null> {
  const env = { ...process.env, PYTHONPATH: [PYTHON_DIR, ...(process.env.PYTHONPATH ? [process.env.PYTHONPATH] : [])].join(delimiter) };
  const child = spawn(config.python, ['-c', SCRIPT, config.chdir, config.pythonpath.join(','), spec, workerClass], { cwd: config.chdir, env, stdio: ['ignore', 'inherit', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
  return new Promise((resolve) => child.on('close', (code) => resolve(code === 0 ? null : err.trimEnd() || `exit code ${code}`)));
}
