/**
 * Evaluate a gunicorn.conf.py with python3 and return its top-level names, as Gunicorn does: the
 * file is Python, so imports (multiprocessing), arithmetic and helper variables all work.
 */
import { execFile } from 'node:child_process';
import { ConfigError } from './errors.js';

export type PyEntry = { kind: 'value'; value: unknown } | { kind: 'callable' } | { kind: 'module' } | { kind: 'other'; repr: string };

const SCRIPT = `
import json, runpy, sys, types
out_stream = sys.stdout
sys.stdout = sys.stderr  # a print() in the config file must not corrupt the JSON answer
ns = runpy.run_path(sys.argv[1], run_name="__config__")
out = {}
for name, value in ns.items():
    if name.startswith("__"):
        continue
    if isinstance(value, types.ModuleType):
        out[name] = {"kind": "module"}
    elif callable(value):
        out[name] = {"kind": "callable"}
    else:
        try:
            json.dumps(value, allow_nan=False)
            out[name] = {"kind": "value", "value": value}
        except (TypeError, ValueError):
            out[name] = {"kind": "other", "repr": repr(value)[:200]}
out_stream.write(json.dumps(out, allow_nan=False))
`;

export function evaluatePythonConfig(file: string, python = process.env.TUNICORN_PYTHON ?? 'python3'): Promise<Record<string, PyEntry>> {
  return new Promise((resolve, reject) => {
    execFile(python, ['-c', SCRIPT, file], { timeout: 30_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new ConfigError(`${file} is a Python config file and needs python3, which was not found; install python3 or write a tunicorn.config.ts.`));
          return;
        }
        const last = stderr.trim().split('\n').filter(Boolean).pop() ?? err.message;
        reject(new ConfigError(`${file} failed to evaluate in python3: ${last}`));
        return;
      }
      // What the file printed (to stdout or stderr) is shown, as Gunicorn would show it.
      if (stderr) process.stderr.write(stderr);
      try {
        resolve(JSON.parse(stdout) as Record<string, PyEntry>);
      } catch {
        reject(new ConfigError(`${file} evaluated in python3 but its settings could not be read back (got ${JSON.stringify(stdout.slice(0, 80))}).`));
      }
    });
  });
}
