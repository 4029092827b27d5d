/**
 * A response that failed after its status went out: the client must get what was written, then a
 * closed connection, so it sees the body is incomplete (ending the response would look complete).
 * Node 22 and later hold a corked response's chunks until the next tick: the socket is ended after
 * they are flushed, not before (ending it at once sent nothing at all on Node 24).
 */
import type { ServerResponse } from 'node:http';

export function cutOff(res: ServerResponse): void {
  const socket = res.socket;
  if (!socket) return void res.destroy();
  setImmediate(() => {
    socket.end();
    setTimeout(() => socket.destroy(), 1000).unref();
  });
}
