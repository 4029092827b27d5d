/** The V8 flags a worker process starts with, on top of the Node flags given to the master. */
import { nodeFlagGiven as given, V8_EXTERNAL_MEMORY_APART } from '../node-internals.js';
import type { WorkerKind } from './supervised.js';

/**
 * A front's V8 heap kept small under load: 4 MB semi-spaces (V8 grows them to 16 MB each under a high
 * allocation rate) and a 5% old-generation growing factor, so a front collects the request garbage it
 * promoted instead of letting its old space grow several times over between full collections. A
 * front's own live heap is small; bench/limits.md has what this costs and saves.
 */
function frontFlags(): string[] {
  return [...(given('max-semi-space-size') ? [] : ['--max-semi-space-size=4']), ...(given('heap-growing-percent') ? [] : ['--heap-growing-percent=5'])];
}

/**
 * Where V8 counts Buffers' memory in the heap's limit (workers/main.ts sets that), a first limit
 * keeps the bodies in flight from starting a full collection every few requests. A front's is
 * smaller: its old space fills with promoted request garbage up to that limit before the first full
 * collection (bench/limits.md, "Large bodies on Node 24").
 */
function heapFlags(kind: WorkerKind): string[] {
  if (!V8_EXTERNAL_MEMORY_APART || given('initial-heap-size') || given('initial-old-space-size')) return [];
  return [`--initial-heap-size=${kind === 'front' ? 32 : 128}`];
}

/** A flag of the user's (given to the master or in NODE_OPTIONS) wins over these. */
export function workerFlags(kind: WorkerKind): string[] {
  return [...(kind === 'front' ? frontFlags() : []), ...heapFlags(kind)];
}
