// A Hono app: an object with fetch().
import { Hono } from 'hono';
import { HELLO, BIG, UPLOAD_BYTES, SLEEP_MS } from './content.mjs';

const app = new Hono();
app.get('/', (c) => c.text(HELLO));
app.get('/big', (c) => c.text(BIG));
app.post('/upload', async (c) => {
  const body = await c.req.arrayBuffer();
  return body.byteLength === UPLOAD_BYTES ? c.text(HELLO) : c.text('bad length', 400);
});
app.get('/sleep', async (c) => {
  await new Promise((r) => setTimeout(r, SLEEP_MS));
  return c.text(HELLO);
});

export default app;
