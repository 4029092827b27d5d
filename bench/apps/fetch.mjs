// A fetch handler: (Request) => Response. Synchronous on the hello path, like a minimal app.
import { HELLO, BIG, UPLOAD_BYTES, SLEEP_MS } from './content.mjs';

const headers = { 'content-type': 'text/plain' };
const hello = () => new Response(HELLO, { headers });

async function upload(req) {
  const body = await req.arrayBuffer();
  return body.byteLength === UPLOAD_BYTES ? hello() : new Response('bad length', { status: 400 });
}

export default function app(req) {
  const url = req.url;
  const path = url.slice(url.indexOf('/', url.indexOf('//') + 2));
  switch (path) {
    case '/': return hello();
    case '/big': return new Response(BIG, { headers });
    case '/upload': return upload(req);
    case '/sleep': return new Promise((r) => setTimeout(() => r(hello()), SLEEP_MS));
    default: return new Response('not found', { status: 404 });
  }
}
