/**
 * `tunicorn ctl`: the control socket's client, as Gunicorn's gunicornc is (single-command mode).
 * Prints a readable form of the reply, or the reply's data as JSON with --json; any failure is one
 * line on stderr and exit code 1.
 */
import { parseArgs } from 'node:util';
import { defaultControlSocket } from '../config/settings.js';
import { ClientError, request } from './client.js';
import { formatReply } from './format.js';
import { HELP } from './commands.js';

const USAGE = `Usage: tunicorn ctl [-s PATH] [--json] COMMAND...

Send one command to a running tunicorn master through its control socket.

Options:
  -s, --socket PATH  the control socket (default: ${defaultControlSocket(process.env)})
  -j, --json         print the reply's data as JSON (for scripts)
  -h, --help         show this help

Commands:
${Object.entries(HELP)
  .map(([c, d]) => `  ${c.padEnd(26)}${d}`)
  .join('\n')}

Examples:
  tunicorn ctl -s /run/app/tunicorn.ctl show workers
  tunicorn ctl worker add 2
  tunicorn ctl --json show stats`;

function fail(message: string): number {
  process.stderr.write(`Error: ${message}\n`);
  return 1;
}

export async function runCtl(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { socket: { type: 'string', short: 's' }, json: { type: 'boolean', short: 'j' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    return fail(`${(err as Error).message.split('\n')[0]!.replace(/\. To specify .*$/, '')}; run "tunicorn ctl --help".`);
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const words = parsed.positionals;
  if (!words.length) return fail('no command given: for example "tunicorn ctl show workers"; run "tunicorn ctl --help" for the list.');
  const path = parsed.values.socket ?? defaultControlSocket(process.env);
  let reply;
  try {
    reply = await request(path, words.join(' '));
  } catch (err) {
    if (err instanceof ClientError) return fail(err.message);
    throw err;
  }
  if (reply.status === 'error') return fail(reply.error);
  const data = reply.data ?? {};
  if (parsed.values.json) process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  // Gunicorn answers "ok" with success false (worker kill of an unknown pid): still a failure here.
  if (data.success === false) return parsed.values.json ? 1 : fail(String(data.error ?? 'the command failed'));
  if (!parsed.values.json) process.stdout.write(`${formatReply(words.join(' ').toLowerCase().split(/\s+/), data)}\n`);
  return 0;
}
