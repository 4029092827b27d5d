/**
 * USR2 and WINCH (Gunicorn's reexec): a new master starts on this one's sockets; WINCH stops this
 * one's workers while the new one serves; the new one's exit rolls the upgrade back. And the
 * other side: a master started by USR2 serves alone once its old master has gone ("promoted").
 */
import type { ChildProcess } from 'node:child_process';
import type { Config } from '../config/types.js';
import type { ErrorLog } from '../logging/error-log.js';
import type { Listener } from '../sockets.js';
import { movePidfile, parentMaster, spawnMaster } from './reexec.js';

export interface UpgradeHost {
  log: ErrorLog;
  config(): Config;
  shuttingDown(): boolean;
  listeners(): Listener[];
  statusHandle(): object | null;
  /** The pre_exec hook. */
  preExec(): void;
  /** The new master exited: this one is the service's main process again. */
  rolledBack(): void;
  /** After WINCH and a rollback: start this master's workers again (the sockets were kept). */
  restartWorkers(): void;
}

export class Upgrade {
  /** USR2: the new master this one started, while it runs. */
  private newMaster: ChildProcess | null = null;
  /** The master that started this one by USR2, until it has gone. */
  oldMaster = parentMaster(process.env);
  /** WINCH: the workers are stopped, the sockets kept (the new master serves). */
  winched = false;
  /** Where this master's pid is written now (PIDFILE, or PIDFILE.oldbin after USR2). */
  pidfile: string | null = null;

  constructor(private readonly host: UpgradeHost) {}

  /** Another master serves beside this one: its stop is not the service's, nor are the unix sockets' files its own. */
  get underway(): boolean {
    return this.newMaster !== null || this.oldMaster !== 0;
  }

  /** USR2: start a new master on the same sockets; this one keeps serving until WINCH and TERM. */
  start(): void {
    const { log } = this.host;
    if (this.newMaster) return log.warning('USR2 signal ignored. Child exists.');
    if (this.oldMaster) return log.warning('USR2 signal ignored. Parent exists.');
    if (this.host.shuttingDown()) return;
    if (this.pidfile && movePidfile(this.pidfile, `${this.pidfile}.oldbin`)) this.pidfile = `${this.pidfile}.oldbin`;
    this.host.preExec();
    const child = spawnMaster(this.host.listeners(), this.host.statusHandle());
    this.newMaster = child;
    child.on('error', (err) => log.error(`USR2: cannot start a new master: ${err.message}`));
    child.on('exit', (code, signal) => {
      if (this.newMaster === child) this.newMaster = null;
      if (this.host.shuttingDown()) return;
      log.warning(`The new master (pid:${child.pid ?? '?'}) exited (${signal ?? `code ${code}`}); this master serves on${this.winched ? ', starting its workers again' : ''}`);
      const pidfile = this.host.config().pidfile;
      if (pidfile && this.pidfile === `${pidfile}.oldbin` && movePidfile(this.pidfile, pidfile)) this.pidfile = pidfile;
      this.host.rolledBack();
      // A rollback after WINCH: the sockets were kept, so workers started now take over at once.
      if (this.winched) {
        this.winched = false;
        this.host.restartWorkers();
      }
    });
    log.info(
      `Started a new master (pid:${child.pid ?? '?'}) on the listening sockets: WINCH then TERM to this one (pid:${process.pid}) completes the upgrade, TERM or QUIT to the new one rolls it back`,
    );
  }

  /** WINCH: stop the workers (the caller does), the new master serving; false without one. */
  winch(): boolean {
    if (!this.newMaster) {
      this.host.log.warning('SIGWINCH ignored: no new master (send USR2 first)');
      return false;
    }
    this.host.log.info('graceful stop of workers');
    this.winched = true;
    return true;
  }

  /** A USR2 master whose old master has exited serves alone from now on. */
  checkPromoted(): void {
    if (!this.oldMaster || process.ppid === this.oldMaster) return;
    this.host.log.info('Master has been promoted.');
    this.oldMaster = 0;
  }
}
