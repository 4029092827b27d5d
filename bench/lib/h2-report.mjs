// The HTTP/2 table's section of RESULTS.md: req/s, errors and server CPU per request by h2load
// scenario, the protocol each row spoke, and its start-up time.
const n0 = (x) => Math.round(x).toLocaleString('en-US');

const NOTES = [
  'h2load (nghttp2-client) on the same machine drives every row: `-c` connections, each with `-m` concurrent streams (the HTTP/1.1 rows pipeline that many requests, `--h1`), one h2load thread.',
  'TLS rows use a self-signed P-256 certificate; h2 is negotiated by ALPN, h2c rows speak HTTP/2 from the first byte (prior knowledge, 127.0.0.1 trusted by forwarded_allow_ips).',
  'Each figure is the median of the rounds, rows alternating as in the other tables; tunicorn rows run with max_requests 0 (h2load does not reconnect after a recycling worker\'s GOAWAY). A "hello world" response, 2 workers a row.',
].join(' ');

/** `grid(table, title, show)` is report.mjs's table of rows by scenario. */
export function h2Section(table, grid) {
  const out = [`## HTTP/2 (h2load): ${table.workers} workers each`, ''];
  if (table.measured) out.push(`Measured by \`${table.measured.command}\` on ${table.measured.date}; load average (1 min) before this table ${table.measured.load.start.toFixed(1)}, after ${table.measured.load.end.toFixed(1)}.`, '');
  out.push(NOTES, '');
  out.push(grid(table, 'Requests per second', (c) => n0(c.rps)));
  out.push(grid(table, 'Errors (failed + errored requests + non-2xx, all rounds)', (c) => String(c.errors + c.non2xx)));
  out.push(grid(table, 'Server CPU per request (µs: utime + stime of the master and workers over the round, divided by requests)',
    (c) => (Number.isFinite(c.cpuUs) ? c.cpuUs.toFixed(1) : '—')));
  out.push('| Contender | protocol spoken | start-up to first answers (ms) |', '|---|---|---:|');
  for (const c of table.contenders) {
    const ms = table.startupMs?.[c.id];
    out.push(`| ${c.label} | ${table.protocols?.[c.id] ?? '—'} | ${ms !== undefined ? n0(ms) : table.failed[c.id]?.startsWith('not run') ? 'not run' : 'failed'} |`);
  }
  return [...out, ''].join('\n');
}
