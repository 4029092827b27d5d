/**
 * The worker process's entry: turns on Node's compile cache (Node >= 22.1) before anything else
 * loads, so a replacement worker reads V8's code for tunicorn's modules and the app's from disk
 * instead of compiling them again (bench/limits.md has the CPU per worker start).
 */
import module from 'node:module';

const cache = module as { enableCompileCache?: () => unknown; flushCompileCache?: () => void };
cache.enableCompileCache?.();
await import('./main.js');
// Written now rather than at the first worker's exit, which may be days away (Node >= 22.10).
setTimeout(() => cache.flushCompileCache?.(), 2000).unref();
