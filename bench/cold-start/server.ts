/**
 * The cold-start bench's loopback server: one page per contestant (`/<name>.html` loading
 * `/<name>.js`), the bundles, and `/api/items/{id}` (about 5 KB of JSON, `Cache-Control:
 * max-age=3600`, an ETag) whose requests it counts per contestant, so the bench can show that a
 * first cached answer sent none.
 */
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { itemJson } from './items';

export interface ColdStartServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `/api/` requests answered so far, from the pages of `contestant` (told by the `Referer` header). */
  apiRequests(contestant: string): number;
  close(): Promise<void>;
}

/** Serves `bundles` (contestant name → bundled page script). */
export async function startColdStartServer(bundles: ReadonlyMap<string, string>): Promise<ColdStartServer> {
  const apiRequests = new Map<string, number>();
  const noStore = { 'cache-control': 'no-store' };
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const item = /^\/api\/items\/(\d+)$/.exec(path);
    const page = /^\/([\w-]+)\.(html|js)$/.exec(path);
    if (item) {
      // Same-origin fetches send the page's URL as Referer (the default referrer policy).
      const from = /\/([\w-]+)\.html$/.exec(req.headers.referer ?? '')?.[1] ?? '(unknown)';
      apiRequests.set(from, (apiRequests.get(from) ?? 0) + 1);
      const id = Number(item[1]);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'max-age=3600', etag: `"item-${id}-v1"` });
      res.end(itemJson(id));
    } else if (page && bundles.has(page[1])) {
      const [, name, kind] = page;
      res.writeHead(200, { 'content-type': kind === 'html' ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8', ...noStore });
      res.end(kind === 'html' ? html(name) : bundles.get(name));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain', ...noStore });
      res.end('not found');
    }
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    apiRequests: (contestant) => apiRequests.get(contestant) ?? 0,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** A blank page that loads one contestant's bundle (no favicon request). */
function html(name: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>cold start: ${name}</title><link rel="icon" href="data:,"></head><body><script type="module" src="/${name}.js"></script></body></html>`;
}
