// The smallest tunicorn app: a web-standard fetch handler, in TypeScript, with no build step.
export default {
  fetch(request: Request): Response {
    const { pathname } = new URL(request.url);
    if (pathname === '/health') return new Response('ok\n');
    return new Response('Hello, World!', { headers: { 'content-type': 'text/plain' } });
  },
};
