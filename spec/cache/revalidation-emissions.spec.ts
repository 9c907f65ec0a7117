import { map, switchMap, timer, type Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import type { ApiResponse } from '../../lib/core/response';
import { createTestScheduler } from '../helpers/marbles';
import { SECOND, URL_A, createCacheHarness, expectFullyCached, summary } from './helpers';

// A revalidation after a cached value was emitted (stale-while-revalidate, cache-and-network)
// emits a second value only when the body changed: a 304, or a 200 deep-equal to the stored body
// (servers without validators), adds nothing; the stored entry is refreshed either way.

const swr = { 'cache-control': 'max-age=1, stale-while-revalidate=60' };
const item = (): { id: number; tags: string[] } => ({ id: 1, tags: ['a'] });
const ok = (body: unknown, headers: Record<string, string>): ApiResponse => ({ status: 200, headers, body, url: URL_A, fromCache: false, stale: false });
const describeBody = (res: ApiResponse): string => `${JSON.stringify(res.body)}:${res.fromCache ? 'cache' : 'net'}`;

describe('the second value of a background revalidation', () => {
  it('is not emitted when stale-while-revalidate gets a 200 with a deep-equal body', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const h = createCacheHarness({}, { rx });
      h.respond({ status: 200, headers: swr, body: item() });
      h.read(URL_A);
      h.respond(cold('--r|', { r: ok(item(), swr) }));
      expectObservable(later(rx, 2 * SECOND, () => h.request(URL_A)).pipe(map(describeBody))).toBe('2000ms s--|', { s: '{"id":1,"tags":["a"]}:cache' });
    });
  });

  it('refreshes the stored entry all the same, so the next read is fresh', () => {
    const h = createCacheHarness();
    h.respond({ status: 200, headers: swr, body: item() }, { status: 200, headers: { 'cache-control': 'max-age=60' }, body: item() });
    h.read(URL_A);
    h.advance(2 * SECOND);
    expect(h.read(URL_A).values.map(summary)).toEqual(['[object Object]:cache:stale']);
    expect(expectFullyCached(h, URL_A).stale).toBe(false);
    expect(h.events.filter((e) => e.type === 'revalidated')).toEqual([]);
  });

  it("is not emitted by 'cache-and-network' for a deep-equal body, and is for a changed one", () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const h = createCacheHarness({}, { rx });
      const fresh = { 'cache-control': 'max-age=60' };
      h.respond({ status: 200, headers: fresh, body: item() });
      h.read(URL_A);
      h.respond(cold('-n|', { n: ok(item(), fresh) }), cold('-n|', { n: ok({ id: 1, tags: ['b'] }, fresh) }));
      const values = { c: '{"id":1,"tags":["a"]}:cache', n: '{"id":1,"tags":["b"]}:net' };
      expectObservable(h.request(URL_A, { policy: 'cache-and-network' }).pipe(map(describeBody))).toBe('c-|', values);
      expectObservable(later(rx, 5, () => h.request(URL_A, { policy: 'cache-and-network' })).pipe(map(describeBody))).toBe('-----cn|', values);
    });
  });

  it("reports a conditional revalidation answered by an equal 200 as 'revalidated', unchanged", () => {
    const h = createCacheHarness();
    const withEtag = { ...swr, etag: '"v1"' };
    h.respond({ status: 200, headers: withEtag, body: item() }, { status: 200, headers: { ...withEtag, etag: '"v2"' }, body: item() });
    h.read(URL_A);
    h.advance(2 * SECOND);
    expect(h.read(URL_A).values).toHaveLength(1);
    expect(h.events.filter((e) => e.type === 'revalidated')).toEqual([expect.objectContaining({ changed: false })]);
  });
});

function later<T>(rx: TestScheduler, ms: number, factory: () => Observable<T>): Observable<T> {
  return timer(ms, rx).pipe(switchMap(factory));
}
