/** Bounded load on loopback with autocannon, counting every failure a user would see. */
import autocannon from 'autocannon';

export interface LoadResult {
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  resets: number;
  rps: number;
}

export interface LoadOptions {
  seconds: number;
  connections?: number;
  pipelining?: number;
  headers?: Record<string, string>;
  /** A mix of requests each connection cycles through. */
  requests?: autocannon.Request[];
}

export async function load(url: string, opts: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url,
    duration: opts.seconds,
    connections: opts.connections ?? 20,
    pipelining: opts.pipelining ?? 1,
    headers: opts.headers,
    timeout: 10,
    ...(opts.requests ? { requests: opts.requests } : {}),
  });
  return {
    requests: result.requests.total,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    resets: result.resets ?? 0,
    rps: result.requests.average,
  };
}

/**
 * load() again and again until `enough()` holds (at most `rounds` times), the counts summed: for a
 * check that needs so many events under load (recycles, say), which take longer on a busy machine.
 */
export async function loadUntil(url: string, opts: LoadOptions, enough: () => boolean, rounds = 4): Promise<LoadResult> {
  const sum: LoadResult = { requests: 0, errors: 0, timeouts: 0, non2xx: 0, resets: 0, rps: 0 };
  let done = 0;
  while (done < rounds && (done === 0 || !enough())) {
    const r = await load(url, opts);
    for (const k of ['requests', 'errors', 'timeouts', 'non2xx', 'resets'] as const) sum[k] += r[k];
    sum.rps += r.rps;
    done++;
  }
  sum.rps /= done;
  return sum;
}
