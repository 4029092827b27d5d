/**
 * The statsd wire format, as Gunicorn's gunicorn/instrument/statsd.py writes it, so dashboards
 * built on Gunicorn keep working: `NAME:V|c|@1.0` counters, `NAME:V|ms` timers, `NAME:V|g`
 * gauges, `NAME:V|h` histograms, each followed by `|#TAGS` when dogstatsd_tags is set.
 */

/** Gunicorn's `sub(r"^(.+[^.]+)\.*$", "\g<1>.", prefix)`: one trailing dot on a prefix of two characters or more. */
export function statsdPrefix(prefix: string): string {
  return prefix.replace(/^(.+[^.]+)\.*$/, '$1.');
}

/** A number as Python's str(float) prints a millisecond figure: 12.5, 3.0. */
export function pyFloat(v: number): string {
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

/** A sample rate as Gunicorn prints it (1.0), or the rate a reservoir kept. */
const rate = (r: number) => (r >= 1 ? '1.0' : pyFloat(Number(r.toPrecision(6))));

export class LineFormat {
  private readonly prefix: string;
  private readonly tags: string;

  constructor(opts: { prefix: string; tags: string }) {
    this.prefix = statsdPrefix(opts.prefix);
    this.tags = opts.tags ? `|#${opts.tags}` : '';
  }

  counter(name: string, n: number): string {
    return `${this.prefix}${name}:${n}|c|@1.0${this.tags}`;
  }

  /** A duration in ms; `sampleRate` below 1 when only some of the requests' durations are sent. */
  timer(name: string, ms: number, sampleRate = 1): string {
    return `${this.prefix}${name}:${pyFloat(ms)}|ms${sampleRate < 1 ? `|@${rate(sampleRate)}` : ''}${this.tags}`;
  }

  gauge(name: string, v: number): string {
    return `${this.prefix}${name}:${v}|g${this.tags}`;
  }

  histogram(name: string, v: number): string {
    return `${this.prefix}${name}:${v}|h${this.tags}`;
  }
}

/** One datagram: lines joined by newlines, and how many. */
export interface Datagram {
  text: string;
  lines: number;
}

/**
 * Lines joined by newlines into datagrams of at most `max` bytes (statsd and DogStatsD read several
 * lines per datagram); a line longer than `max` goes alone. The lines are ASCII.
 */
export function pack(lines: readonly string[], max: number): Datagram[] {
  const out: Datagram[] = [];
  let cur = '';
  let n = 0;
  for (const line of lines) {
    if (n > 0 && cur.length + 1 + line.length <= max) {
      cur += `\n${line}`;
      n++;
      continue;
    }
    if (n > 0) out.push({ text: cur, lines: n });
    cur = line;
    n = 1;
  }
  if (n > 0) out.push({ text: cur, lines: n });
  return out;
}
