import { inspect } from 'node:util';
import { firstValueFrom } from 'rxjs';
import { AuthError, createApiClient, createEntityStore, memoryTokenStore, type ApiClient, type FetchLike } from 'rxsync';
import { createMockBackend } from 'rxsync/testing';
import { unsignedJwt } from '../auth/auth-fixtures';
import { createTestScheduler } from '../helpers/marbles';
import { settle } from '../helpers/loopback-server';

const API = 'https://api.example.com';
const OLD = { accessToken: 'OLD-ACCESS-SECRET', refreshToken: 'OLD-REFRESH-SECRET' };

/** Everything an app might do with an error to log or report it. */
function everyRendering(error: unknown): string {
  const parts = [String(error), JSON.stringify(error), inspect(error, { depth: 20, showHidden: true })];
  for (let e: unknown = error, depth = 0; e && depth < 10; depth++, e = (e as { cause?: unknown }).cause) {
    parts.push(
      String(e),
      JSON.stringify(e),
      (e as { message?: string }).message ?? '',
      (e as { raw?: string }).raw ?? '',
      JSON.stringify((e as { body?: unknown }).body ?? null),
    );
  }
  return parts.join('\n');
}

describe('secrets never leave in errors', () => {
  /** A client whose refresh goes through itself to a token endpoint answering `tokenAnswer`. */
  function clientWithTokenEndpoint(tokenAnswer: () => Response): { client: ApiClient; refreshCalls: () => number } {
    let refreshCalls = 0;
    const fetch: FetchLike = async (url, init) => {
      if (url.endsWith('/token')) {
        refreshCalls++;
        return tokenAnswer();
      }
      const auth = init.headers['authorization'];
      return auth === `Bearer ${OLD.accessToken}`
        ? new Response('{"error":"expired"}', { status: 401, headers: { 'content-type': 'application/json' } })
        : new Response('{}', { headers: { 'content-type': 'application/json' } });
    };
    let client!: ApiClient;
    client = createApiClient({
      baseUrl: API,
      fetch,
      cache: false,
      retry: false,
      auth: {
        tokens: memoryTokenStore(OLD),
        refresh: (refreshToken) => client.post('/token', { refreshToken }, { skipAuth: true }),
        refreshRetry: { maxAttempts: 1 },
      },
    });
    return { client, refreshCalls: () => refreshCalls };
  }

  it.each([
    [
      '200 with the tokens as text/plain',
      () => new Response('{"accessToken":"NEW-ACCESS-SECRET","refreshToken":"NEW-REFRESH-SECRET"}', { headers: { 'content-type': 'text/plain' } }),
    ],
    [
      '200 with malformed JSON holding the tokens',
      () => new Response('{"accessToken":"NEW-ACCESS-SECRET","refreshToken":"NEW-REFRESH-SECRET"', { headers: { 'content-type': 'application/json' } }),
    ],
    [
      '400 echoing the refresh token',
      () =>
        new Response('{"error":"invalid_grant","refresh_token":"OLD-REFRESH-SECRET"}', {
          status: 400,
          headers: { 'content-type': 'application/json', 'set-cookie': 'sid=SESSION-COOKIE-SECRET' },
        }),
    ],
  ])(
    'refresh answered %s: the waiting request gets AuthError(refresh-failed) for its own request, with no secret anywhere, and the session ends',
    async (_what, tokenAnswer) => {
      const { client, refreshCalls } = clientWithTokenEndpoint(tokenAnswer);
      const { error } = await settle(client.get('/items'));
      expect(error).toBeInstanceOf(AuthError);
      expect(error).toMatchObject({ reason: 'refresh-failed', request: { method: 'GET', url: `${API}/items` } });
      expect(everyRendering(error)).not.toMatch(/SECRET/);
      expect(refreshCalls()).toBe(1);
      // The refresh token was most likely rotated by that answer: the session does not keep a spent one.
      expect(client.auth?.currentTokens()).toBeNull();
    },
  );

  it('a captive portal answering the refresh (HTML) keeps the session: refresh-unavailable, no secret', async () => {
    const { client } = clientWithTokenEndpoint(() => new Response('<html>Sign in to the Wi-Fi</html>', { headers: { 'content-type': 'text/html' } }));
    const { error } = await settle(client.get('/items'));
    expect(error).toMatchObject({ name: 'AuthError', reason: 'refresh-unavailable', request: { url: `${API}/items` } });
    expect(everyRendering(error)).not.toMatch(/SECRET/);
    expect(client.auth?.currentTokens()).toEqual(OLD);
  });
});

describe('after logout(), nothing of the ended session goes out or comes back', () => {
  it('a request waiting in retry backoff is not re-sent with the old token: AuthError(session-changed)', () => {
    const rx = createTestScheduler();
    const backend = createMockBackend();
    rx.run(({ expectObservable, flush }) => {
      const client = createApiClient({
        baseUrl: API,
        scheduler: rx,
        transport: backend.handler,
        cache: false,
        retry: { jitter: 'none', baseDelayMs: 1000 },
        auth: { tokens: memoryTokenStore(OLD) },
      });
      // The 503 at 1, the retry due at 1001: refused then, without sending (the second attempt).
      const refused = new AuthError({ method: 'GET', url: `${API}/items` }, 'session-changed');
      refused.attempts = 2;
      expectObservable(client.get('/items')).toBe('1001ms #', undefined, refused);
      rx.schedule(() => backend.expectOne('/items').error(503), 1);
      rx.schedule(() => client.auth?.logout(), 500);
      flush();
    });
    expect(backend.received.map((r) => r.headers['authorization'])).toEqual([`Bearer ${OLD.accessToken}`]);
  });

  it('a response that arrives after logout is not delivered as a success, and upsertFrom does not write it into the cleared store', () => {
    const backend = createMockBackend();
    const client = createApiClient({ baseUrl: API, transport: backend.handler, cache: false, retry: false, auth: { tokens: memoryTokenStore(OLD) } });
    const items = createEntityStore<{ id: number; owner: string }>({ idKey: 'id' });
    const seen: unknown[] = [];
    let error: unknown;
    client
      .get<{ id: number; owner: string }>('/items/1')
      .pipe(items.upsertFrom())
      .subscribe({ next: (v) => seen.push(v), error: (e: unknown) => (error = e) });
    client.auth?.logout();
    items.clear();
    backend.expectOne('/items/1').flush({ id: 1, owner: 'ada' });
    expect(seen).toEqual([]);
    expect(error).toMatchObject({ name: 'AuthError', reason: 'session-changed' });
    expect(items.getAll()).toEqual([]);
  });

  it('upsertFrom subscribed before a clear() writes nothing after it, even without auth', () => {
    const backend = createMockBackend();
    const client = createApiClient({ baseUrl: API, transport: backend.handler, cache: false, retry: false });
    const items = createEntityStore<{ id: number }>({ idKey: 'id' });
    items.upsert({ id: 9 });
    client.get<{ id: number }>('/items/1').pipe(items.upsertFrom()).subscribe();
    items.clear();
    backend.expectOne('/items/1').flush({ id: 1 });
    expect(items.getAll()).toEqual([]);
    // A stream subscribed after the clear writes as usual.
    client.get<{ id: number }>('/items/2').pipe(items.upsertFrom()).subscribe();
    backend.expectOne('/items/2').flush({ id: 2 });
    expect(items.getAll()).toEqual([{ id: 2 }]);
  });
});

describe('setTokens() with an access token whose exp has passed', () => {
  it('refreshes before sending: the expired token never goes out', async () => {
    const sent: string[] = [];
    const fetch: FetchLike = async (_url, init) => {
      sent.push(init.headers['authorization'] ?? 'none');
      return new Response('{}', { headers: { 'content-type': 'application/json' } });
    };
    const expired = unsignedJwt({ sub: 'u', iat: 1_000, exp: 2_000 }); // 1970: long past
    const client = createApiClient({ baseUrl: API, fetch, cache: false, auth: { refresh: async () => ({ accessToken: 'FRESH' }) } });
    client.auth?.setTokens({ accessToken: expired, refreshToken: 'R' });
    await firstValueFrom(client.get('/me'));
    expect(sent).toEqual(['Bearer FRESH']);
  });
});
