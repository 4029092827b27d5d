/**
 * A free loopback port, for by-hand scripts that own the machine (compare-gunicorn.ts). Not for
 * servers under test: the port is free when picked and bound later, so a test file running alongside can take it
 * meanwhile. Tests bind port 0 and read the port the server printed (see cli.ts); a proxy that
 * cannot report its port (proxies.ts) picks one here and starts again on another if it was taken.
 */
import net from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
