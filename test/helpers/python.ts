/** Python apps in tests: the interpreter that has gevent, Flask and Django (Debian's), and its fixtures. */
import { spawnSync } from 'node:child_process';
import { FIXTURES } from './cli.js';

export const PYTHON = process.env.TUNICORN_TEST_PYTHON ?? '/usr/bin/python3';
export const PY_FIXTURES = `${FIXTURES}/python`;

/** Whether PYTHON can import these modules (a missing one fails the test with what to install). */
export function pythonHas(...modules: string[]): string | null {
  const r = spawnSync(PYTHON, ['-c', modules.map((m) => `import ${m}`).join('; ')], { encoding: 'utf8' });
  return r.status === 0 ? null : `${PYTHON} cannot import ${modules.join(', ')}: ${r.stderr.trim().split('\n').pop()} (.ci/run installs python3-gevent, python3-flask, python3-django)`;
}
