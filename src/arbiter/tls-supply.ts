/**
 * The master's TLS material over time: read at start-up (by the CLI, before anything binds), read
 * again on HUP and when certfile, keyfile or ca_certs change on disk (a certbot or cert-manager
 * renewal), and sent to the workers, which apply it to new handshakes without dropping a connection.
 * A reload that fails (a file half written, a key for another certificate) keeps the material in
 * use and logs why; the next change of the files tries again.
 */
import { unwatchFile, watchFile, type Stats } from 'node:fs';
import type { Config } from '../config/types.js';
import type { ErrorLog } from '../logging/error-log.js';
import { loadTlsMaterial, tlsEnabled, tlsFiles, type TlsMaterial } from '../http/tls-material.js';

/** The settings that shape the material and the handshake: kept together when a reload is refused. */
const TLS_SETTINGS = ['certfile', 'keyfile', 'ca_certs', 'cert_reqs', 'ciphers', 'ssl_version'] as const;

/** Renewals write several files (certificate, key) in a row: wait for them to settle. */
const SETTLE_MS = 300;
/**
 * How often the files are looked at (a stat each, in the master). Polling, not inotify: stat
 * follows symlinks, so it sees a file rewritten in place, a file renamed over it, certbot's live/
 * links moved to a new archive file and Kubernetes' ..data link swapped, which a watch on the
 * file's first inode misses.
 */
const POLL_MS = 1000;

export class TlsSupply {
  private watched: string[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    public material: TlsMaterial,
    private readonly log: ErrorLog,
    /** Send material to every worker that serves HTTP. */
    private readonly broadcast: (material: TlsMaterial) => void,
  ) {}

  /**
   * HUP: take the new configuration's TLS settings if their material loads; otherwise put the
   * running ones back into `next`, so new workers serve what the running ones do.
   */
  reloadWith(current: Config, next: Config): void {
    if (tlsEnabled(next) !== tlsEnabled(current)) {
      this.log.warning(`certfile/keyfile ${tlsEnabled(next) ? 'set' : 'unset'} by the reload; turning TLS on or off takes effect after a restart.`);
      keep(current, next);
      return;
    }
    if (!this.load(next, 'HUP')) keep(current, next);
  }

  /** Read the files of `config`; on success use and send the material (if it changed). */
  load(config: Config, why: string): boolean {
    let loaded: ReturnType<typeof loadTlsMaterial>;
    try {
      loaded = loadTlsMaterial(config, config.chdir);
    } catch (err) {
      this.log.error(`TLS certificate not reloaded (${why}): ${(err as Error).message} Still serving the previous certificate.`);
      return false;
    }
    const m = loaded.material;
    if (m.cert === this.material.cert && m.key === this.material.key && m.ca === this.material.ca) return true;
    this.material = m;
    this.log.info(`TLS certificate reloaded (${why}): ${loaded.describe}`);
    if (loaded.expired) this.log.warning(`The TLS certificate has expired: ${loaded.describe}`);
    this.broadcast(m);
    return true;
  }

  /** Watch the files `config` names (again after a HUP that changed them). */
  watch(config: () => Config): void {
    const files = tlsFiles(config(), config().chdir);
    if (files.join('\n') === this.watched.join('\n')) return;
    this.close();
    this.watched = files;
    const changed = (now: Stats, before: Stats) => {
      if (now.mtimeMs === before.mtimeMs && now.ino === before.ino && now.size === before.size) return;
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.load(config(), 'files changed'), SETTLE_MS);
    };
    // unref'd timers: the watch never keeps the master alive by itself.
    for (const file of files) watchFile(file, { interval: POLL_MS, persistent: false }, changed);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const file of this.watched) unwatchFile(file);
    this.watched = [];
  }
}

function keep(current: Config, next: Config): void {
  const into = next as unknown as Record<string, unknown>;
  for (const name of TLS_SETTINGS) into[name] = current[name];
}
