import 'fake-indexeddb/auto';
import { firstValueFrom, lastValueFrom, of, toArray } from 'rxjs';
import {
  composeApiClient,
  createLocalforageCacheStore,
  memoryTokenStore,
  OutboxError,
  RequestError,
  RetryBudgetExhaustedError,
  withAuth,
  withFleet,
  withHttpCache,
  withPersistentCache,
  type ApiRequest,
  type ApiResponse,
} from 'rxsync';
import { httpError, okResponse } from 'rxsync/testing';
import { createTestScheduler } from '../helpers/marbles';

const API = 'https://api.example.com';

/** A backend that records what reached it. */
function recording(answer: (req: ApiRequest) => ApiResponse = () => okResponse({ n: 1 }, { 'cache-control': 'max-age=60' })) {
  const seen: ApiRequest[] = [];
  return { seen, transport: (req: ApiRequest) => (seen.push(req), of(answer(req))) };
}

describe('composeApiClient: only the parts passed', () => {
  it('with no features: requests go out with retry and dedupe, nothing is cached, the other parts are inert', async () => {
    const backend = recording();
    const client = composeApiClient({ baseUrl: API, transport: backend.transport });
    expect(await firstValueFrom(client.get('/a'))).toEqual({ n: 1 });
    expect(await firstValueFrom(client.get('/a'))).toEqual({ n: 1 });
    expect(backend.seen).toHaveLength(2); // no cache: both sent
    expect(await firstValueFrom(client.online$)).toBe(true);
    expect(client.auth).toBeUndefined();
    expect(client.fleet.state(API)).toMatchObject({ circuit: 'closed', retriesAllowed: true });
    await expect(firstValueFrom(client.graphql('{ me { id } }'))).rejects.toBeInstanceOf(RequestError);
    await expect(firstValueFrom(client.post('/a', {}, { offline: 'queue' }))).rejects.toMatchObject({ reason: 'disabled' });
    await expect(firstValueFrom(client.outbox.enqueue({ method: 'POST', url: `${API}/a` }))).rejects.toBeInstanceOf(OutboxError);
    client.close();
  });

  it('retries with backoff without withFleet: per request, no budget', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const seen: number[] = [];
      const client = composeApiClient({
        baseUrl: API,
        scheduler: rx,
        retry: { jitter: 'none' },
        transport: (req) => (seen.push(rx.now()), cold<ApiResponse>('-#', undefined, httpError(503, null, {}, req))),
      });
      const error = httpError(503, null, {}, { method: 'GET', url: `${API}/a` });
      error.attempts = 4;
      expectObservable(client.get('/a')).toBe('7004ms #', undefined, error);
      rx.flush();
      expect(seen).toEqual([0, 1001, 3002, 7003]);
    });
  });

  it('withFleet() brings the retry budget and breaker: the default 4-token bucket stops a streak after 1 retry', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const client = composeApiClient(
        { baseUrl: API, scheduler: rx, retry: { jitter: 'none' }, transport: (req) => cold<ApiResponse>('-#', undefined, httpError(503, null, {}, req)) },
        withFleet(),
      );
      const spent = new RetryBudgetExhaustedError({ method: 'GET', url: `${API}/a` }, API, httpError(503, null, {}, { method: 'GET', url: `${API}/a` }));
      spent.attempts = 2;
      expectObservable(client.get('/a')).toBe('1002ms #', undefined, spent);
    });
  });

  it('withHttpCache() caches in memory: a fresh hit does not reach the backend', async () => {
    const backend = recording();
    const client = composeApiClient({ baseUrl: API, transport: backend.transport, cache: { maxEntries: 10 } }, withHttpCache());
    await firstValueFrom(client.get('/a'));
    const again = await lastValueFrom(client.request({ url: '/a' }).pipe(toArray()));
    expect(again.map((r) => r.fromCache)).toEqual([true]);
    expect(backend.seen).toHaveLength(1);
  });

  it('withPersistentCache() adds the persistent tier for a store object', async () => {
    const backend = recording();
    const store = createLocalforageCacheStore({ name: `compose-${Date.now()}` });
    const client = composeApiClient({ baseUrl: API, transport: backend.transport, cache: { store } }, withHttpCache(), withPersistentCache());
    await firstValueFrom(client.get('/a'));
    await firstValueFrom(client.cache.flush());
    const restarted = composeApiClient({ baseUrl: API, transport: backend.transport, cache: { store } }, withHttpCache(), withPersistentCache());
    expect(await firstValueFrom(restarted.request({ url: '/a' }))).toMatchObject({ fromCache: true, body: { n: 1 } });
    expect(backend.seen).toHaveLength(1);
  });

  it('withAuth() adds the Bearer token', async () => {
    const backend = recording();
    const client = composeApiClient(
      {
        baseUrl: API,
        transport: backend.transport,
        auth: { tokens: memoryTokenStore({ accessToken: 'tok', refreshToken: 'r' }), refresh: () => of({ accessToken: 'new' }) },
      },
      withAuth(),
    );
    await firstValueFrom(client.get('/a'));
    expect(backend.seen[0].headers['authorization']).toBe('Bearer tok');
  });

  describe('config for a part that was not passed fails at creation, never silently', () => {
    const tokens = { tokens: memoryTokenStore(), refresh: () => of({ accessToken: 'x' }) };
    it.each([
      ['auth', { auth: tokens }, /RXSYNC-1006: config\.auth needs withAuth\(\)/],
      ['cache', { cache: { maxEntries: 5 } }, /RXSYNC-1006: config\.cache needs withHttpCache\(\)/],
      ['fleet', { fleet: { budget: { maxTokens: 10 } } }, /RXSYNC-1006: config\.fleet needs withFleet\(\)/],
      ['offline', { offline: {} }, /RXSYNC-1006: config\.offline needs withOffline\(\)/],
      ['graphql', { graphql: { path: '/gql' } }, /RXSYNC-1006: config\.graphql needs withGraphQL\(\)/],
    ])('%s', (_name, extra, message) => {
      expect(() => composeApiClient({ baseUrl: API, ...extra })).toThrow(message);
    });

    it("a cache store without withPersistentCache(), and the 'localforage' shorthand (createApiClient's)", () => {
      const store = createLocalforageCacheStore({ name: 'x' });
      expect(() => composeApiClient({ baseUrl: API, cache: { store } }, withHttpCache())).toThrow(/RXSYNC-1004.*withPersistentCache/);
      expect(() => composeApiClient({ baseUrl: API, cache: { store: 'localforage' } }, withHttpCache(), withPersistentCache())).toThrow(
        /RXSYNC-1004.*createLocalforageCacheStore/,
      );
    });

    it('cache: false with withHttpCache() is no cache; a feature twice or a non-feature is refused', () => {
      const backend = recording();
      const client = composeApiClient({ baseUrl: API, transport: backend.transport, cache: false }, withHttpCache());
      return firstValueFrom(client.get('/a')).then(async () => {
        await firstValueFrom(client.get('/a'));
        expect(backend.seen).toHaveLength(2);
        expect(() => composeApiClient({ baseUrl: API }, withFleet(), withFleet())).toThrow(/RXSYNC-1005.*'fleet' feature twice/);
        expect(() => composeApiClient({ baseUrl: API }, {} as never)).toThrow(/RXSYNC-1005/);
        expect(() => composeApiClient({ baseUrl: API }, withPersistentCache())).toThrow(/withHttpCache/);
      });
    });
  });
});
