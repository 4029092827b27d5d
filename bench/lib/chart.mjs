// A hand-written SVG of the main table: one panel of horizontal bars (req/s) per scenario.
import { byId } from './scenarios.mjs';

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const k = (n) => (n >= 10000 ? `${(n / 1000).toFixed(1)}k` : Math.round(n).toLocaleString('en-US'));

export function chartSvg(table) {
  const rows = table.contenders;
  const panelW = 440, labelW = 200, barW = 170, rowH = 18, head = 26;
  const panelH = head + rows.length * rowH + 12;
  const cols = 2;
  const panels = table.scenarios.map((sid, i) => {
    const x0 = (i % cols) * panelW + 10, y0 = Math.floor(i / cols) * panelH + 40;
    const max = Math.max(1, ...rows.map((c) => table.cells[c.id]?.[sid]?.rps ?? 0));
    const out = [`<text x="${x0}" y="${y0 + 16}" font-weight="bold">${esc(byId(sid).title)}</text>`];
    rows.forEach((c, j) => {
      const y = y0 + head + j * rowH;
      const cell = table.cells[c.id]?.[sid];
      out.push(`<text x="${x0 + labelW - 6}" y="${y + 12}" text-anchor="end">${esc(c.label)}</text>`);
      if (cell?.rps === undefined) {
        out.push(`<text x="${x0 + labelW}" y="${y + 12}" fill="#888">${cell?.skipped ? 'n/a' : table.failed[c.id]?.startsWith('not run') ? 'not run' : 'failed'}</text>`);
        return;
      }
      const w = Math.max(1, (cell.rps / max) * barW);
      const fill = c.tunicorn ? '#2a9d8f' : c.id === 'nginx' ? '#adb5bd' : '#6c757d';
      out.push(`<rect x="${x0 + labelW}" y="${y + 2}" width="${w.toFixed(1)}" height="${rowH - 5}" fill="${fill}"/>`);
      out.push(`<text x="${x0 + labelW + w + 4}" y="${y + 12}">${k(cell.rps)}</text>`);
    });
    return out.join('\n');
  });
  const height = Math.ceil(table.scenarios.length / cols) * panelH + 50;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${cols * panelW + 20}" height="${height}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="22" font-size="14" font-weight="bold">Requests per second, ${table.workers} workers each (median of rounds; teal: tunicorn)</text>
${panels.join('\n')}
</svg>
`;
}
