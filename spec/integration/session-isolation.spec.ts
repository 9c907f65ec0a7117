import 'fake-indexeddb/auto';
import { lastValueFrom, map, Observable } from 'rxjs';
import { AuthError, createApiClient, localforageTokenStore, memoryTokenStore, type ApiRequest, type ApiResponse } from 'rxsync';
import { okResponse } from 'rxsync/testing';
import { unsignedJwt } from '../auth/auth-fixtures';
import { createTestScheduler } from '../helpers/marbles';

const API = 'https://api.example.com';
const token = (sub: string) => ({ accessToken: unsignedJwt({ sub, exp: 4_000_000_000 }), refreshToken: `rt-${sub}` });
const who = (req: ApiRequest): string => req.headers['authorization']?.slice('Bearer '.length) ?? 'nobody';

describe("one user's data never reaches the next user (the whole client)", () => {
  it('an account switch while a GET is in flight: the new user gets a request of their own, not a share of the old one', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const ada = token('ada');
      const bob = token('bob');
      const transport = (req: ApiRequest) => cold<ApiResponse>('---(r|)', { r: okResponse(who(req) === ada.accessToken ? 'inbox of ada' : 'inbox of bob') });
      const client = createApiClient({ baseUrl: API, scheduler: rx, transport, auth: { tokens: memoryTokenStore(ada) } });
      // Ada's answer arrives after her session ended: not delivered as a success to a screen of a session that is over.
      expectObservable(client.get('/inbox')).toBe('---#', undefined, new AuthError({ method: 'GET', url: `${API}/inbox` }, 'session-changed'));
      rx.schedule(() => client.auth?.setTokens(bob), 1);
      expectObservable(client.get('/inbox'), '--^').toBe('-----(v|)', { v: 'inbox of bob' });
    });
  });

  it("opaque tokens: logging in as someone else never serves the previous user's cached responses", () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const transport = (req: ApiRequest) =>
        cold<ApiResponse>('-(r|)', { r: okResponse(`profile for ${who(req)}`, { 'cache-control': 'private, max-age=600' }) });
      const client = createApiClient({ baseUrl: API, scheduler: rx, transport, auth: { tokens: memoryTokenStore({ accessToken: 'opaque-ada' }) } });
      expectObservable(client.get('/me')).toBe('-(v|)', { v: 'profile for opaque-ada' });
      rx.schedule(() => client.auth?.setTokens({ accessToken: 'opaque-bob' }), 3);
      expectObservable(client.get('/me'), '-----^').toBe('------(v|)', { v: 'profile for opaque-bob' });
    });
  });
});

describe('a restart while offline (async token store, IndexedDB cache)', () => {
  it('serves the persisted response at once, before the first request could have known the user', async () => {
    const name = `restart-${Math.random()}`;
    const tokens = localforageTokenStore({ key: `${name}-tokens` });
    let online = true;
    const transport = (req: ApiRequest) =>
      new Observable<ApiResponse>((subscriber) => {
        if (!online) return subscriber.error(new Error('offline'));
        subscriber.next(okResponse(['umbrella'], { 'cache-control': 'private, max-age=600' }, 200, req.url));
        subscriber.complete();
      });
    const first = createApiClient({ baseUrl: API, transport, cache: { store: 'localforage', name }, auth: { tokens } });
    first.auth?.setTokens(token('ada'));
    expect(await lastValueFrom(first.get('/items'))).toEqual(['umbrella']);
    await lastValueFrom(first.cache.flush());

    online = false;
    const restarted = createApiClient({
      baseUrl: API,
      transport,
      cache: { store: 'localforage', name },
      auth: { tokens: localforageTokenStore({ key: `${name}-tokens` }) },
    });
    const res = await lastValueFrom(restarted.request<string[]>({ url: '/items' }).pipe(map((r) => ({ body: r.body, fromCache: r.fromCache }))));
    expect(res).toEqual({ body: ['umbrella'], fromCache: true });
  });
});
