/**
 * user, group, initgroups: the master resolves them once, before it binds (so a bad value is one
 * line and nothing listens), and each worker (Node worker, front, Python worker) takes them on
 * after post_fork, as Gunicorn's workers do. Names go through getent, so NSS users (LDAP, sssd)
 * resolve as they do for the C library.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { ConfigError } from '../config/errors.js';

export interface Owner {
  uid: number;
  gid: number;
  /** The user's name, when the user database has one (initgroups needs it). */
  name: string | null;
  initgroups: boolean;
}

interface OwnerSettings {
  user: string | null;
  group: string | null;
  initgroups: boolean;
}

/** One entry of the passwd or group database, split on ':'; null when there is none. */
function lookup(db: 'passwd' | 'group', key: string): string[] | null {
  const r = spawnSync('getent', [db, key], { encoding: 'utf8' });
  if (!r.error) return r.status === 0 && r.stdout.trim() ? r.stdout.trim().split('\n')[0]!.split(':') : null;
  // No getent (a minimal image): the local files only.
  const field = /^\d+$/.test(key) ? 2 : 0;
  for (const line of readFileSync(`/etc/${db}`, 'utf8').split('\n')) {
    const parts = line.split(':');
    if (parts[field] === key) return parts;
  }
  return null;
}

const numeric = (s: string) => /^\d+$/.test(s);

/** The owner workers switch to, or null when user and group are not set. Throws a ConfigError with the fix. */
export function resolveOwner(s: OwnerSettings, self = { uid: process.getuid!(), gid: process.getgid!() }): Owner | null {
  if (!s.user && !s.group) {
    if (s.initgroups) throw new ConfigError('initgroups needs user: set --user as well, or drop --initgroups.');
    return null;
  }
  let uid = self.uid;
  let gid = self.gid;
  let name: string | null = null;
  if (s.user) {
    const entry = lookup('passwd', s.user);
    if (!entry && !numeric(s.user)) throw new ConfigError(`user "${s.user}" does not exist here (getent passwd ${s.user} found nothing): create it or fix --user.`);
    uid = entry ? Number(entry[2]) : Number(s.user);
    name = entry ? entry[0]! : null;
    // Unlike Gunicorn (which keeps the master's group), the user's own group when no group is set.
    if (entry) gid = Number(entry[3]);
  }
  if (s.group) {
    const entry = lookup('group', s.group);
    if (!entry && !numeric(s.group)) throw new ConfigError(`group "${s.group}" does not exist here (getent group ${s.group} found nothing): create it or fix --group.`);
    gid = entry ? Number(entry[2]) : Number(s.group);
  }
  if (s.initgroups && !name) throw new ConfigError(`initgroups needs a user with a name in the user database; uid ${uid} has none: create the user or drop --initgroups.`);
  if (self.uid !== 0 && (uid !== self.uid || gid !== self.gid)) {
    throw new ConfigError(`Switching workers to uid ${uid} / gid ${gid} needs the master to start as root (it runs as uid ${self.uid}): start it as root, or drop user/group.`);
  }
  return { uid, gid, name, initgroups: s.initgroups };
}

/** Take on `owner` in this process: supplementary groups, then the group, then the user. */
export function switchOwner(owner: Owner): void {
  try {
    if (owner.initgroups && owner.name) (process as unknown as { initgroups(user: string, group: number): void }).initgroups(owner.name, owner.gid);
    else if (process.getuid!() === 0) process.setgroups!([owner.gid]);
    process.setgid!(owner.gid);
    process.setuid!(owner.uid);
  } catch (err) {
    throw new ConfigError(`Cannot switch to uid ${owner.uid} / gid ${owner.gid}: ${(err as Error).message}`);
  }
}

const resolved = new Map<string, Owner | null>();

/** resolveOwner, once per distinct setting (the CLI checks it before binding and on HUP; the master reads it per worker). */
export function ownerOf(s: OwnerSettings): Owner | null {
  const key = JSON.stringify([s.user, s.group, s.initgroups]);
  if (!resolved.has(key)) resolved.set(key, resolveOwner(s));
  return resolved.get(key)!;
}

/**
 * Give a path the master made (the run directory) or a log file (created if missing) to the
 * workers' owner, as Gunicorn chowns its log files: workers reopen logs on USR1 as that user.
 * Returns why it could not, or null.
 */
export function chownTo(path: string | null, owner: Owner): string | null {
  if (!path || path === '-') return null;
  try {
    if (!existsSync(path)) closeSync(openSync(path, 'a'));
    chownSync(path, owner.uid, owner.gid);
    return null;
  } catch (err) {
    return `Cannot give ${path} to uid ${owner.uid} / gid ${owner.gid}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
  }
}
