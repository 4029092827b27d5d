/**
 * The master's side of connection handoff (src/workers/handoff.ts): a Node worker retiring in
 * favour of a replacement hands its idle keep-alive connections over; the master passes each on
 * to that replacement (or, if it has gone, to another serving worker of the kind). The master
 * only carries raw handles: it never reads from them.
 */
import type { Supervised } from './supervised.js';

interface Closable {
  close(): void;
}

export class HandoffRelay {
  /** Retiring worker -> the worker its connections go to. */
  private readonly targets = new Map<Supervised, Supervised>();

  /** `serving`: the workers of a kind now serving, newest last. */
  constructor(private readonly serving: (kind: Supervised['kind']) => Supervised[]) {}

  /** `from` stops, handing its connections to `to`. */
  begin(from: Supervised, to: Supervised): void {
    this.targets.set(from, to);
  }

  /** A connection `from` handed off: on to its replacement; closed when no worker can take it. */
  relay(from: Supervised, handle: object): void {
    let to = this.targets.get(from);
    if (!to || to.state !== 'ready' || !to.connected) to = this.serving(from.kind).filter((w) => w !== from && w.connected).at(-1);
    // This copy of the descriptor closes once sent (the worker's copy is its own).
    const close = () => (handle as Closable).close();
    if (!to) return close();
    to.sendHandle({ type: 'handoff' }, handle, close);
  }

  /** A worker exited: it neither hands off nor receives any more. */
  forget(w: Supervised): void {
    this.targets.delete(w);
    for (const [from, to] of this.targets) if (to === w) this.targets.delete(from);
  }
}
