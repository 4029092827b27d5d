/** Levenshtein distance, used to name the nearest valid setting or flag. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = prev[j]!;
      prev[j] = Math.min(above + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = above;
    }
  }
  return prev[b.length]!;
}

const squash = (s: string) => s.toLowerCase().replace(/[-_]/g, '');

/** The candidate closest to `name`, or undefined when nothing is close enough to be a likely typo. */
export function nearest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  const wanted = squash(name);
  for (const candidate of candidates) {
    const score = editDistance(wanted, squash(candidate));
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  const allowed = Math.max(1, Math.floor(wanted.length / 3));
  return bestScore <= allowed ? best : undefined;
}

export function didYouMean(name: string, candidates: Iterable<string>): string {
  const hit = nearest(name, candidates);
  return hit ? `; did you mean "${hit}"?` : '';
}
