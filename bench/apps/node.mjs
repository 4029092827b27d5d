// A Node request listener: (req, res). Also what the plain cluster and PM2 rows run.
import { HELLO, BIG, UPLOAD_BYTES, SLEEP_MS } from './content.mjs';

const helloHeaders = { 'content-type': 'text/plain', 'content-length': String(HELLO.length) };
const bigHeaders = { 'content-type': 'text/plain', 'content-length': String(BIG.length) };

function hello(res) {
  res.writeHead(200, helloHeaders);
  res.end(HELLO);
}

export default function listener(req, res) {
  switch (req.url) {
    case '/': return hello(res);
    case '/big': res.writeHead(200, bigHeaders); return res.end(BIG);
    case '/upload': {
      let n = 0;
      req.on('data', (chunk) => { n += chunk.length; });
      req.on('end', () => (n === UPLOAD_BYTES ? hello(res) : (res.statusCode = 400, res.end('bad length'))));
      return;
    }
    case '/sleep': setTimeout(hello, SLEEP_MS, res); return;
    default: res.statusCode = 404; res.end('not found');
  }
}
