/**
 * Read a stuck worker's JavaScript stack. Workers start with an inspector port reserved but the
 * inspector off; SIGUSR1 turns it on (from a signal-handling thread, so it works while the event
 * loop is blocked), and Debugger.pause over the inspector protocol returns the call frames; evaluated
 * on the top frame, the worker's exposed list (src/workers/running.ts) says which requests it runs.
 */
import net from 'node:net';
import { RUNNING_EXPRESSION, type RunningRequest } from '../workers/running.js';

/** What the master can read of a blocked worker. */
export interface Blocked {
  stack: string | null;
  running: RunningRequest[] | null;
}

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
  callFrameId: string;
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

/** The stack of the worker's main thread, formatted like an Error stack, and its running requests; null within `ms`. */
export async function dumpStack(pid: number, port: number, ms = 3000): Promise<Blocked> {
  const deadline = Date.now() + ms;
  const none: Blocked = { stack: null, running: null };
  try {
    process.kill(pid, 'SIGUSR1');
  } catch {
    return none;
  }
  const url = await debuggerUrl(port, deadline);
  if (!url) return none;
  // Loaded only when needed: the master stays small until a worker is stuck.
  const { default: WebSocket } = await import('ws');
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    let stack: string | null = null;
    const done = (running: RunningRequest[] | null) => {
      clearTimeout(timer);
      ws.terminate();
      resolve({ stack, running });
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
      const msg = JSON.parse(String(data)) as {
        id?: number;
        method?: string;
        params?: { callFrames: CallFrame[]; scriptId?: string; url?: string };
        result?: { result?: { value?: unknown } };
      };
      if (msg.id === 3) return done(parseRunning(msg.result?.result?.value));
      if (msg.method === 'Debugger.scriptParsed' && msg.params?.scriptId) scripts.set(msg.params.scriptId, msg.params.url ?? '');
      if (msg.method !== 'Debugger.paused' || !msg.params) return;
      const where = (f: CallFrame) => f.url || scripts.get(f.location.scriptId) || 'unknown';
      const frames = msg.params.callFrames;
      stack = frames.map((f) => `    at ${f.functionName || '<anonymous>'} (${where(f)}:${f.location.lineNumber + 1}:${f.location.columnNumber + 1})`).join('\n');
      if (!frames[0]) return done(null);
      ws.send(JSON.stringify({ id: 3, method: 'Debugger.evaluateOnCallFrame', params: { callFrameId: frames[0].callFrameId, expression: RUNNING_EXPRESSION, returnByValue: true, silent: true } }));
    });
  });
}

function parseRunning(value: unknown): RunningRequest[] | null {
  if (typeof value !== 'string') return null;
  try {
    const list = JSON.parse(value) as unknown;
    return Array.isArray(list) ? (list as RunningRequest[]) : null;
  } catch {
    return null;
  }
}
