/**
 * The requests a timed-out Python worker was running: the fronts hold them (the worker itself may
 * be stuck in C), so the master asks each front and waits for the answers (2 s at most: a front
 * busy with other clients on a loaded machine answered after the 500 ms once allowed).
 */
import type { WorkerMessage } from '../workers/protocol.js';
import type { RunningRequest } from '../workers/running.js';
import type { Supervised } from './supervised.js';

export function askFronts(fronts: Supervised[], worker: number, ms = 2000): Promise<RunningRequest[] | null> {
  const asked = fronts.filter((f) => f.connected);
  if (asked.length === 0) return Promise.resolve(null);
  return new Promise((resolve) => {
    const found: RunningRequest[] = [];
    let waiting = asked.length;
    const listeners = new Map<Supervised, (msg: WorkerMessage) => void>();
    const finish = () => {
      clearTimeout(timer);
      for (const [f, l] of listeners) f.off('message', l);
      // A front that did not answer in time may hold the request: then "none in flight" is not known.
      resolve(waiting === asked.length || (waiting > 0 && found.length === 0) ? null : found.sort((a, b) => b.ms - a.ms));
    };
    const timer = setTimeout(finish, ms);
    for (const f of asked) {
      const l = (msg: WorkerMessage) => {
        if (msg.type !== 'running' || msg.worker !== worker) return;
        f.off('message', l);
        listeners.delete(f);
        found.push(...msg.requests);
        if (--waiting === 0) finish();
      };
      listeners.set(f, l);
      f.on('message', l);
      f.send({ type: 'running', worker });
    }
  });
}
