// What every contender serves, so that all rows do the same work.
export const HELLO = 'Hello, World!'; // 13 bytes, text/plain, on GET /
export const BIG = 'x'.repeat(100 * 1024); // GET /big: a 100 KB response
export const UPLOAD_BYTES = 1024 * 1024; // POST /upload: a 1 MB body the app reads, answered with HELLO
export const SLEEP_MS = 50; // GET /sleep: awaits 50 ms, then HELLO
