import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { firstValueFrom, map } from 'rxjs';
import type { AuthConfig, AuthTokens } from '../../lib/auth/auth-config';
import { createAuth } from '../../lib/auth/auth.layer';
import { memoryTokenStore } from '../../lib/auth/token-store';
import { RequestContext } from '../../lib/core/context';
import { SKIP_AUTH } from '../../lib/core/context-tokens';
import { createEnv } from '../../lib/core/env';
import { chain, type Handler } from '../../lib/core/layer';
import { createRequest } from '../../lib/core/request';
import { fetchTransport } from '../../lib/transport/fetch.transport';
import { unsignedJwt } from './auth-fixtures';

/**
 * The same promise as the marble tests, over real fetch and a loopback server: 50 concurrent
 * requests with an expired token cost exactly one refresh and produce 50 successes.
 */

interface AuthServer {
  readonly base: string;
  readonly counts: { items: number; rejected: number; refreshes: number };
  close(): Promise<void>;
}

/** Accepts only the access token it issued last; `/refresh` rotates the refresh token (single use). */
async function startAuthServer(initial: AuthTokens, issue: (n: number) => string): Promise<AuthServer> {
  let valid = { ...initial, accessToken: 'not-issued-yet' };
  let issued = 0;
  const counts = { items: 0, rejected: 0, refreshes: 0 };
  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => resolve(text));
    });

  const server: Server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/refresh') {
      counts.refreshes++;
      void readBody(req).then((text) => {
        const { refreshToken } = JSON.parse(text) as { refreshToken?: string };
        if (refreshToken !== valid.refreshToken) return json(res, 400, { error: 'invalid_grant' });
        issued++;
        valid = { accessToken: issue(issued), refreshToken: `refresh-${issued}` };
        // A slow auth server, so that the concurrent requests really overlap the refresh.
        setTimeout(() => json(res, 200, valid), 20);
      });
      return;
    }
    counts.items++;
    if (req.headers.authorization !== `Bearer ${valid.accessToken}`) {
      counts.rejected++;
      return json(res, 401, { error: 'invalid_token' });
    }
    json(res, 200, { id: req.url!.split('/').pop() });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function client(server: AuthServer, tokens: AuthTokens, refresh: (handler: () => Handler) => AuthConfig['refresh']): Handler {
  const { env } = createEnv();
  let handler: Handler | undefined;
  const auth = createAuth({ tokens: memoryTokenStore(tokens), refresh: refresh(() => handler!) }, env, server.base);
  handler = chain([auth.layer], fetchTransport(env, { timeoutMs: 10_000 }));
  return handler;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

describe('auth layer over real fetch (loopback server)', () => {
  let server: AuthServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('sends 50 concurrent requests with an expired JWT after exactly 1 refresh, and no expired token reaches the server', async () => {
    const expired: AuthTokens = { accessToken: unsignedJwt({ sub: 'u1', exp: nowSeconds() - 60 }), refreshToken: 'refresh-0' };
    server = await startAuthServer(expired, (n) => unsignedJwt({ sub: 'u1', exp: nowSeconds() + 3600, n }));
    // The recommended way: the refresh call goes through the client, marked SKIP_AUTH.
    const handler = client(
      server,
      expired,
      (self) => (refreshToken) =>
        self()(
          createRequest({ method: 'POST', url: `${server!.base}/refresh`, body: { refreshToken }, context: RequestContext.empty().set(SKIP_AUTH, true) }),
        ).pipe(map((res) => res.body)),
    );

    const bodies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => firstValueFrom(handler(createRequest({ url: `${server!.base}/items/${i}` }))).then((res) => res.body)),
    );

    expect(bodies).toEqual(Array.from({ length: 50 }, (_, i) => ({ id: String(i) })));
    expect(server.counts).toEqual({ items: 50, rejected: 0, refreshes: 1 });
  });

  it('recovers 50 concurrent requests rejected with 401 (opaque token) with exactly 1 refresh', async () => {
    const stale: AuthTokens = { accessToken: 'opaque-stale', refreshToken: 'refresh-0' };
    server = await startAuthServer(stale, (n) => `opaque-${n}`);
    // A Promise-returning refresh over plain fetch works as well.
    const handler = client(server, stale, () => async (refreshToken) => {
      const res = await fetch(`${server!.base}/refresh`, { method: 'POST', body: JSON.stringify({ refreshToken }) });
      return res.json();
    });

    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => firstValueFrom(handler(createRequest({ url: `${server!.base}/items/${i}` }))).then((res) => res.status)),
    );

    expect(results).toEqual(Array(50).fill(200));
    expect(server.counts.refreshes).toBe(1);
    // Each request at most twice: once with the stale token, once with the new one.
    expect(server.counts.items).toBeLessThanOrEqual(100);
    expect(server.counts.items - server.counts.rejected).toBe(50);
  });
});
