/**
 * Read a stuck worker's JavaScript stack. Workers start with an inspector port reserved but the
 * inspector off; SIGUSR1 turns it on (from a signal-handling thread, so it works while the event
 * loop is blocked), and Debugger.pause over the inspector protocol returns the call frames.
 */
import net from 'node:net';

/** A free loopback port for a worker's inspector. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

interface CallFrame {
  functionName: string;
  url: string;
  location: { scriptId: string; lineNumber: number; columnNumber: number };
}

async function debuggerUrl(port: number, deadline: number): Promise<string | null> {
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(500) });
      const list = (await res.json()) as Array<{ webSocketDebuggerUrl?: string }>;
      if (list[0]?.webSocketDebuggerUrl) return list[0].webSocketDebuggerUrl;
    } catch {
      /* the inspector is not up yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return null;
}

/** The stack of the worker's main thread, formatted like an Error stack, or null within `ms`. */
export async function dumpStack(pid: number, port: number, ms = 3000): Promise<string | null> {
  const deadline = Date.now() + ms;
  try {
    process.kill(pid, 'SIGUSR1');
  } catch {
    return null;
  }
  const url = await debuggerUrl(port, deadline);
  if (!url) return null;
  // Loaded only when needed: the master stays small until a worker is stuck.
  const { default: WebSocket } = await import('ws');
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    const done = (v: string | null) => {
      clearTimeout(timer);
      ws.terminate();
      resolve(v);
    };
    const timer = setTimeout(() => done(null), Math.max(0, deadline - Date.now()));
    ws.on('error', () => done(null));
    ws.on('open', () => {
      ws.send(JSON.stringify({ id: 1, method: 'Debugger.enable' }));
      ws.send(JSON.stringify({ id: 2, method: 'Debugger.pause' }));
    });
    // Frames name their script by id; Debugger.enable reports every script's URL first.
    const scripts = new Map<string, string>();
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { method?: string; params?: { callFrames: CallFrame[]; scriptId?: string; url?: string } };
      if (msg.method === 'Debugger.scriptParsed' && msg.params?.scriptId) scripts.set(msg.params.scriptId, msg.params.url ?? '');
      if (msg.method !== 'Debugger.paused' || !msg.params) return;
      const where = (f: CallFrame) => f.url || scripts.get(f.location.scriptId) || 'unknown';
      const lines = msg.params.callFrames.map((f) => `    at ${f.functionName || '<anonymous>'} (${where(f)}:${f.location.lineNumber + 1}:${f.location.columnNumber + 1})`);
      done(lines.join('\n'));
    });
  });
}
