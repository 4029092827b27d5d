/** The master's status endpoint (status_bind) as a test reads it: its URL, a GET, one metric's value. */
import type { Running } from './cli.js';

/** The status URL from the master's "Status at: URL" line. */
export async function statusUrl(t: Running): Promise<string> {
  const m = await t.waitFor(/Status at: (http:\/\/\S+)/);
  return m[1]!;
}

export { get } from './http-get.js';

/** The sum of a metric's samples in an exposition text whose labels include `labels`. */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  let found = false;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) {
      sum += Number(m[3]);
      found = true;
    }
  }
  return found ? sum : NaN;
}
