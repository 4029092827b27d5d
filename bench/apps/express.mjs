// An Express app (a Node request listener), as a framework row. Express defaults are kept.
import express from 'express';
import { HELLO, BIG, UPLOAD_BYTES, SLEEP_MS } from './content.mjs';

const app = express();
app.get('/', (req, res) => { res.type('text/plain').send(HELLO); });
app.get('/big', (req, res) => { res.type('text/plain').send(BIG); });
app.post('/upload', (req, res) => {
  let n = 0;
  req.on('data', (chunk) => { n += chunk.length; });
  req.on('end', () => (n === UPLOAD_BYTES ? res.type('text/plain').send(HELLO) : res.status(400).send('bad length')));
});
app.get('/sleep', (req, res) => { setTimeout(() => res.type('text/plain').send(HELLO), SLEEP_MS); });

export default app;
