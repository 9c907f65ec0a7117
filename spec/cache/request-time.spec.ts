import { map, mergeMap, throwError, timer, type Observable } from 'rxjs';
import { HttpError } from '../../lib/core/errors';
import type { ApiResponse } from '../../lib/core/response';
import { SECOND, URL_A, createCacheHarness, expectConditionallyCached, expectFullyCached, type CacheHarness } from './helpers';

// RFC 9111 §4.2.3: request_time is when the request that produced the response was sent, so
// waits before the final attempt (auth, retry backoff) are not response delay. The transport
// stamps `requestTime` on what it emits; the cache reads it when present.

const maxAge60 = { 'cache-control': 'max-age=60' };

/** The network answers after `afterMs`; its final attempt went out `sentBeforeMs` before the answer (unstamped when undefined). */
function answerLater(h: CacheHarness, afterMs: number, sentBeforeMs: number | undefined, reply: Partial<ApiResponse> = {}): void {
  const start = h.now();
  const stamp = sentBeforeMs === undefined ? {} : { requestTime: start + afterMs - sentBeforeMs };
  const response$: Observable<ApiResponse> = timer(afterMs, h.rx).pipe(
    map(() => ({ status: 200, headers: maxAge60, body: 'A', url: URL_A, fromCache: false, stale: false, ...reply, ...stamp })),
  );
  h.respond(response$);
}

describe('request time (RFC 9111 §4.2.3)', () => {
  it('counts only the final attempt as response delay when the transport stamps requestTime', () => {
    const h = createCacheHarness();
    answerLater(h, 47 * SECOND, 100); // 47 s of retries; the last attempt took 100 ms
    h.read(URL_A);
    h.advance(47 * SECOND);
    expect(expectFullyCached(h, URL_A).headers.age).toBe('0');
    h.advance(50 * SECOND);
    expectFullyCached(h, URL_A);
  });

  it('counts the whole wait as response delay without a stamp (the time the read went to the network)', () => {
    const h = createCacheHarness();
    answerLater(h, 47 * SECOND, undefined);
    h.read(URL_A);
    h.advance(47 * SECOND);
    expect(expectFullyCached(h, URL_A).headers.age).toBe('47');
  });

  it.each([
    ['before the read went to the network', 60 * SECOND],
    ['after the response arrived', -SECOND],
  ])('ignores a stamp %s (another clock)', (_name, sentBeforeMs) => {
    const h = createCacheHarness();
    answerLater(h, 47 * SECOND, sentBeforeMs);
    h.read(URL_A);
    h.advance(47 * SECOND);
    expect(expectFullyCached(h, URL_A).headers.age).toBe('47');
  });

  it('uses the stamp of a 304 that refreshes a stored response', () => {
    const h = createCacheHarness();
    h.respond({ status: 200, headers: { ...maxAge60, etag: '"v1"' }, body: 'A' });
    h.read(URL_A);
    h.advance(61 * SECOND);
    answerLater(h, 30 * SECOND, 100, { status: 304, headers: { etag: '"v1"' }, body: '' });
    h.read(URL_A);
    h.advance(30 * SECOND);
    expect(expectFullyCached(h, URL_A).headers.age).toBe('0');
    h.advance(59 * SECOND);
    expectFullyCached(h, URL_A);
    h.advance(2 * SECOND);
    expectConditionallyCached(h, URL_A);
  });

  it('uses the stamp of a stored error response (a 404 with max-age)', () => {
    const h = createCacheHarness();
    const start = h.now();
    const gone = Object.assign(new HttpError({ method: 'GET', url: URL_A }, 404, maxAge60, 'gone'), { requestTime: start + 46.9 * SECOND });
    h.respond(timer(47 * SECOND, h.rx).pipe(mergeMap(() => throwError(() => gone))));
    h.read(URL_A);
    h.advance(47 * SECOND);
    const hit = h.read(URL_A);
    expect(hit.error).toMatchObject({ status: 404, headers: expect.objectContaining({ age: '0' }) });
    expect(h.requests).toHaveLength(1);
  });
});
