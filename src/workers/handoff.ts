/**
 * Recycling without reconnects: a retiring worker hands its idle keep-alive connections to the
 * master, which passes them to the worker replacing it (src/arbiter/handoff.ts). Clients keep
 * their TCP connection and the replacement takes over exactly the retiring worker's share,
 * instead of every client reconnecting to whichever worker accepts first.
 *
 * A connection goes only when nothing about it lives in this process: plain HTTP/1.1 (TLS state
 * and a PROXY header's peer cannot move with a descriptor), no request in progress or partly
 * parsed, no response pending, everything written handed to the kernel. Reading stops before the
 * descriptor leaves, so whatever the client sends meanwhile waits in the kernel for the next worker.
 *
 * The descriptor travels as a raw handle (child_process's 'net.Native'): wrapped in a net.Socket,
 * the master's copy would start reading and keep what it read.
 *
 * Node's private parts it reads (src/node-internals.ts): the server's connection list, the socket's
 * handle, parser, response and paused state. A connection missing any of them is not handed off,
 * and closes as it did before handoffs (Connection: close, keep-alive timeout).
 */
import net, { type Socket } from 'node:net';
import type { Server } from 'node:http';
import { detachHandle, readingPaused, serverConnections, socketHandle, socketParser, socketResponse, type ConnectionsList, type RawHandle } from '../node-internals.js';

/** Whether this Node has what a handoff reads (the server must have emitted 'listening'). */
export function handoffSupported(server: Server): boolean {
  return serverConnections(server) !== null;
}

/** Sends one raw handle to the master; `done` once it is written (the descriptor is then in flight). */
export type SendHandle = (handle: object, done: (err: Error | null) => void) => void;

export class Handoff {
  private readonly connections: ConnectionsList;
  /** Connections handed off so far. */
  sent = 0;
  private ended = false;

  constructor(server: Server, private readonly send: SendHandle) {
    this.connections = serverConnections(server)!;
  }

  /** Hand off each of `sockets` that is idle now (`limit` at most); a retiring worker offers the others again after their response. */
  sweep(sockets: Iterable<Socket>, limit = Infinity): void {
    const busy = this.busy();
    let left = limit;
    for (const s of [...sockets]) if (left > 0 && !busy.has(s) && this.offer(s, busy)) left--;
  }

  /** Hand `socket` off if it is idle (called after each response while retiring). */
  offer(socket: Socket, busy = this.busy()): boolean {
    const s = socket;
    const handle = socketHandle(s);
    if (this.ended || !handle || !idle(s, handle) || busy.has(s)) return false;
    // Nothing more is read here: bytes the client sends from now on stay in the kernel for the next worker.
    handle.readStop();
    detachHandle(s);
    s.setTimeout(0);
    this.sent++;
    this.send(handle, () => {
      // This copy of the descriptor closes; the husk's 'close' releases its parser and its slot in the connection cap.
      handle.close();
      s.destroy();
    });
    return true;
  }

  /** A shutdown came: no more handoffs. */
  end(): void {
    this.ended = true;
  }

  /** Sockets whose parser is in the middle of a request (few: only those with a request arriving). */
  private busy(): Set<Socket> {
    const out = new Set<Socket>();
    for (const p of this.connections.active()) if (p.socket) out.add(p.socket);
    return out;
  }
}

function idle(s: Socket, handle: RawHandle): boolean {
  return (
    !s.destroyed &&
    !(s as Socket & { encrypted?: boolean }).encrypted &&
    !!socketParser(s) &&
    !socketResponse(s) &&
    !readingPaused(s) &&
    s.readable &&
    s.writable &&
    s.readableLength === 0 &&
    s.writableLength === 0 &&
    (handle.writeQueueSize ?? 1) === 0
  );
}

/**
 * A connection handed to this worker: a socket on the handle, closed after `keepAliveMs` if no
 * request comes (node:http sets its keep-alive timer only after a response it wrote itself).
 */
export function adopt(handle: object, keepAliveMs: number): Socket {
  const socket = new net.Socket({ handle, readable: true, writable: true } as net.SocketConstructorOpts);
  socket.setNoDelay(true);
  if (keepAliveMs > 0) {
    const timer = setTimeout(() => {
      if (socket.bytesRead === 0) socket.destroy();
    }, keepAliveMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }
  return socket;
}

/** A handle that arrived when it cannot be served: its connection closes. */
export function refuse(handle: object): void {
  (handle as RawHandle).close();
}
