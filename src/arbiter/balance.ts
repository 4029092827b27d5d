/**
 * Keep-alive connections spread over the Node workers. A burst of new connections goes mostly to
 * the worker that wakes first (libuv accepts until the listen queue is empty) and stays there for
 * as long as the clients keep them, leaving a core idle. When one worker holds clearly more than
 * another (by their heartbeats), the busier hands idle connections to the other over the same
 * path as a retiring worker's (src/workers/handoff.ts).
 */
import type { Supervised } from './supervised.js';

/** Differences smaller than this are left alone: moving a connection costs a few IPC round trips. */
const MIN_GAP = 4;
/** Nor a gap under this share of the mean (no churn over a 26/24 split). */
const MIN_GAP_SHARE = 0.2;

export interface Move {
  from: Supervised;
  to: Supervised;
  count: number;
}

/**
 * The move that evens the busiest and the least busy of `workers` (serving Node workers), or null.
 * Only figures from heartbeats after `since` count: those before the last move are stale.
 */
export function nextMove(workers: Supervised[], since: number): Move | null {
  if (workers.length < 2 || workers.some((w) => w.lastBeat <= since)) return null;
  let from = workers[0]!;
  let to = workers[0]!;
  let total = 0;
  for (const w of workers) {
    total += w.connections;
    if (w.connections > from.connections) from = w;
    if (w.connections < to.connections) to = w;
  }
  const gap = from.connections - to.connections;
  if (gap < MIN_GAP || gap < (MIN_GAP_SHARE * total) / workers.length) return null;
  return { from, to, count: Math.floor(gap / 2) };
}
