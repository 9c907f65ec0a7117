/**
 * The web demo's server: the built Angular app, the embedded demo backend under /api (proxied,
 * so the page talks to its own origin), and the demo's remote control under /demo (fault
 * switches, server counters). Loopback only.
 */
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { extname, join } from 'node:path';
import { startDemoServer, type DemoServer } from '../server';

export interface WebDemo {
  /** `http://127.0.0.1:PORT/` */
  readonly url: string;
  readonly backend: DemoServer;
  /** API requests the proxy passed on (every /api request, `/api/auth/*` included). */
  readonly apiRequests: ReadonlyArray<{ readonly method: string; readonly path: string }>;
  close(): Promise<void>;
}

export interface WebDemoOptions {
  /** The built app (scripts/build-demo-web.mjs). */
  readonly appDir: string;
  readonly port?: number;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

export async function startWebDemo(options: WebDemoOptions): Promise<WebDemo> {
  const backend = await startDemoServer({ accessTokenTtlSec: 300 });
  const backendUrl = new URL(backend.url);
  const apiRequests: Array<{ method: string; path: string }> = [];
  const network = { reachable: true, latencyMs: 0 };
  const sockets = new Set<Socket>();

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path.startsWith('/api/')) return void proxy(req, res);
    if (path.startsWith('/demo/'))
      return void control(req, res, path).catch((e: unknown) => send(res, 500, 'application/json', JSON.stringify({ error: String(e) })));
    const file = path === '/' ? 'index.html' : path.slice(1);
    if (!/^[\w.-]+$/.test(file)) return send(res, 404, 'text/plain', 'not found');
    try {
      send(res, 200, TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(join(options.appDir, file)));
    } catch {
      send(res, 404, 'text/plain', 'not found');
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  async function proxy(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = (req.url ?? '/').replace(/^\/api/, '');
    apiRequests.push({ method: req.method ?? 'GET', path: target.split('?')[0] });
    if (network.latencyMs > 0) await new Promise((done) => setTimeout(done, network.latencyMs));
    // "Offline" at the proxy: the connection drops, as on a dead mobile link.
    if (!network.reachable) return void req.socket.destroy();
    const upstream = httpRequest(
      { host: backendUrl.hostname, port: backendUrl.port, method: req.method, path: target, headers: { ...req.headers, host: backendUrl.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => req.socket.destroy());
    req.pipe(upstream);
  }

  async function control(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const body = req.method === 'POST' ? await readJson(req) : {};
    switch (path) {
      case '/demo/faults':
        backend.setFaults(body);
        return send(res, 200, 'application/json', '{}');
      case '/demo/network':
        if (typeof body.reachable === 'boolean') network.reachable = body.reachable;
        if (typeof body.latencyMs === 'number') network.latencyMs = body.latencyMs;
        return send(res, 200, 'application/json', JSON.stringify(network));
      case '/demo/expired-tokens':
        return send(res, 200, 'application/json', JSON.stringify(await backend.issueTokens({ sub: 'demo-user', expiresInSec: -10 })));
      case '/demo/stats':
        return send(res, 200, 'application/json', JSON.stringify(backend.stats));
      default:
        return send(res, 404, 'text/plain', 'not found');
    }
  }

  await new Promise<void>((done) => server.listen(options.port ?? 0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    backend,
    apiRequests,
    close: async () => {
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
      await backend.close();
    },
  };
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

async function readJson(req: IncomingMessage): Promise<Record<string, any>> {
  let text = '';
  for await (const chunk of req) text += chunk;
  try {
    return text ? (JSON.parse(text) as Record<string, any>) : {};
  } catch {
    return {};
  }
}
