import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { App } from './app';
import { FaultInjector, type NetworkFault } from './faults';
import { BadRequest, Exchange } from './http';
import { IdempotencyStore } from './idempotency';
import { ItemStore } from './items-store';
import { matchRoute } from './router';
import { countRequest, createStats, resetStats } from './stats';
import { Timers } from './timers';
import { bearerToken, TokenService } from './tokens';
import type { DemoServer, DemoServerOptions } from './types';

export type { DemoServer, DemoServerOptions, DemoStats, FaultKind, FaultKnobs, TokenPair } from './types';

const DEFAULT_SEED = 0x5eed;

const CAPTIVE_PORTAL_PAGE =
  '<!doctype html><html><head><title>Sign in to Wi-Fi</title></head>' +
  '<body><h1>Welcome to Airport Free Wi-Fi</h1><p>Accept the terms to continue.</p></body></html>';

/**
 * Starts the demo backend on 127.0.0.1 with an ephemeral port: JWT auth with rotating refresh
 * tokens, a cacheable item API, a tiny GraphQL endpoint, and seeded, switchable network faults.
 */
export async function startDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  const ttl = options.accessTokenTtlSec ?? 60;
  const latencyMs = options.latencyMs ?? 0;
  const stats = createStats();
  const timers = new Timers();
  const app: App = {
    tokens: new TokenService(ttl),
    items: new ItemStore(options.itemCount ?? 20),
    idempotency: new IdempotencyStore(),
    faults: new FaultInjector(options.seed ?? DEFAULT_SEED),
    stats,
    timers,
    persistedQueries: new Map(),
  };

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handle(req, res, app, latencyMs).catch((e: unknown) => internalError(res, e));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    setFaults: (faults) => app.faults.set(faults),
    resetStats: () => resetStats(stats),
    issueTokens: (opts = {}) => app.tokens.issue(opts.sub ?? 'demo-user', opts.expiresInSec ?? ttl),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        timers.clearAll();
        server.close(() => resolve());
        // Hung requests and keep-alive connections would otherwise hold `close` open (and jest alive).
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      })),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, app: App, latencyMs: number): Promise<void> {
  const ex = new Exchange(req, res, app.stats);
  const match = matchRoute(ex.method, ex.path);
  countRequest(app.stats, match.key);

  if (latencyMs > 0) await app.timers.sleep(latencyMs);

  // Network faults strike before routing, as a flaky link or proxy would: the route never runs.
  if (app.faults.appliesTo(ex.path)) {
    const fault = app.faults.decide();
    if (fault && injectFault(fault, ex, app)) return;
  }

  if (match.kind === 'none') {
    ex.json(404, { error: 'not_found' });
    return;
  }
  if (match.kind === 'wrong-method') {
    ex.json(405, { error: 'method_not_allowed' }, { allow: match.allow });
    return;
  }
  ex.params = match.params;
  if (match.route.auth === 'bearer') {
    const sub = await app.tokens.verifyAccess(bearerToken(ex.header('authorization')));
    if (sub === undefined) {
      ex.json(401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
      return;
    }
    ex.user = sub;
  }
  try {
    await match.route.handler(ex, app);
  } catch (e) {
    if (!(e instanceof BadRequest)) throw e;
    ex.json(400, { error: 'invalid_request', message: e.message });
  }
}

/** Carries out a fault; returns false when the request should still reach its route (truncation). */
function injectFault(fault: NetworkFault, ex: Exchange, app: App): boolean {
  if (fault === 'truncate') {
    // Counted in `Exchange.send`, only if a 2xx body is actually cut.
    ex.truncate = true;
    return false;
  }
  app.stats.faultsInjected[fault]++;
  switch (fault) {
    case 'outage':
    case 'burst503':
    case 'error':
      ex.json(503, { error: 'service_unavailable' }, { 'cache-control': 'no-store' });
      return true;
    case 'rateLimit':
      ex.json(429, { error: 'rate_limited' }, { 'retry-after': String(app.faults.knobs.retryAfterSec), 'cache-control': 'no-store' });
      return true;
    case 'captivePortal':
      ex.send(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, CAPTIVE_PORTAL_PAGE);
      return true;
    case 'reset':
      // An RST rather than a FIN, so the client sees ECONNRESET as on a dropped mobile link.
      ex.req.socket.resetAndDestroy();
      return true;
    case 'hang':
      // Never answered; `close()` destroys the socket.
      return true;
  }
}

function internalError(res: ServerResponse, e: unknown): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: 'internal', message: e instanceof Error ? e.message : String(e) });
  res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
