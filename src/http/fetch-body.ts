/**
 * request.arrayBuffer(), text() and json() of a fetch app, for a large body with a Content-Length:
 * read straight from node:http into one ArrayBuffer of that size. @hono/node-server's own read
 * gathers the chunks, concatenates them and copies the result into an ArrayBuffer, so each byte is
 * copied three times and two body-sized buffers are left to the garbage collector; here, once.
 * Smaller bodies keep @hono/node-server's path (defining the methods costs more than it saves).
 */
import type { IncomingMessage } from 'node:http';

/** From this many bytes on, the single-copy read. */
const DIRECT_FROM = 64 * 1024;
/** Above this the app should stream (request.body); @hono/node-server's read is used as is. */
const DIRECT_UP_TO = 256 * 1024 * 1024;

const decoder = new TextDecoder();

function unusable(): Promise<never> {
  return Promise.reject(new TypeError('Body is unusable: Body has already been read'));
}

/** The whole body, `length` bytes as node:http's parser guarantees, or the error that cut it short. */
export function readInto(incoming: IncomingMessage, length: number): Promise<ArrayBuffer> {
  return new Promise((resolve, reject) => {
    // Not zero-filled: every byte is written before the app sees it (a short body is sliced).
    const view = Buffer.allocUnsafeSlow(length);
    const buffer = view.buffer as ArrayBuffer;
    let at = 0;
    const done = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      view.set(chunk, at);
      at += chunk.length;
    };
    const onEnd = () => {
      done();
      resolve(at === length ? buffer : buffer.slice(0, at));
    };
    const gone = () => new DOMException('The client closed the connection before its request body arrived', 'AbortError');
    const onError = (err: NodeJS.ErrnoException) => {
      done();
      reject(err.code === 'ECONNRESET' || err.message === 'aborted' ? gone() : err);
    };
    const onClose = () => {
      if (incoming.readableEnded) return;
      done();
      reject(gone());
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

/** Give `request` the single-copy body methods when its body is large and of known length. */
export function directBody(request: Request, incoming: IncomingMessage): void {
  const header = incoming.headers['content-length'];
  if (header === undefined || header.length < 5) return;
  const length = Number(header);
  if (!(length >= DIRECT_FROM && length <= DIRECT_UP_TO)) return;
  let used = false;
  const read = () => {
    if (used || incoming.readableDidRead) return unusable();
    used = true;
    return readInto(incoming, length);
  };
  Object.defineProperties(request, {
    arrayBuffer: { value: read, configurable: true },
    bytes: { value: () => read().then((b) => new Uint8Array(b)), configurable: true },
    text: { value: () => read().then((b) => decoder.decode(b)), configurable: true },
    json: { value: () => read().then((b) => JSON.parse(decoder.decode(b)) as unknown), configurable: true },
  });
}
