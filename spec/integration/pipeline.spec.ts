import { defer, map, merge, type Observable, of } from 'rxjs';
import { createApiClient, createEntityStore, memoryTokenStore, type ApiRequest, type ApiResponse, type AuthTokens, type ClientEvent } from 'rxsync';
import { createTestScheduler } from '../helpers/marbles';
import { unsignedJwt, unauthorized } from '../auth/auth-fixtures';
import { httpError, okResponse } from 'rxsync/testing';

const API = 'https://api.example.com';
const NOW_S = 1_700_000_000; // the TestScheduler clock starts at 0 ms; JWT exp is compared with it in seconds
const expired = (sub = 'ada'): AuthTokens => ({ accessToken: unsignedJwt({ sub, exp: -60 }), refreshToken: `rt-${sub}` });
const valid = (sub = 'ada', n = 1): AuthTokens => ({ accessToken: unsignedJwt({ sub, exp: NOW_S, n }), refreshToken: `rt-${sub}-${n}` });
const bearer = (req: ApiRequest): string | undefined => req.headers['authorization']?.slice('Bearer '.length);

/** A backend answering by URL, recording every request with the token it carried. */
function backend(answer: (req: ApiRequest) => Observable<ApiResponse>) {
  const seen: ApiRequest[] = [];
  return { seen, handler: (req: ApiRequest) => defer(() => (seen.push(req), answer(req))) };
}

describe('the whole pipeline in virtual time (createApiClient + TestScheduler + scripted backend)', () => {
  it('50 concurrent requests with an expired JWT: 1 refresh, 50 successes, no expired token ever sent', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const fresh = valid('ada', 2);
      const refresh$ = cold('--(t|)', { t: fresh });
      const server = backend((req) =>
        bearer(req) === fresh.accessToken ? cold('-(r|)', { r: okResponse(req.url) }) : cold('-#', undefined, unauthorized(req)),
      );
      const client = createApiClient({
        baseUrl: API,
        scheduler: rx,
        transport: server.handler,
        auth: { tokens: memoryTokenStore(expired()), refresh: () => refresh$ },
      });

      const all = merge(...Array.from({ length: 50 }, (_, i) => client.get<string>(`/items/${i}`)));
      expectObservable(all.pipe(map(() => 'x'))).toBe(`---(${'x'.repeat(50)}|)`);
      expectSubscriptions(refresh$.subscriptions).toBe('^-!');
      rx.flush();
      expect(server.seen).toHaveLength(50);
      expect(server.seen.every((req) => bearer(req) === fresh.accessToken)).toBe(true);
    });
  });

  it('50 concurrent 401s with an opaque token: 1 refresh, each request replayed once, callers see only the final response', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const refresh$ = cold('--(t|)', { t: { accessToken: 'opaque-2', refreshToken: 'rt-2' } });
      const server = backend((req) => (bearer(req) === 'opaque-2' ? cold('-(r|)', { r: okResponse('ok') }) : cold('-#', undefined, unauthorized(req))));
      const client = createApiClient({
        baseUrl: API,
        scheduler: rx,
        transport: server.handler,
        auth: { tokens: memoryTokenStore({ accessToken: 'opaque-1', refreshToken: 'rt-1' }), refresh: () => refresh$ },
      });
      const all = merge(...Array.from({ length: 50 }, (_, i) => client.get(`/items/${i}`)));
      expectObservable(all.pipe(map(() => 'x'))).toBe(`----(${'x'.repeat(50)}|)`);
      expectSubscriptions(refresh$.subscriptions).toBe('-^-!');
      rx.flush();
      expect(server.seen).toHaveLength(100);
      expect(client.auth?.currentTokens()).toEqual({ accessToken: 'opaque-2', refreshToken: 'rt-2' }); // rotation stored
    });
  });

  it('waits 1 s, 2 s, 4 s between attempts (jitter off), then hands the last error to the caller with its attempt count', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const server = backend((req) => cold('-#', undefined, httpError(503, null, {}, req)));
      const events: ClientEvent[] = [];
      // three retries in a row: more than the default retry budget of 4 tokens allows, so A6's 10
      const client = createApiClient({
        baseUrl: API,
        scheduler: rx,
        transport: server.handler,
        cache: false,
        retry: { jitter: 'none' },
        fleet: { budget: { maxTokens: 10 } },
      });
      client.events$.subscribe((e) => events.push(e));
      const failure = httpError(503, null, {}, { method: 'GET', url: `${API}/items` });
      failure.attempts = 4;
      expectObservable(client.get('/items')).toBe('7004ms #', undefined, failure);
      rx.flush();
      expect(events.filter((e) => e.type === 'retry-scheduled').map((e) => e.type === 'retry-scheduled' && [e.at, e.delayMs])).toEqual([
        [1, 1000],
        [1002, 2000],
        [3003, 4000],
      ]);
      expect(events.at(-1)).toMatchObject({ type: 'request-failed', errorKind: 'http', attempts: 4 });
    });
  });

  it('unsubscribing during a backoff cancels the wait: no further attempt is sent', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const server = backend((req) => cold('-#', undefined, httpError(503, null, {}, req)));
      const client = createApiClient({ baseUrl: API, scheduler: rx, transport: server.handler, cache: false, retry: { jitter: 'none' } });
      expectObservable(client.get('/items'), '^ 500ms !').toBe('');
      rx.flush();
      expect(server.seen).toHaveLength(1);
    });
  });

  it('a 401 met after a retry goes up to auth, which refreshes once and replays through retry with a fresh budget', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const refresh$ = cold('-(t|)', { t: { accessToken: 'opaque-2' } });
      const answers = [
        cold<ApiResponse>('-#', undefined, httpError(503)),
        cold<ApiResponse>('-#', undefined, unauthorized()),
        cold<ApiResponse>('-#', undefined, httpError(503)),
        cold('-(r|)', { r: okResponse('done') }),
      ];
      let n = 0;
      const server = backend(() => answers[n++]);
      const client = createApiClient({
        baseUrl: API,
        scheduler: rx,
        transport: server.handler,
        cache: false,
        retry: { jitter: 'none' },
        auth: { tokens: memoryTokenStore({ accessToken: 'opaque-1', refreshToken: 'rt' }), refresh: () => refresh$ },
      });
      // 503 at 1 → wait 1 s → 401 at 1002 → refresh 1002–1003 → 503 at 1004 → wait 1 s (fresh budget) → 200 at 2005
      expectObservable(client.get('/items')).toBe('2005ms (d|)', { d: 'done' });
      expectSubscriptions(refresh$.subscriptions).toBe('1002ms ^!');
      rx.flush();
      expect(server.seen.map(bearer)).toEqual(['opaque-1', 'opaque-1', 'opaque-2', 'opaque-2']);
    });
  });

  it('a fresh cache hit touches neither auth nor the network: it works with an expired session and no refresh', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const refresh = jest.fn(() => cold('-#', undefined, new Error('refresh must not be called')));
      const server = backend(() => cold('-(r|)', { r: okResponse(['a'], { 'cache-control': 'private, max-age=60' }) }));
      const client = createApiClient({ baseUrl: API, scheduler: rx, transport: server.handler, auth: { tokens: memoryTokenStore(valid()), refresh } });
      expectObservable(client.get('/items')).toBe('-(v|)', { v: ['a'] });
      // Same user, expired token, no refresh token: the session could not send anything now.
      rx.schedule(() => client.auth?.setTokens({ accessToken: unsignedJwt({ sub: 'ada', exp: -1 }) }), 3);
      expectObservable(client.get('/items'), '------^').toBe('------(v|)', { v: ['a'] });
      rx.flush();
      expect(server.seen).toHaveLength(1);
      expect(refresh).not.toHaveBeenCalled();
    });
  });

  it("never serves one user's cached data to the next user after an account switch", () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const server = backend((req) =>
        cold('-(r|)', {
          r: okResponse(`inbox of ${bearer(req)?.length ? JSON.parse(Buffer.from(bearer(req)!.split('.')[1], 'base64url').toString()).sub : '?'}`, {
            'cache-control': 'private, max-age=600',
          }),
        }),
      );
      const client = createApiClient({ baseUrl: API, scheduler: rx, transport: server.handler, auth: { tokens: memoryTokenStore(valid('ada')) } });
      expectObservable(client.get('/inbox')).toBe('-(v|)', { v: 'inbox of ada' });
      rx.schedule(() => client.auth?.setTokens(valid('bob')), 3);
      expectObservable(client.get('/inbox'), '-----^').toBe('------(v|)', { v: 'inbox of bob' });
      rx.flush();
      expect(server.seen).toHaveLength(2);
    });
  });

  it('a POST invalidates the cached list, so the next read goes to the network', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      let version = 1;
      const server = backend((req) =>
        req.method === 'POST'
          ? defer(() => ((version += 1), of(okResponse({ id: 3 }, {}, 201))))
          : cold('-(r|)', { r: okResponse(`v${version}`, { 'cache-control': 'max-age=600' }) }),
      );
      const client = createApiClient({ baseUrl: API, scheduler: rx, transport: server.handler });
      expectObservable(client.get('/items')).toBe('-(v|)', { v: 'v1' });
      rx.schedule(() => client.post('/items', { name: 'new' }).subscribe(), 2);
      expectObservable(client.get('/items'), '---^').toBe('----(v|)', { v: 'v2' });
    });
  });
});

describe('responses into the entity store through the same path', () => {
  interface Item {
    readonly id: number;
    readonly name: string;
  }

  it('a background revalidation answered 304 emits nothing new; a changed body updates only the changed entity', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const v1: Item[] = [
        { id: 1, name: 'Lamp' },
        { id: 2, name: 'Desk' },
      ];
      const v2: Item[] = [
        { id: 1, name: 'Lamp' },
        { id: 2, name: 'Standing desk' },
      ];
      const swr = { 'cache-control': 'max-age=1, stale-while-revalidate=600' };
      const answers = [
        cold('-(r|)', { r: okResponse(v1, { ...swr, etag: '"v1"' }) }),
        cold('-(r|)', { r: okResponse(null, { ...swr, etag: '"v1"' }, 304) }),
        cold('-(r|)', { r: okResponse(v2, { ...swr, etag: '"v2"' }) }),
      ];
      let n = 0;
      const server = backend(() => answers[n++]);
      const client = createApiClient({ baseUrl: API, scheduler: rx, transport: server.handler });
      const items = createEntityStore<Item>({ idKey: 'id' });
      const load = () => client.get<Item[]>('/items').pipe(items.upsertManyFrom());

      expectObservable(items.select(1).pipe(map((i) => i?.name))).toBe('uL', { u: undefined, L: 'Lamp' });
      expectObservable(items.select(2).pipe(map((i) => i?.name))).toBe('uD 3999ms S', { u: undefined, D: 'Desk', S: 'Standing desk' });
      load().subscribe(); // 0: network → store
      rx.schedule(() => load().subscribe(), 2000); // stale: stored value now, 304 in the background: nothing new
      rx.schedule(() => load().subscribe(), 4000); // stale again: 200 with a changed body → only item 2 emits
    });
  });
});
