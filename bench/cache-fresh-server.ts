import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A loopback server answering every GET with a small JSON list, `Cache-Control: max-age=3600` and a strong ETag. */
export interface FreshServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Requests received for this exact URL (path and query). */
  requestsFor(url: string): number;
  close(): Promise<void>;
}

const BODY = JSON.stringify(Array.from({ length: 20 }, (_, i) => ({ id: i + 1, title: `item ${i + 1}` })));
const ETAG = '"fresh-items-v1"';

export async function startFreshServer(): Promise<FreshServer> {
  const counts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const headers = { etag: ETAG, 'cache-control': 'max-age=3600' };
    if (req.headers['if-none-match'] === ETAG) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(BODY) });
    res.end(BODY);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    requestsFor: (full) => counts.get(full.slice(url.length) || '/') ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
