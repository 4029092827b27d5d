/**
 * Upgrade requests (WebSockets, socket.io) handed to the app's own http.Server 'upgrade' listeners:
 * a `ws` or socket.io server attached to an exported server, to one captured from listen(), or the
 * WebSocket server of a fetch app (@hono/node-server's `websocket` option).
 *
 * The upgrade request is checked like any request (limits, request guard) before the app sees it.
 * An upgraded connection stays in worker_connections until it closes, is never shed (the cap leaves
 * connections node:http has let go of) and has no request `timeout`. When the worker stops (TERM,
 * HUP, recycling) each WebSocket gets a close frame, 1001 "going away", so its client reconnects to
 * another worker; the app's WebSocket library answers the client's close and ends the connection.
 */
import type { EventEmitter } from 'node:events';
import type http from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorLog } from '../logging/error-log.js';
import type { Refusal } from './request-guard.js';

/** A server-to-client close frame (FIN + opcode 8, unmasked, 2-byte payload 1001: going away), RFC 6455 §5.5.1, §7.4.1. */
const GOING_AWAY = Buffer.from([0x88, 0x02, 0x03, 0xe9]);

export interface UpgradeOptions {
  /** The app's server, whose 'upgrade' listeners take the connection. */
  target: EventEmitter;
  log: ErrorLog;
  /** Why this request may not reach the app (limits, request guard), or null. */
  vet: (req: IncomingMessage) => Refusal | null;
}

export class Upgrades {
  /** Upgraded connections still open, and whether each is a WebSocket. */
  private readonly open = new Map<Socket, boolean>();
  private stopping = false;

  constructor(
    server: http.Server,
    private readonly opts: UpgradeOptions,
  ) {
    const { target } = opts;
    // node:http reads an Upgrade request as a plain one unless the server has 'upgrade' listeners;
    // the app may attach its WebSocket server after load, so ask the app's server each time.
    const own = server.listenerCount.bind(server);
    server.listenerCount = ((name: string | symbol, ...rest: unknown[]) =>
      name === 'upgrade' ? target.listenerCount('upgrade') : (own as (n: string | symbol, ...r: unknown[]) => number)(name, ...rest)) as typeof server.listenerCount;
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.take(req, socket, head));
  }

  get size(): number {
    return this.open.size;
  }

  private take(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const refusal = this.stopping ? { status: 503 as const, reason: 'the worker is shutting down' } : this.opts.vet(req);
    if (refusal) return this.refuse(req, socket, refusal);
    const isWebSocket = String(req.headers.upgrade).toLowerCase() === 'websocket';
    this.open.set(socket, isWebSocket);
    socket.once('close', () => this.open.delete(socket));
    // The app's library sets its own timeouts; node:http's keep-alive timeout no longer applies.
    socket.setTimeout(0);
    this.opts.target.emit('upgrade', req, socket, head);
  }

  private refuse(req: IncomingMessage, socket: Socket, refusal: { status: number; reason: string }): void {
    if (refusal.status !== 503) this.opts.log.warning(`Invalid request from ip=${socket.remoteAddress ?? 'unix socket'}: ${refusal.reason}`);
    const text = refusal.status === 501 ? 'Not Implemented' : refusal.status === 503 ? 'Service Unavailable' : 'Bad Request';
    const body = `${text}: ${refusal.reason}\n`;
    socket.on('error', () => {});
    socket.end(`HTTP/1.1 ${refusal.status} ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    setTimeout(() => socket.destroy(), 1000).unref();
    void req;
  }

  /**
   * The worker is stopping: every open WebSocket gets a 1001 close frame now (written between the
   * app's frames: its library writes each frame whole within one turn of the event loop); other
   * upgraded protocols are ended. Whatever is still open at graceful_timeout is cut with the worker.
   */
  goingAway(): void {
    this.stopping = true;
    for (const [socket, isWebSocket] of this.open) {
      if (socket.destroyed || !socket.writable) continue;
      // Nothing written yet: the app has not accepted the upgrade (it may still be deciding).
      if (!socket.bytesWritten) {
        socket.destroy();
        continue;
      }
      if (isWebSocket) socket.write(GOING_AWAY);
      else socket.end();
    }
    if (this.open.size) this.opts.log.info(`Sent 1001 going away to ${this.open.size} upgraded connection(s)`);
  }
}
