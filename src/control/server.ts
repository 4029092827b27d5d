/**
 * The control socket (Gunicorn 25's control_socket): a unix socket the master serves in its own
 * event loop, so it answers while every worker is busy. One connection may send many requests;
 * each gets one reply, in order.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import type { ErrorLog } from '../logging/error-log.js';
import { CommandError, runCommand } from './commands.js';
import { encode, FrameError, FrameReader, type Reply } from './framing.js';
import type { ControlSource } from './source.js';

/** A client silent this long is disconnected (Gunicorn's 5 minutes). */
const IDLE_MS = 300_000;

export class ControlServer {
  private sockets = new Set<net.Socket>();
  /** The inode this master created: at exit it removes the path only if it still names that socket. */
  private ours: { dev: number; ino: number } | null = null;

  private constructor(
    readonly path: string,
    private server: net.Server,
    private source: ControlSource,
    private log: ErrorLog,
  ) {
    server.on('connection', (s) => this.serve(s));
  }

  /**
   * Listen at `path` (its directory is created, mode 0700, as Gunicorn does). A socket already
   * there is replaced; anything else is left alone. A failure is a warning: the server runs on
   * without a control socket, as in Gunicorn.
   */
  static start(path: string, mode: number, source: ControlSource, log: ErrorLog): ControlServer | null {
    const problem = prepare(path);
    if (problem) {
      log.warning(`Control socket not started: ${problem}; set --control-socket to another path, or --no-control-socket.`);
      return null;
    }
    const server = net.createServer();
    const ctl = new ControlServer(path, server, source, log);
    server.once('error', (err: NodeJS.ErrnoException) => {
      log.warning(`Control socket not started: cannot listen at ${path} (${err.code ?? err.message}); set --control-socket to another path, or --no-control-socket.`);
      ctl.close();
    });
    // Bound at a temporary name, given its mode, then renamed over the path: the path never shows
    // a socket more open than control_socket_mode, never goes missing while another master's socket
    // is replaced (USR2), and libuv's unlink at close hits the temporary name, not whoever owns the path now.
    const temp = join(dirname(path), `.ctl${process.pid}`);
    let umask: number | null = null;
    try {
      rmSync(temp, { force: true });
      umask = process.umask(0o777 & ~mode);
      server.listen(temp, () => {
        try {
          chmodSync(temp, mode);
          renameSync(temp, path);
          const st = lstatSync(path);
          ctl.ours = { dev: st.dev, ino: st.ino };
          log.info(`Control socket listening at ${path}`);
        } catch (err) {
          log.warning(`Control socket not started: ${(err as Error).message}; set --control-socket to another path, or --no-control-socket.`);
          ctl.close();
        }
      });
    } catch (err) {
      log.warning(`Control socket not started: ${(err as Error).message}; set --control-socket to another path, or --no-control-socket.`);
      return null;
    } finally {
      if (umask !== null) process.umask(umask);
    }
    return ctl;
  }

  /** Stop serving and remove the socket file, unless another master has taken the path over since. */
  close(): void {
    if (this.server.listening) this.server.close();
    for (const s of this.sockets) s.destroy();
    if (!this.ours) return;
    try {
      const st = lstatSync(this.path);
      if (st.dev === this.ours.dev && st.ino === this.ours.ino) unlinkSync(this.path);
    } catch {
      /* already gone */
    }
    this.ours = null;
  }

  private serve(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.setTimeout(IDLE_MS, () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      let messages: unknown[];
      try {
        messages = reader.push(chunk);
      } catch (err) {
        // The stream cannot be re-synchronised after a bad frame: say why, then hang up.
        const reply: Reply = { id: null, status: 'error', error: err instanceof FrameError ? err.message : String(err) };
        socket.end(encode(reply));
        return;
      }
      for (const m of messages) this.answer(socket, m);
    });
  }

  private answer(socket: net.Socket, message: unknown): void {
    const req = (message && typeof message === 'object' ? message : {}) as { id?: unknown; command?: unknown; args?: unknown };
    const id = req.id ?? 0;
    const command = typeof req.command === 'string' ? req.command.trim() : '';
    const args = Array.isArray(req.args) ? req.args : [];
    let reply: Reply;
    let after: (() => void) | undefined;
    try {
      if (!command) throw new CommandError('Empty command');
      const line = [command, ...args.map(String)].join(' ');
      if (/^(show|help)\b/i.test(command)) this.log.debug(`Control command: ${line}`);
      else this.log.info(`Control command: ${line}`);
      const outcome = runCommand(this.source, command, args);
      reply = { id, status: 'ok', data: outcome.data };
      after = outcome.after;
    } catch (err) {
      if (!(err instanceof CommandError)) this.log.exception('Control command failed:', err);
      reply = { id, status: 'error', error: err instanceof CommandError ? err.message : `Command failed: ${(err as Error).message}` };
    }
    socket.write(encode(reply), () => after?.());
  }
}

/**
 * mkdir -p, mode 0700, one level at a time: Node 20's recursive mkdirSync loops forever where
 * mkdir fails with ENOENT under a parent that exists (/proc/x/y), and that would hang the master.
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) missing.unshift(d);
  for (const d of missing) mkdirSync(d, { mode: 0o700 });
}

/** Why `path` cannot be listened at, or null once its directory exists and no non-socket is in the way. */
function prepare(path: string): string | null {
  // sun_path holds 108 bytes with the terminating NUL: a longer path could be created (by rename) but never connected to.
  const bytes = Buffer.byteLength(path);
  if (bytes > 107) return `${path} is ${bytes} bytes long, and a unix socket's path may have 107 at most`;
  try {
    makeDirs(dirname(path));
  } catch (err) {
    return `cannot create the directory ${dirname(path)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  try {
    // A socket already there (a crashed master's, or the old master's after USR2) is replaced.
    if (!lstatSync(path).isSocket()) return `${path} exists and is not a socket`;
  } catch {
    /* nothing there */
  }
  return null;
}
