// The HTTP/2 table's ratios (issue 14 point 3), paired round by round like the Node goals: only the
// HTTP/1.1 one has a target (h2 on must not slow HTTP/1.1 down); the others place tunicorn's h2 rows.
import { pairedRatio, pct, ratioText } from './goals.mjs';

/**
 * row over base in every scenario of the table, each as "scenario ratio, by CPU per request ratio"
 * (the base's server CPU per request over the row's: apart from how much of the shared cores each got).
 */
const ratio = (id, base, min) => (t) => {
  const parts = [];
  let met = min === undefined ? undefined : true;
  for (const sid of t.scenarios) {
    const r = pairedRatio(t, id, base, sid);
    if (!r) return { text: `no figure for ${id} or ${base}`, met: min === undefined ? undefined : null };
    const cpu = pairedRatio(t, id, base, sid, 'CpuUs');
    parts.push(`${sid.replace(/^h2-/, '')} ${ratioText(r, pct)}${cpu ? `, by CPU per request ${pct(cpu.value)}` : ''}`);
    if (met !== undefined) met &&= r.value >= min;
  }
  return { text: parts.join('; '), met };
};

export const H2_GOALS = [
  { goal: 'HTTP/1.1 over TLS, http_protocols h2,h1 vs h1', target: '≥ 95%', check: ratio('t-h1tls-h2on', 't-h1tls', 0.95) },
  { goal: 'tunicorn Node listener over h2 vs nginx HTTP/2', target: 'for reference', check: ratio('t-h2-node', 'nginx-h2') },
  { goal: 'tunicorn fetch app over h2 vs nginx HTTP/2', target: 'for reference', check: ratio('t-h2-fetch', 'nginx-h2') },
  { goal: 'tunicorn Node listener, h2c vs h2 over TLS', target: 'for reference', check: ratio('t-h2c-node', 't-h2-node') },
  { goal: 'tunicorn Node listener, h2 vs HTTP/1.1 over TLS (h2,h1)', target: 'for reference', check: ratio('t-h2-node', 't-h1tls-h2on') },
];
