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
