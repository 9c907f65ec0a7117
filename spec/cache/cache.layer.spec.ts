import { lastValueFrom, map, timer, switchMap, type Observable } from 'rxjs';
import { BYPASS_PLATFORM_CACHE } from '../../lib/core/context-tokens';
import { CacheMissError, HttpError, NetworkError, TimeoutError } from '../../lib/core/errors';
import type { ApiResponse } from '../../lib/core/response';
import type { FetchPolicy } from '../../lib/cache/cache-config';
import type { TestScheduler } from 'rxjs/testing';
import { createTestScheduler } from '../helpers/marbles';
import { MINUTE, SECOND, URL_A, createCacheHarness, expectConditionallyCached, expectFullyCached, expectNotCached, prime, summary } from './helpers';

const ok = (body: string, headers: Record<string, string> = {}): ApiResponse => ({ status: 200, headers, body, url: URL_A, fromCache: false, stale: false });
const notModified: ApiResponse = { status: 304, headers: {}, body: '', url: URL_A, fromCache: false, stale: false };
const offline = new NetworkError({ method: 'GET', url: URL_A }, 'not-sent', { detail: 'offline' });

describe('createCacheLayer', () => {
  describe('a fresh hit', () => {
    it('emits and completes synchronously from memory, with no request', () => {
      const h = createCacheHarness();
      prime(h, URL_A, { 'cache-control': 'max-age=60' });
      const result = h.read(URL_A);
      expect(result.completedSynchronously).toBe(true);
      expect(result.values.map(summary)).toEqual(['A:cache:fresh']);
      expect(h.requests).toHaveLength(1);
      expect(h.events.filter((e) => e.type === 'cache-hit')).toEqual([expect.objectContaining({ tier: 'memory', stale: false, url: URL_A })]);
    });

    it('reports a miss, then the network answer', () => {
      const h = createCacheHarness();
      prime(h, URL_A, { 'cache-control': 'max-age=60' });
      expect(h.events.map((e) => e.type)).toEqual(['cache-miss']);
    });

    it('sends the requests it owns with BYPASS_PLATFORM_CACHE, and leaves others alone', () => {
      const h = createCacheHarness();
      prime(h, URL_A, { 'cache-control': 'no-cache', etag: '"1"' });
      expectConditionallyCached(h, URL_A);
      h.respond({ status: 200 }, { status: 304 });
      h.read(URL_A, { method: 'POST' });
      h.read(URL_A, { headers: { 'if-none-match': '"1"' } });
      expect(h.requests.map((r) => r.context.get(BYPASS_PLATFORM_CACHE))).toEqual([true, true, false, false]);
    });
  });

  describe('stale-while-revalidate (RFC 5861 §3)', () => {
    const swr = { 'cache-control': 'max-age=1, stale-while-revalidate=60', etag: '"v1"' };

    it('emits the stale response at once, then the changed one, then completes', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable, expectSubscriptions }) => {
        const h = createCacheHarness({}, { rx });
        prime(h, URL_A, swr);
        const revalidation = cold('--r|', { r: ok('B', { etag: '"v2"', 'cache-control': 'max-age=60' }) });
        h.respond(revalidation);
        const read$ = later(rx, 2 * SECOND, () => h.request(URL_A));
        expectObservable(read$.pipe(map(summary))).toBe('2000ms s-r|', { s: 'A:cache:stale', r: 'B:net:fresh' });
        expectSubscriptions(revalidation.subscriptions).toBe('2000ms ^--!');
      });
    });

    it('emits nothing more when revalidation answers 304', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable }) => {
        const h = createCacheHarness({}, { rx });
        prime(h, URL_A, swr);
        h.respond(cold('--n|', { n: notModified }));
        expectObservable(later(rx, 2 * SECOND, () => h.request(URL_A)).pipe(map(summary))).toBe('2000ms s--|', { s: 'A:cache:stale' });
      });
    });

    it('completes quietly when the background revalidation fails', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable }) => {
        const h = createCacheHarness({}, { rx });
        prime(h, URL_A, swr);
        h.respond(cold('--#', undefined, offline));
        expectObservable(later(rx, 2 * SECOND, () => h.request(URL_A)).pipe(map(summary))).toBe('2000ms s-|', { s: 'A:cache:stale' });
      });
    });

    it('finishes the revalidation after the subscriber left with the stale value, so the next read is fresh', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable, expectSubscriptions }) => {
        const h = createCacheHarness({}, { rx });
        prime(h, URL_A, swr);
        const revalidation = cold('----r|', { r: ok('B', { 'cache-control': 'max-age=60' }) });
        h.respond(revalidation);
        // firstValueFrom-style caller: takes the stale value and leaves at once.
        expectObservable(later(rx, 2 * SECOND, () => h.request(URL_A)).pipe(map(summary)), '^ 2000ms !').toBe('2000ms s', { s: 'A:cache:stale' });
        expectSubscriptions(revalidation.subscriptions).toBe('2000ms ^----!');
        expectObservable(later(rx, 3 * SECOND, () => h.request(URL_A)).pipe(map(summary))).toBe('3000ms (f|)', { f: 'B:cache:fresh' });
      });
    });

    it('stops serving stale past the window: waits for the network', () => {
      const h = createCacheHarness();
      prime(h, URL_A, swr);
      h.advance(62 * SECOND);
      expectConditionallyCached(h, URL_A);
    });

    it('never serves must-revalidate stale, even within the window', () => {
      const h = createCacheHarness();
      prime(h, URL_A, { ...swr, 'cache-control': 'max-age=1, stale-while-revalidate=60, must-revalidate' });
      h.advance(2 * SECOND);
      expectConditionallyCached(h, URL_A);
    });
  });

  describe("fetch policy 'cache-and-network'", () => {
    it('emits the cached response, then the network response', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable }) => {
        const h = createCacheHarness({}, { rx });
        prime(h, URL_A, { 'cache-control': 'max-age=60' });
        h.respond(cold('-n|', { n: ok('B') }));
        expectObservable(h.request(URL_A, { policy: 'cache-and-network' }).pipe(map(summary))).toBe('cn|', { c: 'A:cache:fresh', n: 'B:net:fresh' });
      });
    });

    it('emits only the network response when nothing is stored', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable }) => {
        const h = createCacheHarness({}, { rx });
        h.respond(cold('-n|', { n: ok('B') }));
        expectObservable(h.request(URL_A, { policy: 'cache-and-network' }).pipe(map(summary))).toBe('-n|', { n: 'B:net:fresh' });
      });
    });

    it('revalidates conditionally and adds nothing on 304', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable }) => {
        const h = createCacheHarness({}, { rx });
        prime(h, URL_A, { 'cache-control': 'max-age=60', etag: '"v1"' });
        h.respond(cold('-n|', { n: notModified }));
        expectObservable(h.request(URL_A, { policy: 'cache-and-network' }).pipe(map(summary))).toBe('c-|', { c: 'A:cache:fresh' });
      });
      const h2 = createCacheHarness();
      prime(h2, URL_A, { 'cache-control': 'max-age=60', etag: '"v1"' });
      h2.respond({ status: 304 });
      h2.read(URL_A, { policy: 'cache-and-network' });
      expect(h2.requests[1]?.headers['if-none-match']).toBe('"v1"');
    });
  });

  describe('when the network finally fails (stale-if-error, offline)', () => {
    const stale = { 'cache-control': 'max-age=1', etag: '"v1"' };

    it.each([
      ['a NetworkError', offline],
      ['a TimeoutError', new TimeoutError({ method: 'GET', url: URL_A }, 10_000)],
    ])('serves the stored response marked stale after %s (unreachable: the default stale fallback)', (_name, error) => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable }) => {
        const h = createCacheHarness({}, { rx });
        prime(h, URL_A, stale);
        h.respond(cold('---#', undefined, error));
        expectObservable(later(rx, 2 * SECOND, () => h.request(URL_A)).pipe(map(summary))).toBe('2000ms ---(s|)', { s: 'A:cache:stale' });
      });
    });

    it("serves it stale after a 503 only within the server's stale-if-error (RFC 5861 §4), not for the client's maxStaleMs", () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable }) => {
        const down = new HttpError({ method: 'GET', url: URL_A }, 503, {}, 'down');
        const silent = createCacheHarness({}, { rx });
        prime(silent, URL_A, stale);
        silent.respond(cold('---#', undefined, down));
        expectObservable(later(rx, 2 * SECOND, () => silent.request(URL_A)).pipe(map(summary))).toBe('2000ms ---#', undefined, down);
        const allowed = createCacheHarness({}, { rx });
        prime(allowed, URL_A, { ...stale, 'cache-control': 'max-age=1, stale-if-error=60' });
        allowed.respond(cold('---#', undefined, down));
        expectObservable(later(rx, 2 * SECOND, () => allowed.request(URL_A)).pipe(map(summary))).toBe('2000ms ---(s|)', { s: 'A:cache:stale' });
      });
    });

    it("lets a get() caller refuse stale with staleFallback: 'never' (issue #7)", () => {
      const h = createCacheHarness({ staleFallback: 'never' });
      prime(h, URL_A, stale);
      h.advance(2 * SECOND);
      h.respond(offline);
      expect(h.read(URL_A).error).toBe(offline);
    });

    it("emits 'stale-served' with the reason", () => {
      const h = createCacheHarness();
      prime(h, URL_A, stale);
      h.advance(2 * SECOND);
      h.respond(offline);
      h.read(URL_A);
      expect(h.events.filter((e) => e.type === 'stale-served')).toEqual([expect.objectContaining({ url: URL_A, reason: 'NetworkError' })]);
    });

    it('passes a 4xx on: an answer, not a failure', () => {
      const h = createCacheHarness();
      prime(h, URL_A, stale);
      h.advance(2 * SECOND);
      h.respond({ status: 404 });
      expect(h.read(URL_A).error).toMatchObject({ name: 'HttpError', status: 404 });
    });

    it.each([
      ['must-revalidate', 'max-age=1, must-revalidate'],
      ['no-cache', 'no-cache'],
    ])('never serves %s stale: the error reaches the subscriber', (_name, cacheControl) => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable }) => {
        const h = createCacheHarness({}, { rx });
        prime(h, URL_A, { 'cache-control': cacheControl, etag: '"v1"' });
        h.respond(cold('---#', undefined, offline));
        expectObservable(later(rx, 2 * SECOND, () => h.request(URL_A))).toBe('2000ms ---#', undefined, offline);
      });
    });

    it('serves stale only within maxStaleMs, extended by the server stale-if-error', () => {
      const h = createCacheHarness({ maxStaleMs: 10 * SECOND });
      prime(h, URL_A, stale);
      prime(h, 'https://api.example.com/sie', { 'cache-control': 'max-age=1, stale-if-error=60' });
      h.advance(30 * SECOND);
      h.respond(offline, offline);
      expect(h.read(URL_A).error).toBe(offline);
      expect(h.read('https://api.example.com/sie').values.map(summary)).toEqual(['A:cache:stale']);
    });
  });

  describe('fetch policies', () => {
    const policies: Array<[FetchPolicy, 'hit' | 'network']> = [
      ['cache-first', 'hit'],
      ['cache-only', 'hit'],
      ['network-first', 'network'],
      ['network-only', 'network'],
    ];
    it.each(policies)("'%s' with a fresh entry goes to the %s", (policy, where) => {
      const h = createCacheHarness();
      prime(h, URL_A, { 'cache-control': 'max-age=60' });
      if (where === 'hit') expectFullyCached(h, URL_A, { policy });
      else expectNotCached(h, URL_A, { policy });
    });

    it("'cache-only' with nothing usable fails with CacheMissError, without a request", () => {
      const h = createCacheHarness();
      const result = h.read(URL_A, { policy: 'cache-only' });
      expect(result.error).toBeInstanceOf(CacheMissError);
      expect(h.requests).toEqual([]);
    });

    it("'cache-only' serves a stale entry marked stale", () => {
      const h = createCacheHarness();
      prime(h, URL_A, { 'cache-control': 'max-age=1' });
      h.advance(MINUTE);
      expect(expectFullyCached(h, URL_A, { policy: 'cache-only' }).stale).toBe(true);
    });

    it("'network-first' falls back to the stored response when the network fails", () => {
      const h = createCacheHarness();
      prime(h, URL_A, { 'cache-control': 'max-age=60' });
      h.respond(offline);
      expect(h.read(URL_A, { policy: 'network-first' }).values.map(summary)).toEqual(['A:cache:fresh']);
    });

    it("'network-first' revalidates conditionally when it can", () => {
      const h = createCacheHarness();
      prime(h, URL_A, { 'cache-control': 'max-age=60', etag: '"v1"' });
      expectConditionallyCached(h, URL_A, { policy: 'network-first' });
    });

    it("'network-only' still stores what it fetched", () => {
      const h = createCacheHarness();
      h.respond({ status: 200, headers: { 'cache-control': 'max-age=60' }, body: 'A' });
      h.read(URL_A, { policy: 'network-only' });
      expectFullyCached(h, URL_A);
    });
  });

  describe('app-level TTL', () => {
    it("'fallback' gives a response without explicit freshness the TTL", () => {
      const h = createCacheHarness({ ttl: { defaultMs: 5 * SECOND } });
      prime(h, URL_A, { etag: '"v1"', 'last-modified': new Date(0).toUTCString() });
      h.advance(4 * SECOND);
      expectFullyCached(h, URL_A);
      h.advance(2 * SECOND);
      expectConditionallyCached(h, URL_A);
    });

    it("'fallback' leaves explicit server freshness alone", () => {
      const h = createCacheHarness({ ttl: { defaultMs: MINUTE } });
      prime(h, URL_A, { 'cache-control': 'max-age=1', etag: '"v1"' });
      h.advance(2 * SECOND);
      expectConditionallyCached(h, URL_A);
    });

    it("'override' replaces max-age and no-cache", () => {
      const h = createCacheHarness({ ttl: { defaultMs: 5 * SECOND, mode: 'override' } });
      prime(h, URL_A, { 'cache-control': 'max-age=3600', etag: '"v1"' });
      prime(h, 'https://api.example.com/nc', { 'cache-control': 'no-cache', etag: '"v1"' });
      h.advance(4 * SECOND);
      expectFullyCached(h, 'https://api.example.com/nc');
      h.advance(2 * SECOND);
      expectConditionallyCached(h, URL_A);
    });

    it("'override' still never stores no-store", () => {
      const h = createCacheHarness({ ttl: { defaultMs: MINUTE, mode: 'override' } });
      prime(h, URL_A, { 'cache-control': 'no-store' });
      expectNotCached(h, URL_A);
    });

    it('takes the first matching route, then the default', () => {
      const h = createCacheHarness({
        ttl: {
          defaultMs: SECOND,
          routes: [
            { pattern: '/items/*', ttlMs: MINUTE },
            { pattern: /\/users\//, ttlMs: 2 * MINUTE },
          ],
        },
      });
      prime(h, URL_A, {});
      prime(h, 'https://api.example.com/users/7', {});
      prime(h, 'https://api.example.com/other', {});
      h.advance(30 * SECOND);
      expectFullyCached(h, URL_A);
      expectFullyCached(h, 'https://api.example.com/users/7');
      expectNotCached(h, 'https://api.example.com/other');
    });

    it('stores a per-request CACHE_TTL with the entry, and lets a reading request apply its own', () => {
      const h = createCacheHarness();
      h.respond({ status: 200, headers: { etag: '"v1"' }, body: 'A' });
      h.read(URL_A, { ttlMs: 10 * SECOND });
      h.advance(5 * SECOND);
      expectFullyCached(h, URL_A);
      expectConditionallyCached(h, URL_A, { ttlMs: SECOND });
    });
  });

  describe('CacheControls', () => {
    it('invalidate() by path prefix, full URL, RegExp and predicate, at once in memory', () => {
      const h = createCacheHarness();
      const urls = [
        'https://api.example.com/items/1',
        'https://api.example.com/items/2',
        'https://api.example.com/users/1',
        'https://api.example.com/x?draft=1',
      ];
      for (const url of urls) prime(h, url, { 'cache-control': 'max-age=60' });
      h.cache.invalidate('/items/');
      expectNotCached(h, urls[0]);
      expectNotCached(h, urls[1]);
      expectFullyCached(h, urls[2]);
      h.cache.invalidate(/users/);
      h.cache.invalidate((url) => url.includes('draft=1'));
      expectNotCached(h, urls[2]);
      expectNotCached(h, urls[3]);
    });

    it('clear() empties the cache and completes', async () => {
      const h = createCacheHarness();
      prime(h, URL_A, { 'cache-control': 'max-age=60' });
      await lastValueFrom(h.cache.clear());
      expectNotCached(h, URL_A);
    });
  });

  it('runs each subscription anew (cold)', () => {
    const h = createCacheHarness();
    h.respond({ status: 200, headers: { 'cache-control': 'max-age=60' }, body: 'A' });
    const read$ = h.request(URL_A);
    expect(h.requests).toHaveLength(0);
    read$.subscribe();
    read$.subscribe();
    expect(h.requests).toHaveLength(1);
  });
});

/** Subscribes to `factory()` after `ms` of virtual time. */
function later<T>(rx: TestScheduler, ms: number, factory: () => Observable<T>): Observable<T> {
  return timer(ms, rx).pipe(switchMap(factory));
}
