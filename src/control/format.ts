/** `tunicorn ctl`'s readable output: a table or a few lines for each reply (--json prints the reply itself). */

type Data = Record<string, unknown>;
type Row = Record<string, unknown>;

function table(headers: string[], rows: string[][], indent = ''): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => indent + cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(headers), ...rows.map(line)];
}

const secs = (v: unknown) => (typeof v === 'number' ? `${v}s` : 'n/a');
const ago = (v: unknown) => (typeof v === 'number' ? `${v}s ago` : 'n/a');

function duration(v: unknown): string {
  if (typeof v !== 'number') return 'unknown';
  const h = Math.floor(v / 3600);
  const m = Math.floor((v % 3600) / 60);
  const s = Math.floor(v % 60);
  return h ? `${h}h ${m}m ${s}s` : m ? `${m}m ${s}s` : `${s}s`;
}

function workerTable(rows: Row[], indent = ''): string[] {
  return table(
    ['PID', 'AGE', 'STATE', 'REQUESTS', 'CONNS', 'UPTIME', 'LAST_BEAT'],
    rows.map((w) => [
      String(w.pid),
      String(w.age),
      String(w.state ?? (w.booted ? 'ready' : 'booting')),
      String(w.requests ?? 'n/a'),
      String(w.connections ?? 'n/a'),
      secs(w.uptime),
      ago(w.last_heartbeat),
    ]),
    indent,
  );
}

function workers(d: Data): string {
  const list = (d.workers as Row[]) ?? [];
  const out = list.length ? workerTable(list) : ['No workers running'];
  out.push('', `Total: ${d.count ?? list.length} workers`);
  const fronts = d.fronts as Row[] | undefined;
  if (fronts) out.push('', 'FRONTS (serve HTTP for the Python workers)', ...(fronts.length ? workerTable(fronts) : ['(none)']));
  return out.join('\n');
}

function all(d: Data): string {
  const out = ['MASTER', `  PID: ${(d.arbiter as Row | undefined)?.pid ?? '?'}`, '', `WORKERS (${d.web_worker_count ?? 0})`];
  const web = (d.web_workers as Row[]) ?? [];
  out.push(...(web.length ? workerTable(web, '  ') : ['  (none)']));
  const fronts = d.fronts as Row[] | undefined;
  if (fronts) out.push('', `FRONTS (${fronts.length})`, ...(fronts.length ? workerTable(fronts, '  ') : ['  (none)']));
  return out.join('\n');
}

function stats(d: Data): string {
  return [
    `Uptime:           ${duration(d.uptime)}`,
    `PID:              ${d.pid ?? 'unknown'}`,
    `Workers current:  ${d.workers_current ?? 0}`,
    `Workers target:   ${d.workers_target ?? 0}`,
    `Workers spawned:  ${d.workers_spawned ?? 0}`,
    `Workers killed:   ${d.workers_killed ?? 0}`,
    `Reloads:          ${d.reloads ?? 0}`,
  ].join('\n');
}

function listeners(d: Data): string {
  const list = (d.listeners as Row[]) ?? [];
  if (!list.length) return 'No listeners bound';
  return [
    ...table(
      ['ADDRESS', 'TYPE', 'FD'],
      list.map((l) => [String(l.address), String(l.type), String(l.fd ?? '-')]),
    ),
    '',
    `Total: ${d.count ?? list.length} listeners`,
  ].join('\n');
}

function config(d: Data): string {
  return Object.keys(d)
    .sort()
    .map((k) => {
      const v = d[k];
      // Modes read as octal, as they are written.
      if ((k === 'umask' || k === 'control_socket_mode') && typeof v === 'number') return `${k}: 0o${v.toString(8)}`;
      const text = Array.isArray(v) ? v.map(String).join(', ') : v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v);
      return `${k}: ${text}`;
    })
    .join('\n');
}

function help(d: Data): string {
  const commands = (d.commands as Record<string, string>) ?? {};
  const width = Math.max(0, ...Object.keys(commands).map((c) => c.length));
  return ['Available commands:', '', ...Object.entries(commands).map(([c, desc]) => `  ${c.padEnd(width)}  ${desc}`)].join('\n');
}

/** The readable form of a reply's data to `command` (its words, lower-cased). */
export function formatReply(words: string[], d: Data): string {
  const [cmd, sub] = words;
  if (cmd === 'show') {
    const f = { all, workers, stats, listeners, config }[sub as 'all'];
    if (f) return f(d);
  }
  if (cmd === 'help') return help(d);
  if (cmd === 'worker' && sub === 'add') return `Added ${d.added} worker(s): ${d.previous} -> ${d.total}`;
  if (cmd === 'worker' && sub === 'remove') return `Removed ${d.removed} worker(s): ${d.previous} -> ${d.total}`;
  if (cmd === 'worker' && sub === 'kill') return `Worker ${d.killed} is being replaced (its replacement starts first)`;
  if (cmd === 'reload') return 'Reloading: a new generation of workers is starting';
  if (cmd === 'reopen') return 'Reopening the log files';
  if (cmd === 'shutdown') return `Shutting down (${d.mode})`;
  return Object.keys(d).length ? JSON.stringify(d, null, 2) : 'OK';
}
