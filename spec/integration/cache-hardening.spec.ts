import { of, throwError, timer, map, type Observable } from 'rxjs';
import { createApiClient, memoryTokenStore, type ApiRequest, type ApiResponse } from 'rxsync';
import { okResponse, httpError } from 'rxsync/testing';
import { createMemoryCacheStore } from '../../lib/cache/memory.cache-store';
import { unsignedJwt } from '../auth/auth-fixtures';
import { spyStore } from '../cache/spy-store';
import { createTestScheduler } from '../helpers/marbles';

// Issue #7's cache rules, through the whole client (dedupe, cache, auth, retry, transport).

const API = 'https://api.example.com';
const token = (sub: string) => ({ accessToken: unsignedJwt({ sub, exp: 4_000_000_000 }), refreshToken: `rt-${sub}` });
const who = (req: ApiRequest): string => req.headers['authorization']?.slice('Bearer '.length) ?? 'nobody';

describe('an account switch while a GET waits on the persistent cache', () => {
  it("never sends it with the new user's token, nor answers the old subscriber with anything of the new user", () => {
    const rx = createTestScheduler();
    rx.run(({ expectObservable, flush }) => {
      const ada = token('ada');
      const bob = token('bob');
      const spy = spyStore();
      const sent: string[] = [];
      const transport = (req: ApiRequest): Observable<ApiResponse> => {
        sent.push(who(req) === bob.accessToken ? 'bob' : who(req) === ada.accessToken ? 'ada' : 'nobody');
        return of(okResponse(`inbox of ${sent[sent.length - 1]}`, { 'cache-control': 'private, max-age=1', etag: '"1"' }, 200, req.url));
      };
      // Ada's stale entry on disk, from an earlier run.
      const earlier = createApiClient({
        baseUrl: API,
        scheduler: rx,
        transport,
        retry: false,
        cache: { store: spy.store },
        auth: { tokens: memoryTokenStore(ada) },
      });
      earlier.get('/inbox').subscribe();
      flush();
      sent.length = 0;
      spy.delayGets(5, rx);

      const client = createApiClient({
        baseUrl: API,
        scheduler: rx,
        transport,
        retry: false,
        cache: { store: spy.store },
        auth: { tokens: memoryTokenStore(ada) },
      });
      const start = rx.now();
      rx.schedule(() => client.auth?.setTokens(bob), 2);
      expectObservable(client.get('/inbox').pipe(map((b) => `${String(b)} @${rx.now() - start}`))).toBe(
        // The index arrives at 5 ms; the switch at 2 ms purged Ada's entries, so the read finds
        // none of them indexed and fails at once, without reading Ada's entry from disk.
        '-----#',
        undefined,
        expect.objectContaining({ kind: 'auth', reason: 'session-changed' }),
      );
      flush();
      expect(sent).toEqual([]); // without the rule: ['bob'], Ada's read revalidated with Bob's token
    });
  });
});

describe('a 304 after logout', () => {
  it("never re-stores the previous user's entry", () => {
    const rx = createTestScheduler();
    rx.run(({ cold, flush }) => {
      const store = createMemoryCacheStore();
      let call = 0;
      const transport = (req: ApiRequest): Observable<ApiResponse> => {
        call++;
        if (call === 1) return of(okResponse('ada private', { 'cache-control': 'private, max-age=1', etag: '"1"' }, 200, req.url));
        return cold<ApiResponse>('----#', undefined, httpError(304, null, { etag: '"1"', 'cache-control': 'private, max-age=600' }, req));
      };
      const client = createApiClient({
        baseUrl: API,
        scheduler: rx,
        transport,
        retry: false,
        cache: { store },
        auth: { tokens: memoryTokenStore(token('ada')) },
      });
      client.get('/me').subscribe();
      flush();
      rx.schedule(() => client.get('/me').subscribe({ error: () => undefined }), 2000);
      rx.schedule(() => client.auth?.logout(), 2002); // the revalidation is in flight
      flush();
      rx.schedule(() => undefined, 10);
      flush();
      const keys = [...store.entries.keys()].filter((k) => !k.startsWith('__'));
      expect(keys).toEqual([]);
    });
  });
});

describe('a 304 to an unconditional request', () => {
  it('is an HttpError(304), not a success with a null body', () => {
    const rx = createTestScheduler();
    rx.run(({ expectObservable }) => {
      const transport = (req: ApiRequest): Observable<ApiResponse> => throwError(() => httpError(304, null, {}, req));
      const client = createApiClient({ baseUrl: API, scheduler: rx, transport, retry: false });
      expectObservable(client.get('/x')).toBe('#', undefined, expect.objectContaining({ kind: 'http', status: 304 }));
    });
  });
});

describe('bodies handed to subscribers are not the cache’s own', () => {
  it('a screen mutating what it received changes neither the next hit nor what is persisted', () => {
    const rx = createTestScheduler();
    rx.run(({ flush }) => {
      const store = createMemoryCacheStore();
      const transport = (req: ApiRequest) => of(okResponse({ items: [{ id: 1, name: 'umbrella' }] }, { 'cache-control': 'max-age=600' }, 200, req.url));
      const client = createApiClient({ baseUrl: API, scheduler: rx, transport, retry: false, cache: { store } });
      const received: Array<{ items: Array<{ name: string }> }> = [];
      client.get<{ items: Array<{ name: string }> }>('/items').subscribe((b) => received.push(b));
      client.get<{ items: Array<{ name: string }> }>('/items').subscribe((b) => received.push(b));
      flush();
      for (const body of received) {
        expect(() => {
          body.items[0].name = 'changed';
        }).toThrow(TypeError);
        expect(() => body.items.push({ name: 'more' })).toThrow(TypeError);
      }
      client.get<{ items: Array<{ name: string }> }>('/items').subscribe((b) => received.push(b));
      expect(received[2]?.items).toEqual([{ id: 1, name: 'umbrella' }]);
      const persisted = [...store.entries.values()].find((v) => (v as { url?: string }).url === `${API}/items`) as { body: unknown };
      expect(persisted.body).toEqual({ items: [{ id: 1, name: 'umbrella' }] });
    });
  });
});

describe('deeply nested JSON and unmeasurable bodies', () => {
  const nest = (levels: number): unknown => {
    let value: unknown = 'leaf';
    for (let i = 0; i < levels; i++) value = { child: value };
    return value;
  };

  it('stores, serves and revalidates a body 20,000 levels deep without a RangeError', () => {
    const rx = createTestScheduler();
    rx.run(({ flush }) => {
      let call = 0;
      const transport = (req: ApiRequest) =>
        of(okResponse(nest(20_000), { 'cache-control': `max-age=1, stale-while-revalidate=60`, 'x-call': String(++call) }, 200, req.url));
      const client = createApiClient({ baseUrl: API, scheduler: rx, transport, retry: false });
      const outcomes: string[] = [];
      const read = (): void => void client.get('/deep').subscribe({ next: () => outcomes.push('value'), error: (e: unknown) => outcomes.push(String(e)) });
      read();
      flush();
      read(); // fresh hit
      rx.schedule(read, 2000); // stale-while-revalidate: deep-equal of two 20,000-level bodies
      flush();
      expect(outcomes).toEqual(['value', 'value', 'value']);
      expect(call).toBe(2);
    });
  });

  it('never stores a body whose size cannot be estimated (it would escape maxBytes)', () => {
    const rx = createTestScheduler();
    rx.run(({ flush }) => {
      const cyclic: Record<string, unknown> = { id: 1 };
      cyclic.self = cyclic;
      let calls = 0;
      const transport = (req: ApiRequest) => (calls++, of(okResponse(cyclic, { 'cache-control': 'max-age=600' }, 200, req.url)));
      const client = createApiClient({ baseUrl: API, scheduler: rx, transport, retry: false, cache: { maxBytes: 10_000 } });
      client.get('/cyclic').subscribe();
      client.get('/cyclic').subscribe();
      flush();
      expect(calls).toBe(2);
    });
  });
});

describe('a stale fallback is never a silent success (issue #7 decision)', () => {
  it('a GET whose stored response had no caching headers gets the 503, not days-old data, after its retries', () => {
    const rx = createTestScheduler();
    rx.run(({ flush }) => {
      let call = 0;
      const transport = (req: ApiRequest): Observable<ApiResponse> =>
        ++call === 1
          ? of(okResponse('old', { 'last-modified': 'Mon, 01 Jan 2024 00:00:00 GMT' }, 200, req.url))
          : timer(1, rx).pipe(
              map(() => {
                throw httpError(503, null, {}, req);
              }),
            );
      // all 4 attempts: more retries than the default budget of 4 tokens allows, so A6's 10
      const client = createApiClient({
        baseUrl: API,
        scheduler: rx,
        transport,
        retry: { maxAttempts: 4, baseDelayMs: 10, jitter: 'none' } as never,
        fleet: { budget: { maxTokens: 10 } },
      });
      client.get('/news').subscribe();
      flush();
      const outcome: string[] = [];
      rx.schedule(
        () =>
          client
            .get('/news')
            .subscribe({ next: (b) => outcome.push(`value ${String(b)}`), error: (e: { status?: number }) => outcome.push(`error ${e.status}`) }),
        3 * 24 * 3600 * 1000,
      );
      flush();
      expect(outcome).toEqual(['error 503']);
    });
  });
});
