/**
 * Every use of Node's private APIs, in one module: fields and functions node:net and node:http keep
 * for themselves that tunicorn reads. Node 20, 22 and 24 have each of them;
 * test/node-internals.test.ts checks them on each runtime CI runs, so a Node that changes one fails
 * there by name instead of somewhere downstream.
 */
import net, { type Server, type Socket } from 'node:net';
import v8 from 'node:v8';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';

export type ServerHandle = { getsockname?(out: Record<string, unknown>): number; close(): void };
type CreateServerHandle = (address: string | null, port: number, addressType: number, fd?: number, flags?: number) => ServerHandle | number;

/** node:net's own bind-without-listen, which cluster uses for shared handles. */
export const createServerHandle = (net as unknown as { _createServerHandle: CreateServerHandle })._createServerHandle;

/** A listening server's libuv handle (USR2 hands it to the new master). */
export function serverHandle(server: Server): object | null {
  return (server as unknown as { _handle?: object | null })._handle ?? null;
}

/** The header block node:http wrote for a response (headers given to writeHead as an object are not kept for getHeader). */
export function headerBlock(res: ServerResponse): string | null {
  return (res as unknown as { _header?: string | null })._header ?? null;
}

/** The response node:http is writing on an HTTP/1 socket, if one is. */
export function socketResponse(socket: Socket): ServerResponse | null {
  return (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage ?? null;
}

interface HttpParser {
  /** The request being received. */
  incoming?: IncomingMessage | null;
  /** The chunk llhttp is parsing now. */
  getCurrentBuffer?: () => Buffer;
}

/** An HTTP/1 socket's parser: null once node:http has let go of the socket (upgraded, taken over). */
export function socketParser(socket: Socket): HttpParser | null {
  return (socket as Socket & { parser?: HttpParser | null }).parser ?? null;
}

/** Whether node:http has let go of a socket it served (an upgrade or a hijack): it then has no parser. */
export function releasedByHttp(socket: Socket): boolean {
  return 'parser' in socket && !(socket as Socket & { parser?: unknown }).parser;
}

/** Bytes the kernel has taken for sending (bytesWritten counts them once handed to libuv). */
export function kernelTook(socket: Socket): number {
  const s = socket as Socket & { _bytesDispatched?: number; _handle?: { writeQueueSize?: number } | null };
  if (s._bytesDispatched === undefined) return s.bytesWritten ?? 0;
  return s._bytesDispatched - (s._handle?.writeQueueSize ?? 0);
}

export interface ReadableState {
  ended?: boolean;
  length?: number;
  highWaterMark?: number;
}

/** A readable stream's internal state (an HTTP/2 stream's request body: ended, buffered, high-water mark). */
export function readableState(stream: object): ReadableState | undefined {
  return (stream as { _readableState?: ReadableState })._readableState;
}

/** The socket a TLSSocket wraps (how the raw connection is found again once the handshake is done). */
export function tlsParent(secure: TLSSocket): Socket | null {
  return (secure as TLSSocket & { _parent?: Socket | null })._parent ?? null;
}

export interface Peer {
  address?: string;
  port?: number;
  family?: string;
}

/** Store the peer net.Socket's remoteAddress, remotePort and remoteFamily read from (its cached getpeername()). */
export function setPeerCache(socket: Socket, peer: Peer): void {
  (socket as Socket & { _peername?: Peer })._peername = peer;
}

/** A libuv handle's file descriptor (-1 when it has none). */
export function handleFd(handle: object): number {
  return (handle as { fd?: number }).fd ?? -1;
}

/** Whether this V8 (13, Node 24) keeps external memory apart from the heap's limit by default. */
export const V8_EXTERNAL_MEMORY_APART = Number(process.versions.v8.split('.')[0]) >= 13;

/**
 * V8 13 (Node 24) starts a full collection for every 64 MB of new external memory, which is what
 * Buffers are: with large bodies that is dozens a second on a small heap. This flag, which only
 * V8 13 has among the supported Nodes, counts external memory in the heap's overall limit instead,
 * as Node 20 and 22 behave. bench/limits.md has the figures. A flag the user gave wins.
 */
export const EXTERNAL_MEMORY_FLAG = '--external-memory-accounted-in-global-limit';

/** Whether the user gave a Node or V8 flag whose name contains `name`, to the master or in NODE_OPTIONS (workers inherit both). */
export function nodeFlagGiven(name: string): boolean {
  return [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => a.includes(name));
}

/** Set EXTERNAL_MEMORY_FLAG in this process where V8 has it and the user did not give it. */
export function countExternalMemoryInHeapLimit(): void {
  if (V8_EXTERNAL_MEMORY_APART && !nodeFlagGiven(EXTERNAL_MEMORY_FLAG.slice(2))) v8.setFlagsFromString(EXTERNAL_MEMORY_FLAG);
}
