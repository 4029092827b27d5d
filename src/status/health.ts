/**
 * /healthz (liveness) and /readyz (readiness), decided from the master's view of its workers.
 * Liveness: some worker of each serving kind sent a heartbeat within `timeout`, so restarting the
 * whole server would help only if it fails. Readiness: workers are booted and serving, and the
 * server is not shutting down, so a load balancer should send it traffic.
 */
export interface HealthWorker {
  kind: 'node' | 'front' | 'python';
  state: 'booting' | 'ready' | 'retiring' | 'stopping';
  timedOut: boolean;
  /** When its last heartbeat arrived (ms), or null before the first. */
  beatAt: number | null;
}

export interface Verdict {
  ok: boolean;
  status: string;
  detail: string;
}

/** The kinds that must each be up for requests to be served. */
const serving = (python: boolean): Array<HealthWorker['kind']> => (python ? ['front', 'python'] : ['node']);

/** Without a timeout, a worker silent this long still counts as not answering. */
const NO_TIMEOUT_WINDOW_S = 30;

const windowMs = (timeout: number) => (timeout > 0 ? timeout : NO_TIMEOUT_WINDOW_S) * 1000;
const answering = (w: HealthWorker, now: number, timeout: number) => !w.timedOut && w.beatAt !== null && now - w.beatAt <= windowMs(timeout);

export function liveness(workers: HealthWorker[], opts: { python: boolean; timeout: number; now: number }): Verdict {
  for (const kind of serving(opts.python)) {
    const alive = workers.filter((w) => w.kind === kind && answering(w, opts.now, opts.timeout)).length;
    if (alive === 0) return { ok: false, status: 'unhealthy', detail: `no ${label(kind)} sent a heartbeat in the last ${windowMs(opts.timeout) / 1000}s` };
  }
  return { ok: true, status: 'ok', detail: 'the master and its workers are answering' };
}

/** Ready workers: booted, not being replaced for a timeout, and answering heartbeats. */
export function readiness(workers: HealthWorker[], opts: { python: boolean; shuttingDown: boolean; everReady: boolean; timeout: number; now: number }): Verdict {
  if (opts.shuttingDown) return { ok: false, status: 'shutting_down', detail: 'the server is shutting down' };
  for (const kind of serving(opts.python)) {
    const ready = workers.filter((w) => w.kind === kind && (w.state === 'ready' || w.state === 'retiring') && answering(w, opts.now, opts.timeout)).length;
    if (ready === 0) {
      return opts.everReady ? { ok: false, status: 'not_ready', detail: `no ${label(kind)} is serving` } : { ok: false, status: 'booting', detail: `the ${label(kind)}s are booting` };
    }
  }
  return { ok: true, status: 'ready', detail: 'workers are serving' };
}

const label = (kind: HealthWorker['kind']) => (kind === 'front' ? 'front' : kind === 'python' ? 'Python worker' : 'worker');
