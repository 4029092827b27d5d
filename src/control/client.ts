/** A control socket client: one request, one reply (what `tunicorn ctl` and the tests use). */
import net from 'node:net';
import { encode, FrameReader, type Reply } from './framing.js';

/** A failure to talk to the server at all, in one line that says what to do. */
export class ClientError extends Error {}

function connectError(path: string, err: NodeJS.ErrnoException): ClientError {
  switch (err.code) {
    case 'ENOENT':
      return new ClientError(`no control socket at ${path}: is tunicorn running with this --control-socket? (give its path with -s PATH)`);
    case 'EACCES':
    case 'EPERM':
      return new ClientError(`permission denied on ${path}: run as the server's user, or give its group access with --control-socket-mode 0660`);
    case 'ECONNREFUSED':
      return new ClientError(`nothing is serving ${path} (a socket left by a server that has stopped)`);
    case 'ENOTSOCK':
      return new ClientError(`${path} is not a socket`);
    default:
      return new ClientError(`cannot connect to ${path}: ${err.code ?? err.message}`);
  }
}

/** Send `command` (a whole command line, as gunicornc sends it) and wait for its reply. */
export function request(path: string, command: string, timeoutMs = 30_000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(path);
    const reader = new FrameReader();
    let connected = false;
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      fn();
    };
    socket.setTimeout(timeoutMs, () => settle(() => reject(new ClientError(`no reply from ${path} within ${timeoutMs / 1000} s`))));
    socket.on('connect', () => {
      connected = true;
      socket.write(encode({ id: 1, command, args: [] }));
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        const [reply] = reader.push(chunk);
        if (reply !== undefined) settle(() => resolve(reply as Reply));
      } catch (err) {
        settle(() => reject(new ClientError(`bad reply from ${path}: ${(err as Error).message}`)));
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => settle(() => reject(connected ? new ClientError(`connection to ${path} failed: ${err.code ?? err.message}`) : connectError(path, err))));
    socket.on('close', () => settle(() => reject(new ClientError(`the server at ${path} closed the connection without replying`))));
  });
}
