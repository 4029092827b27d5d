// The load shapes. Each is one wrk invocation per contender per round.
export const SCENARIOS = [
  // The goals' scenarios take more rounds in a full run (`rounds`): their ratios are judged to a few percent.
  { id: 'ka50', title: 'keep-alive, 50 conns', path: '/', connections: 50, rounds: 6 },
  { id: 'close', title: 'Connection: close, 50 conns', path: '/', connections: 50, headers: ['Connection: close'], rounds: 6 },
  // Rounds of at least 8 s: wrk opening 1000 connections at once stalls the first requests for up to
  // a second on this 2-core box (every contender but nginx), which decides a 3 s round's p99.
  { id: 'c1000', title: 'keep-alive, 1000 conns', path: '/', connections: 1000, minDurationS: 8 },
  { id: 'big', title: '100 KB response, 50 conns', path: '/big', connections: 50 },
  { id: 'upload', title: 'POST 1 MB body, 50 conns', path: '/upload', connections: 50, method: 'POST', bodyBytes: 1024 * 1024 },
  { id: 'json', title: 'JSON API view, 50 conns', path: '/json', connections: 50, python: true },
  { id: 'sleep50', title: 'await 50 ms, 1000 conns', path: '/sleep', connections: 1000 },
];

/**
 * The HTTP/2 table's loads, driven by h2load: connections and concurrent streams on each (the
 * HTTP/1.1-over-TLS rows pipeline that many requests instead).
 */
export const H2_SCENARIOS = [
  { id: 'h2-c50m10', title: '50 conns × 10 streams', path: '/', connections: 50, streams: 10 },
  { id: 'h2-c10m100', title: '10 conns × 100 streams', path: '/', connections: 10, streams: 100 },
];

export const byId = (id) => SCENARIOS.find((s) => s.id === id) ?? H2_SCENARIOS.find((s) => s.id === id);

/** The HTTP/2 table: 2 workers a row, as the first Node table. */
const h2Table = () => ({ kind: 'h2', workers: 2, scenarios: H2_SCENARIOS.map((s) => s.id) });

/** The Python table: every scenario, at the seed's cpus*2+1 workers (the goals compare at the same worker count). */
const pythonTable = (cpus, quick) => ({ kind: 'python', workers: cpus * 2 + 1, scenarios: SCENARIOS.map((s) => s.id), specials: true,
  // Recycling at max_requests 30000 needs ~150k requests over 5 workers to replace a few: longer comparison runs.
  ...(quick ? {} : { rounds: 3, startupRounds: 1, special: { durationS: 6, rounds: 4 } }) });

/**
 * Run settings. quick: a smoke check in under 2 minutes a table; full: the Node tables ~30 minutes,
 * the Python table ~25, the HTTP/2 table ~5. `tables`: 'node', 'python', 'h2' or 'all'.
 */
export function plan({ quick, cpus, tables = 'all' }) {
  const p = nodePlan({ quick, cpus });
  const want = (kind) => tables === 'all' || tables === kind;
  const node = want('node') ? p.tables : [];
  const python = want('python') ? [pythonTable(cpus, quick)] : [];
  const h2 = want('h2') ? [h2Table()] : [];
  const deadlineMin = (node.length ? p.deadlineMin : 0) + (python.length ? (quick ? 6 : 35) : 0) + (h2.length ? (quick ? 3 : 10) : 0);
  return { ...p, tables: [...node, ...python, ...h2], deadlineMin };
}

function nodePlan({ quick, cpus }) {
  const all = SCENARIOS.filter((s) => !s.python).map((s) => s.id);
  if (quick) {
    return {
      mode: 'quick', durationS: 1, rounds: 1, warmupS: 0, rssRequests: 20_000, startupRounds: 1,
      special: { durationS: 2, rounds: 1 }, deadlineMin: 4,
      tables: [{ kind: 'node', workers: 2, scenarios: all, specials: true }],
    };
  }
  return {
    mode: 'full', durationS: 3, rounds: 4, warmupS: 1, rssRequests: 100_000, startupRounds: 3,
    special: { durationS: 3, rounds: 3 }, deadlineMin: 45,
    tables: [
      { kind: 'node', workers: 2, scenarios: all, specials: true },
      // Recycling is judged at both worker counts (issue 17); the access log at 2 only.
      { kind: 'node', workers: cpus * 2 + 1, scenarios: ['ka50', 'close', 'sleep50'], specials: ['recycle', 'recycle30k'], startupRounds: 1 },
    ],
  };
}
