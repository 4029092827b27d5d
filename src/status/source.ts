/** What the status endpoint reads from the master (src/arbiter.ts provides it). */
import type { Supervised } from '../arbiter/supervised.js';
import type { Config } from '../config/types.js';
import type { Listener } from '../sockets.js';

export interface StatusSource {
  /** The worker processes alive now, of every kind. */
  workers(): Supervised[];
  /** A Python app: fronts serve HTTP, Python workers run the app. */
  readonly python: boolean;
  /** TERM (or INT/QUIT) arrived: the server is going away. */
  shuttingDown(): boolean;
  /** The `timeout` setting in seconds (0: off). */
  timeout(): number;
  /** The listening sockets, as bind text and file descriptor (null for a unix socket). */
  listeners(): Array<{ name: string; fd: number | null; url?: string }>;
  /** The first bind, which health_check_path requests go through. */
  firstListener(): Listener | null;
  /** The health_check_path setting. */
  healthCheckPath(): string | null;
  /** The configuration now (replaced on HUP), for the status page. */
  config(): Config;
  /** The app spec, for the status page's title. */
  app(): string;
  /** The binds speak TLS (certfile): health_check_path asks over https. */
  secure?: boolean;
}
