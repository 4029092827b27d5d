/**
 * The Python worker's own suite (test/python/test_*.py, stdlib unittest): run with /usr/bin/python3,
 * which has gevent and Flask on the test machines; TUNICORN_TEST_PYTHON picks another interpreter.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const root = fileURLToPath(new URL('../..', import.meta.url));
const python = process.env.TUNICORN_TEST_PYTHON ?? '/usr/bin/python3';

test('the Python worker suite passes (python3 -m unittest discover -s test/python)', { timeout: 180_000 }, async () => {
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(python, ['-m', 'unittest', 'discover', '-s', 'test/python', '-p', 'test_*.py', '-v'], {
      cwd: root,
      env: { ...process.env, TUNICORN_TEST_PYTHON: python, PYTHONDONTWRITEBYTECODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c));
    child.stderr.on('data', (c: Buffer) => (output += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
  assert.equal(code, 0, output);
  assert.match(output, /^OK/m, output);
});
