/**
 * systemd's Type=notify: READY=1 once the workers serve, RELOADING=1 then READY=1 around HUP,
 * STOPPING=1 on shutdown, STATUS= with the worker count, MAINPID= when a USR2 master takes over.
 *
 * Node cannot send on a unix datagram socket, so each message goes through systemd's own
 * `systemd-notify` (messages are rare: boot, reload, scale, stop). It sends from its own pid, so
 * the unit needs NotifyAccess=all; since systemd 246 it waits until the manager has read the
 * message, so the manager still knows which unit the sender belonged to.
 */
import { spawn } from 'node:child_process';
import type { ErrorLog } from '../logging/error-log.js';

export class SystemdNotify {
  private readonly socket: string | undefined;
  private missingSaid = false;
  /** The last STATUS= sent, so an unchanged one is not sent again. */
  private lastStatus = '';
  private stopSent = false;

  constructor(
    env: NodeJS.ProcessEnv,
    private log: ErrorLog,
    private command = 'systemd-notify',
  ) {
    this.socket = env.NOTIFY_SOCKET || undefined;
  }

  get enabled(): boolean {
    return this.socket !== undefined;
  }

  ready(status: string, mainPid = process.pid): void {
    this.lastStatus = status;
    this.send('READY=1', `STATUS=${status}`, `MAINPID=${mainPid}`);
  }

  /** Type=notify-reload wants the monotonic clock with RELOADING=1; libuv's hrtime is CLOCK_MONOTONIC. */
  reloading(): void {
    this.send('RELOADING=1', `MONOTONIC_USEC=${process.hrtime.bigint() / 1000n}`, 'STATUS=Reloading');
  }

  stopping(): void {
    if (this.stopSent) return;
    this.stopSent = true;
    this.send('STOPPING=1', 'STATUS=Stopping');
  }

  status(text: string): void {
    if (text === this.lastStatus) return;
    this.lastStatus = text;
    this.send(`STATUS=${text}`);
  }

  private send(...fields: string[]): void {
    if (!this.socket) return;
    let stderr = '';
    const child = spawn(this.command, fields, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (c: Buffer) => (stderr += c));
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (this.missingSaid) return;
      this.missingSaid = true;
      this.log.warning(`NOTIFY_SOCKET is set but ${this.command} cannot run (${err.code ?? err.message}): systemd is not told READY/RELOADING/STOPPING; install systemd's tools or use Type=simple`);
    });
    child.on('exit', (code) => {
      if (code) this.log.warning(`${this.command} ${fields[0]} failed (exit ${code}): ${stderr.trim().split('\n').pop() ?? ''}`);
    });
    child.unref();
  }
}
