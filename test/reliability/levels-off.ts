/**
 * The soaks' verdict (soak.long.ts, python-soak.long.ts): flat means levelled off. The highest RSS of
 * the second half of the samples is within 20 MB of the highest of the first: memory that rises to a
 * plateau (V8 and malloc keep what they once needed) passes, a leak keeps rising and does not.
 * Descriptors end within 2 of where they were after the first stretch. `allowanceMb(pid)` may
 * widen the 20 MB for a process whose plateau has a known step in it.
 */
import assert from 'node:assert/strict';

export function assertLevelsOff(procs: number[], name: (pid: number) => string, rss: number[][], fds: number[][], allowanceMb: (pid: number) => number = () => 20): void {
  const half = Math.floor(rss[0]!.length / 2);
  procs.forEach((p, i) => {
    const first = Math.max(...rss[i]!.slice(0, half));
    const second = Math.max(...rss[i]!.slice(half));
    console.log(`${name(p)}: highest RSS ${(first / 1024).toFixed(1)} MB in the first half, ${(second / 1024).toFixed(1)} MB in the second; fds ${fds[i]![0]} -> ${fds[i]!.at(-1)}`);
    assert.ok(second - first < allowanceMb(p) * 1024, `${name(p)} RSS levels off (${first} -> ${second} kB)`);
    assert.ok(fds[i]!.at(-1)! - fds[i]![0]! <= 2, `${name(p)} fds flat (${fds[i]![0]} -> ${fds[i]!.at(-1)})`);
  });
}
