/** A stand-in for systemd's notification socket (test/fixtures/systemd/notify_socket.py): each message it gets is a line of its output. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, Running } from './cli.js';
import { PYTHON } from './python.js';

export async function notifySocket(): Promise<{ path: string; socket: Running }> {
  const path = join(mkdtempSync(join(tmpdir(), 'tunicorn-notify-')), 'notify.sock');
  const socket = new Running(PYTHON, [join(FIXTURES, 'systemd/notify_socket.py'), path]);
  await socket.waitFor(/listening/);
  return { path, socket };
}
