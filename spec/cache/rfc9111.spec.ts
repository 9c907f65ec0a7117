import { CacheMissError, HttpError, NetworkError } from '../../lib/core/errors';
import type { HeadersInit } from '../../lib/core/headers';
import { httpDate } from '../../lib/cache/freshness';
import { createMemoryCacheStore } from '../../lib/cache/memory.cache-store';
import {
  HOUR,
  MINUTE,
  SECOND,
  T0,
  URL_A,
  createCacheHarness,
  expectConditionallyCached,
  expectFullyCached,
  expectNotCached,
  prime,
  type CacheHarness,
} from './helpers';

/** An HTTP-date relative to the moment the response is primed (T0). */
const at = (offsetMs: number): string => httpDate(T0 + offsetMs);

type Outcome = 'fully cached' | 'conditionally cached' | 'not cached' | 'served from cache as its error';

interface Case {
  readonly rule: string;
  readonly headers: HeadersInit;
  readonly status?: number;
  /** Time between the stored response and the second read. */
  readonly after: number;
  readonly outcome: Outcome;
}

function expectOutcome(h: CacheHarness, outcome: Outcome): void {
  if (outcome === 'served from cache as its error') {
    const before = h.requests.length;
    const result = h.read(URL_A);
    expect(h.requests.length).toBe(before);
    expect(result.error).toBeInstanceOf(HttpError);
  } else if (outcome === 'fully cached') expectFullyCached(h, URL_A);
  else if (outcome === 'conditionally cached') expectConditionallyCached(h, URL_A);
  else expectNotCached(h, URL_A);
}

describe('RFC 9111 through the client (cache layer and every other layer, virtual clock)', () => {
  const cases: Case[] = [
    // §4.2 freshness, §4.2.1 lifetime, §4.2.3 age
    {
      rule: 'serves a response within its max-age without a request (§4.2.1)',
      headers: { 'cache-control': 'max-age=60' },
      after: 30 * SECOND,
      outcome: 'fully cached',
    },
    {
      rule: 'revalidates a response past its max-age with its ETag (§4.2, §4.3.1)',
      headers: { 'cache-control': 'max-age=60', etag: '"v1"' },
      after: 61 * SECOND,
      outcome: 'conditionally cached',
    },
    { rule: 'refetches a stale response without validators (§4.3.1)', headers: { 'cache-control': 'max-age=60' }, after: 61 * SECOND, outcome: 'not cached' },
    {
      rule: 'is stale exactly at max-age (fresh while lifetime > age, §4.2)',
      headers: { 'cache-control': 'max-age=60', etag: '"v1"' },
      after: 60 * SECOND,
      outcome: 'conditionally cached',
    },
    {
      rule: 'counts the Age header into current age (§4.2.3)',
      headers: { 'cache-control': 'max-age=60', age: '50', etag: '"v1"' },
      after: 11 * SECOND,
      outcome: 'conditionally cached',
    },
    {
      rule: 'is still fresh when Age plus resident time is below max-age (§4.2.3)',
      headers: { 'cache-control': 'max-age=60', age: '50' },
      after: 9 * SECOND,
      outcome: 'fully cached',
    },
    {
      rule: 'counts the apparent age from an old Date (§4.2.3)',
      headers: { 'cache-control': 'max-age=60', date: at(-50 * SECOND), etag: '"v1"' },
      after: 11 * SECOND,
      outcome: 'conditionally cached',
    },
    {
      rule: 'ignores a Date in the future for apparent age (§4.2.3: max(0, …))',
      headers: { 'cache-control': 'max-age=60', date: at(HOUR) },
      after: 59 * SECOND,
      outcome: 'fully cached',
    },
    {
      rule: 'prefers max-age over Expires (§4.2.1)',
      headers: { 'cache-control': 'max-age=60', date: at(0), expires: at(-HOUR) },
      after: 30 * SECOND,
      outcome: 'fully cached',
    },
    { rule: 'uses Expires minus Date as lifetime (§4.2.1)', headers: { date: at(0), expires: at(HOUR) }, after: 59 * MINUTE, outcome: 'fully cached' },
    {
      rule: 'revalidates past Expires (§4.2.1)',
      headers: { date: at(0), expires: at(HOUR), etag: '"v1"' },
      after: 61 * MINUTE,
      outcome: 'conditionally cached',
    },
    // The server clock runs an hour ahead: Expires - Date is 30 min, though Expires is 90 min away on the local clock.
    {
      rule: 'judges Expires against the response Date, not the local clock (§4.2.1)',
      headers: { date: at(HOUR), expires: at(HOUR + 30 * MINUTE), etag: '"v1"' },
      after: 45 * MINUTE,
      outcome: 'conditionally cached',
    },
    {
      rule: 'serves within Expires - Date when the server clock is ahead (§4.2.1)',
      headers: { date: at(HOUR), expires: at(HOUR + 30 * MINUTE) },
      after: 20 * MINUTE,
      outcome: 'fully cached',
    },
    { rule: 'treats an invalid Expires as already expired (§5.3)', headers: { expires: '0', etag: '"v1"' }, after: SECOND, outcome: 'conditionally cached' },
    {
      rule: 'treats conflicting duplicate max-age as stale (§4.2.1)',
      headers: { 'cache-control': 'max-age=60, max-age=3600', etag: '"v1"' },
      after: SECOND,
      outcome: 'conditionally cached',
    },
    // §5.2 directives
    { rule: 'matches directive names case-insensitively (§5.2)', headers: { 'cache-control': 'MAX-AGE=60' }, after: 30 * SECOND, outcome: 'fully cached' },
    { rule: 'matches no-store case-insensitively (§5.2)', headers: { 'cache-control': 'No-Store, max-age=60' }, after: SECOND, outcome: 'not cached' },
    { rule: 'never stores no-store (§5.2.2.5)', headers: { 'cache-control': 'no-store, max-age=60', etag: '"v1"' }, after: SECOND, outcome: 'not cached' },
    {
      rule: 'stores no-cache but revalidates before every use (§5.2.2.4)',
      headers: { 'cache-control': 'no-cache', etag: '"v1"' },
      after: 0,
      outcome: 'conditionally cached',
    },
    {
      rule: 'revalidates no-cache even with max-age (§5.2.2.4)',
      headers: { 'cache-control': 'no-cache, max-age=3600', 'last-modified': at(-HOUR) },
      after: SECOND,
      outcome: 'conditionally cached',
    },
    {
      rule: 'treats Pragma: no-cache without Cache-Control as no-cache (§5.4)',
      headers: { pragma: 'no-cache', expires: at(HOUR), etag: '"v1"' },
      after: SECOND,
      outcome: 'conditionally cached',
    },
    {
      rule: 'lets Cache-Control win over Pragma (§5.4)',
      headers: { pragma: 'no-cache', 'cache-control': 'max-age=60' },
      after: SECOND,
      outcome: 'fully cached',
    },
    {
      rule: 'applies must-revalidate only once stale: fresh hits are served (§5.2.2.2)',
      headers: { 'cache-control': 'max-age=60, must-revalidate', etag: '"v1"' },
      after: 30 * SECOND,
      outcome: 'fully cached',
    },
    {
      rule: 'revalidates must-revalidate once stale (§5.2.2.2)',
      headers: { 'cache-control': 'max-age=60, must-revalidate', etag: '"v1"' },
      after: 61 * SECOND,
      outcome: 'conditionally cached',
    },
    {
      rule: 'stores private responses in a private cache (§5.2.2.7)',
      headers: { 'cache-control': 'private, max-age=60' },
      after: 30 * SECOND,
      outcome: 'fully cached',
    },
    {
      rule: 'ignores s-maxage in a private cache (§5.2.2.10)',
      headers: { 'cache-control': 's-maxage=3600, max-age=60', etag: '"v1"' },
      after: 61 * SECOND,
      outcome: 'conditionally cached',
    },
    {
      rule: 'gives immutable no freshness of its own (RFC 8246)',
      headers: { 'cache-control': 'immutable', etag: '"v1"' },
      after: SECOND,
      outcome: 'conditionally cached',
    },
    // §3 storing, §4.2.2 heuristics
    {
      rule: 'stores any final status with explicit freshness (§3)',
      status: 202,
      headers: { 'cache-control': 'max-age=60' },
      after: 30 * SECOND,
      outcome: 'fully cached',
    },
    {
      rule: 'does not store a status that is not heuristically cacheable without explicit freshness (§3)',
      status: 202,
      headers: { 'last-modified': at(-10 * HOUR) },
      after: SECOND,
      outcome: 'not cached',
    },
    {
      rule: 'uses heuristic freshness of 10% since Last-Modified (§4.2.2)',
      headers: { date: at(0), 'last-modified': at(-10 * HOUR) },
      after: 59 * MINUTE,
      outcome: 'fully cached',
    },
    {
      rule: 'revalidates with If-Modified-Since after heuristic freshness ends (§4.2.2)',
      headers: { date: at(0), 'last-modified': at(-10 * HOUR) },
      after: 61 * MINUTE,
      outcome: 'conditionally cached',
    },
    {
      rule: 'uses no heuristic when Expires is present (§4.2.2)',
      headers: { date: at(0), expires: at(MINUTE), 'last-modified': at(-10 * HOUR) },
      after: 2 * MINUTE,
      outcome: 'conditionally cached',
    },
    {
      rule: 'allows heuristics for another status only when public (§4.2.2)',
      status: 202,
      headers: { 'cache-control': 'public', date: at(0), 'last-modified': at(-10 * HOUR) },
      after: 30 * MINUTE,
      outcome: 'fully cached',
    },
    {
      rule: 'stores but never serves unrevalidated a 200 without freshness information (§4.2.2)',
      headers: { etag: '"v1"' },
      after: SECOND,
      outcome: 'conditionally cached',
    },
    // Issue #12 — parsing: Age (§5.1) and HTTP-date (RFC 9110 §5.6.7)
    {
      rule: 'uses the first member of a list-valued or repeated Age (§5.1)',
      headers: { 'cache-control': 'max-age=60', age: '50, 10', etag: '"v1"' },
      after: 11 * SECOND,
      outcome: 'conditionally cached',
    },
    {
      rule: 'ignores a non-integer Age (§5.1: delta-seconds)',
      headers: { 'cache-control': 'max-age=60', age: '50.5' },
      after: 11 * SECOND,
      outcome: 'fully cached',
    },
    { rule: 'ignores a negative Age (§5.1)', headers: { 'cache-control': 'max-age=60', age: '-50' }, after: 11 * SECOND, outcome: 'fully cached' },
    {
      rule: 'caps a huge Age at 2^31 s: stale on arrival beyond every stale window, not kept (§1.2.2, §5.1)',
      headers: { 'cache-control': 'max-age=60', age: '99999999999999999999999', etag: '"v1"' },
      after: SECOND,
      outcome: 'not cached',
    },
    {
      rule: 'reads an RFC 850 Expires, two-digit year by the 50-year rule (RFC 9110 §5.6.7)',
      headers: { date: at(0), expires: 'Wednesday, 01-Jan-25 01:00:00 GMT' },
      after: 59 * MINUTE,
      outcome: 'fully cached',
    },
    {
      rule: 'reads an asctime Expires as GMT (RFC 9110 §5.6.7)',
      headers: { date: at(0), expires: 'Wed Jan  1 01:00:00 2025' },
      after: 59 * MINUTE,
      outcome: 'fully cached',
    },
    {
      rule: 'treats an Expires only Date.parse reads as already expired (§5.3, RFC 9110 §5.6.7)',
      headers: { date: at(0), expires: '2099-01-01', etag: '"v1"' },
      after: SECOND,
      outcome: 'conditionally cached',
    },
    {
      rule: 'treats an Expires naming a day the month lacks as expired (§5.3)',
      headers: { date: at(0), expires: 'Mon, 31 Feb 2099 00:00:00 GMT', etag: '"v1"' },
      after: SECOND,
      outcome: 'conditionally cached',
    },
    {
      rule: 'ignores a Date only Date.parse reads, using the receipt time (§4.2.3, RFC 9110 §6.6.1)',
      headers: { 'cache-control': 'max-age=60', date: '1' },
      after: 30 * SECOND,
      outcome: 'fully cached',
    },
    {
      rule: 'derives no heuristic freshness from a Last-Modified only Date.parse reads (§4.2.2)',
      headers: { date: at(0), 'last-modified': '2020-01-01' },
      after: SECOND,
      outcome: 'conditionally cached',
    },
    // Issue #12 — storing more: must-understand (§5.2.2.3), error statuses (§3)
    {
      rule: 'stores must-understand with an understood status despite no-store (§5.2.2.3)',
      headers: { 'cache-control': 'no-store, must-understand, max-age=60' },
      after: 30 * SECOND,
      outcome: 'fully cached',
    },
    {
      rule: 'never stores must-understand with a status it does not understand (§5.2.2.3)',
      status: 202,
      headers: { 'cache-control': 'must-understand, max-age=60' },
      after: SECOND,
      outcome: 'not cached',
    },
    { rule: 'keeps no-store without must-understand (§5.2.2.5)', headers: { 'cache-control': 'no-store, max-age=60' }, after: SECOND, outcome: 'not cached' },
    {
      rule: 'stores a 503 with max-age and reuses it while fresh (§3)',
      status: 503,
      headers: { 'cache-control': 'max-age=60' },
      after: 30 * SECOND,
      outcome: 'served from cache as its error',
    },
    {
      rule: 'stores a 500 with Expires (§3)',
      status: 500,
      headers: { date: at(0), expires: at(MINUTE) },
      after: 30 * SECOND,
      outcome: 'served from cache as its error',
    },
    {
      rule: 'stores a 504 with max-age (§3)',
      status: 504,
      headers: { 'cache-control': 'max-age=60' },
      after: 30 * SECOND,
      outcome: 'served from cache as its error',
    },
    {
      rule: 'stores a 599 with max-age (§3: any final status with explicit freshness)',
      status: 599,
      headers: { 'cache-control': 'max-age=60' },
      after: 30 * SECOND,
      outcome: 'served from cache as its error',
    },
    {
      rule: 'stores a 501 heuristically (cacheable by default, RFC 9110 §15.6.2)',
      status: 501,
      headers: { date: at(0), 'last-modified': at(-10 * HOUR) },
      after: 30 * MINUTE,
      outcome: 'served from cache as its error',
    },
    { rule: 'does not store a 503 without explicit freshness (§3)', status: 503, headers: {}, after: SECOND, outcome: 'not cached' },
    {
      rule: 'refreshes a stored 503 once it is stale (§4.2)',
      status: 503,
      headers: { 'cache-control': 'max-age=60' },
      after: 61 * SECOND,
      outcome: 'not cached',
    },
    // Issue #12 — malformed fields end in a defined decision, never an exception
    {
      rule: 'treats a max-age without a value as stale (§1.2.2, §4.2.1)',
      headers: { 'cache-control': 'max-age', etag: '"v1"' },
      after: SECOND,
      outcome: 'conditionally cached',
    },
    {
      rule: 'treats a negative max-age as stale (§1.2.2)',
      headers: { 'cache-control': 'max-age=-1', etag: '"v1"' },
      after: SECOND,
      outcome: 'conditionally cached',
    },
    {
      rule: 'caps a huge max-age at 2^31 s (§1.2.2)',
      headers: { 'cache-control': 'max-age=99999999999999999999999' },
      after: 365 * 24 * HOUR,
      outcome: 'fully cached',
    },
    {
      rule: 'treats a quoted max-age as its value (§5.2: quoted-string tolerated)',
      headers: { 'cache-control': 'max-age="60"' },
      after: 30 * SECOND,
      outcome: 'fully cached',
    },
    {
      rule: 'ignores unknown directives and empty members (§5.2.3)',
      headers: { 'cache-control': ', ,x-foo=bar,max-age=60,,' },
      after: 30 * SECOND,
      outcome: 'fully cached',
    },
    {
      rule: 'treats duplicate identical max-age as one (§4.2.1)',
      headers: { 'cache-control': 'max-age=60, max-age=60' },
      after: 30 * SECOND,
      outcome: 'fully cached',
    },
    {
      rule: 'treats a stale-while-revalidate without a value as no window (RFC 5861)',
      headers: { 'cache-control': 'max-age=1, stale-while-revalidate', etag: '"v1"' },
      after: 2 * SECOND,
      outcome: 'conditionally cached',
    },
    { rule: 'treats an empty Vary as no Vary (§4.1)', headers: { 'cache-control': 'max-age=60', vary: ' , ' }, after: 30 * SECOND, outcome: 'fully cached' },
  ];

  it.each(cases)('$rule', ({ headers, status, after, outcome }) => {
    const h = createCacheHarness({}, { through: 'client' });
    prime(h, URL_A, headers, 'A', status ?? 200);
    h.advance(after);
    expectOutcome(h, outcome);
  });

  describe('staying honest (issue #12)', () => {
    const swr = { 'cache-control': 'max-age=60, stale-while-revalidate=30', etag: '"v1"' };
    const sie = { 'cache-control': 'max-age=60, stale-if-error=30' };
    const down = (): HttpError => new HttpError({ method: 'GET', url: URL_A }, 503, {}, 'down');

    it('serves stale-while-revalidate while stale by less than its window, exact to the millisecond (RFC 5861 §3)', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, swr);
      h.advance(60 * SECOND + 30 * SECOND - 1);
      h.respond({ status: 304, headers: { etag: '"v1"' } });
      const within = h.read(URL_A);
      expect(within.values.map((v) => [v.fromCache, v.stale])).toEqual([[true, true]]);
    });

    it('revalidates and waits once stale by the whole window (RFC 5861 §3)', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, swr);
      h.advance(90 * SECOND);
      expectConditionallyCached(h, URL_A);
    });

    it('serves stale-if-error on a 503 while stale by less than its window, and the error at its end (RFC 5861 §4)', () => {
      const within = createCacheHarness({}, { through: 'client' });
      prime(within, URL_A, sie);
      within.advance(90 * SECOND - 1);
      within.respond(down());
      expect(within.read(URL_A).values.map((v) => [v.body, v.stale])).toEqual([['A', true]]);
      const beyond = createCacheHarness({}, { through: 'client' });
      prime(beyond, URL_A, sie);
      beyond.advance(90 * SECOND);
      beyond.respond(down());
      expect(beyond.read(URL_A).error).toMatchObject({ status: 503 });
    });

    it.each([
      ['must-revalidate', 'max-age=60, must-revalidate, stale-if-error=600, stale-while-revalidate=600'],
      ['no-cache', 'no-cache, stale-if-error=600, stale-while-revalidate=600'],
    ])('never answers stale under %s without a successful validation (§5.2.2.2, §5.2.2.4)', (_name, cacheControl) => {
      const h = createCacheHarness({ staleFallback: 'any-error' }, { through: 'client' });
      prime(h, URL_A, { 'cache-control': cacheControl, etag: '"v1"' });
      h.advance(61 * SECOND);
      h.respond(down());
      const result = h.read(URL_A);
      expect(result.values).toEqual([]);
      expect(result.error).toMatchObject({ status: 503 });
    });

    it('an unstorable 5xx evicts nothing: the stored response still serves stale offline afterwards (§3, §4.2.4)', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, { 'cache-control': 'max-age=60', etag: '"v1"' });
      h.advance(2 * MINUTE);
      h.respond(down());
      expect(h.read(URL_A).error).toMatchObject({ status: 503 });
      h.respond(new NetworkError({ method: 'GET', url: URL_A }, 'not-sent'));
      expect(h.read(URL_A).values.map((v) => [v.body, v.stale])).toEqual([['A', true]]);
    });
  });

  describe('validators (§4.3.1)', () => {
    it('sends the stored ETag as If-None-Match', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, { 'cache-control': 'max-age=0', etag: 'W/"v1"' });
      const revalidation = expectConditionallyCached(h, URL_A);
      expect(revalidation.headers['if-none-match']).toBe('W/"v1"');
      expect(revalidation.headers['if-modified-since']).toBeUndefined();
    });

    it('sends the stored Last-Modified as If-Modified-Since', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, { 'cache-control': 'no-cache', 'last-modified': at(-HOUR) });
      const revalidation = expectConditionallyCached(h, URL_A);
      expect(revalidation.headers['if-modified-since']).toBe(at(-HOUR));
    });

    it('passes a request carrying its own If-None-Match through, untouched and unstored', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, { 'cache-control': 'max-age=60', etag: '"v1"' });
      h.respond({ status: 304, headers: { etag: '"v1"' } });
      const result = h.read(URL_A, { headers: { 'If-None-Match': '"mine"' } });
      expect(result.values.map((v) => v.status)).toEqual([304]);
      expect(h.requests.at(-1)?.headers['if-none-match']).toBe('"mine"');
      expectFullyCached(h, URL_A);
    });
  });

  describe('304 handling (§3.2, §4.3.4)', () => {
    it('replaces stored header fields with those of the 304 and adds new ones', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, { 'cache-control': 'max-age=60', etag: '"v1"', 'x-version': '1', 'content-type': 'text/plain' });
      h.advance(2 * MINUTE);
      expectConditionallyCached(h, URL_A, { notModifiedHeaders: { 'cache-control': 'max-age=600', 'x-version': '2', 'x-new': 'yes', date: h.date() } });
      h.advance(5 * MINUTE);
      const hit = expectFullyCached(h, URL_A);
      expect(hit.headers).toMatchObject({ 'cache-control': 'max-age=600', 'x-version': '2', 'x-new': 'yes', etag: '"v1"', 'content-type': 'text/plain' });
    });

    it('keeps the stored Content-Length and Content-Encoding of the stored body', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, { 'cache-control': 'no-cache', etag: '"v1"', 'content-length': '1', 'content-encoding': 'gzip' });
      h.respond({ status: 304, headers: { 'content-length': '0', 'content-encoding': 'identity' } });
      const served = h.read(URL_A).values[0];
      expect(served?.headers).toMatchObject({ 'content-length': '1', 'content-encoding': 'gzip' });
      expect(served?.body).toBe('A');
    });

    it('refreshes freshness from the revalidation time', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, { 'cache-control': 'max-age=60', etag: '"v1"' });
      h.advance(2 * MINUTE);
      expectConditionallyCached(h, URL_A, { notModifiedHeaders: { date: h.date() } });
      h.advance(30 * SECOND);
      expectFullyCached(h, URL_A);
    });

    it('refetches without validators when a 304 carries another strong ETag (§4.3.4)', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, { 'cache-control': 'no-cache', etag: '"v1"' });
      h.respond({ status: 304, headers: { etag: '"v2"' } }, { status: 200, headers: { etag: '"v2"' }, body: 'B' });
      const result = h.read(URL_A);
      expect(result.values.map((v) => v.body)).toEqual(['B']);
      expect(h.requests.slice(1).map((r) => r.headers['if-none-match'])).toEqual(['"v1"', undefined]);
    });

    it('replaces the stored response when revalidation answers 200', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, { 'cache-control': 'max-age=60', etag: '"v1"' });
      h.advance(2 * MINUTE);
      h.respond({ status: 200, headers: { 'cache-control': 'max-age=60', etag: '"v2"' }, body: 'B' });
      expect(h.read(URL_A).values.map((v) => [v.fromCache, v.body])).toEqual([[false, 'B']]);
      expect(expectFullyCached(h, URL_A).body).toBe('B');
      expect(h.events.filter((e) => e.type === 'revalidated')).toEqual([expect.objectContaining({ changed: true })]);
    });
  });

  describe('stored header fields (§3.1, §5.1)', () => {
    it('keeps every stored field, Date included, and reports the current Age on a hit', () => {
      const h = createCacheHarness({}, { through: 'client' });
      const date = at(-10 * SECOND);
      prime(h, URL_A, { 'cache-control': 'max-age=60', date, 'x-trace': 't1', age: '15' });
      h.advance(20 * SECOND);
      const hit = expectFullyCached(h, URL_A);
      expect(hit.headers.date).toBe(date);
      expect(hit.headers['x-trace']).toBe('t1');
      expect(hit.headers.age).toBe('35'); // max(apparent 10 s, Age 15 s) + 20 s resident (§4.2.3)
    });

    it('adds a Date to a response received without one (RFC 9110 §6.6.1)', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, { 'cache-control': 'max-age=60' });
      expect(expectFullyCached(h, URL_A).headers.date).toBe(at(0));
    });
  });

  describe('Vary (§4.1)', () => {
    const varied = { 'cache-control': 'max-age=60', vary: 'Accept-Language' };

    it('serves the stored response to a request with the same selecting header', () => {
      const h = createCacheHarness({}, { through: 'client' });
      h.respond({ status: 200, headers: varied, body: 'A' });
      h.read(URL_A, { headers: { 'accept-language': 'fr' } });
      expectFullyCached(h, URL_A, { headers: { 'Accept-Language': 'fr' } });
    });

    it('goes to the network for a different selecting header', () => {
      const h = createCacheHarness({}, { through: 'client' });
      h.respond({ status: 200, headers: varied, body: 'A' });
      h.read(URL_A, { headers: { 'accept-language': 'fr' } });
      expectNotCached(h, URL_A, { headers: { 'accept-language': 'de' } });
      expectNotCached(h, URL_A);
    });

    it('keeps responses that differ by a Vary field side by side under one URL (§4.1)', () => {
      const h = createCacheHarness({}, { through: 'client' });
      h.respond({ status: 200, headers: varied, body: 'fr' }, { status: 200, headers: varied, body: 'de' });
      h.read(URL_A, { headers: { 'accept-language': 'fr' } });
      h.read(URL_A, { headers: { 'accept-language': 'de' } });
      expect(expectFullyCached(h, URL_A, { headers: { 'accept-language': 'fr' } }).body).toBe('fr');
      expect(expectFullyCached(h, URL_A, { headers: { 'accept-language': 'de' } }).body).toBe('de');
      expectNotCached(h, URL_A, { headers: { 'accept-language': 'it' } });
    });

    it('selects the most recent of several matching stored responses, by Date (§4.1)', () => {
      const h = createCacheHarness({}, { through: 'client' });
      h.respond({ status: 200, headers: { 'cache-control': 'max-age=600', vary: 'Accept' }, body: 'by accept' });
      h.read(URL_A, { headers: { accept: 'text/csv', 'accept-language': 'fr' } });
      h.advance(SECOND);
      h.respond({ status: 200, headers: varied, body: 'by language' });
      h.read(URL_A, { headers: { accept: 'application/json', 'accept-language': 'de' } });
      // Both select this request; the one received last has the newer Date.
      expect(expectFullyCached(h, URL_A, { headers: { accept: 'text/csv', 'accept-language': 'de' } }).body).toBe('by language');
      expect(expectFullyCached(h, URL_A, { headers: { accept: 'text/csv', 'accept-language': 'it' } }).body).toBe('by accept');
    });

    it('revalidates the variant that was selected, with its own validators, and keeps the others (§4.1, §4.3.1)', () => {
      const h = createCacheHarness({}, { through: 'client' });
      const tagged = (tag: string) => ({ 'cache-control': 'max-age=60', vary: 'Accept-Language', etag: tag });
      h.respond({ status: 200, headers: tagged('"fr"'), body: 'fr' }, { status: 200, headers: tagged('"de"'), body: 'de' });
      h.read(URL_A, { headers: { 'accept-language': 'fr' } });
      h.read(URL_A, { headers: { 'accept-language': 'de' } });
      h.advance(61 * SECOND);
      const sent = expectConditionallyCached(h, URL_A, { headers: { 'accept-language': 'de' }, notModifiedHeaders: { etag: '"de"' }, storedBody: 'de' });
      expect(sent.headers['if-none-match']).toBe('"de"');
      expect(expectConditionallyCached(h, URL_A, { headers: { 'accept-language': 'fr' }, storedBody: 'fr' }).headers['if-none-match']).toBe('"fr"');
    });

    it('removes every variant when the URL is invalidated: unsafe method, invalidate(), account switch (§4.4)', () => {
      const h = createCacheHarness({}, { through: 'client' });
      const storeBoth = (): void => {
        h.respond({ status: 200, headers: varied, body: 'fr' }, { status: 200, headers: varied, body: 'de' });
        h.read(URL_A, { headers: { 'accept-language': 'fr' } });
        h.read(URL_A, { headers: { 'accept-language': 'de' } });
      };
      storeBoth();
      h.respond({ status: 204 });
      h.read(URL_A, { method: 'POST' });
      expectNotCached(h, URL_A, { headers: { 'accept-language': 'fr' } });
      expectNotCached(h, URL_A, { headers: { 'accept-language': 'de' } });
      storeBoth();
      h.cache.invalidate('/items/1').subscribe();
      expectNotCached(h, URL_A, { headers: { 'accept-language': 'fr' } });
      expectNotCached(h, URL_A, { headers: { 'accept-language': 'de' } });
    });

    it('keeps variants side by side in the persistent tier: both answer after a restart (§4.1)', () => {
      const store = createMemoryCacheStore();
      const h = createCacheHarness({ store }, { through: 'client' });
      h.respond({ status: 200, headers: varied, body: 'fr' }, { status: 200, headers: varied, body: 'de' });
      h.read(URL_A, { headers: { 'accept-language': 'fr' } });
      h.read(URL_A, { headers: { 'accept-language': 'de' } });
      h.advance(0);
      const restarted = createCacheHarness({ store }, { through: 'client', rx: h.rx });
      expect(expectFullyCached(restarted, URL_A, { headers: { 'accept-language': 'de' } }).body).toBe('de');
      expect(expectFullyCached(restarted, URL_A, { headers: { 'accept-language': 'fr' } }).body).toBe('fr');
      expectNotCached(restarted, URL_A, { headers: { 'accept-language': 'it' } });
    });

    it('bounds the variants of one URL (maxVariants, default 8): a hostile Vary cannot fill the cache', () => {
      const store = createMemoryCacheStore();
      const h = createCacheHarness({ store }, { through: 'client' });
      const perRequest = { 'cache-control': 'max-age=600', vary: 'X-Request-Id' };
      for (let n = 1; n <= 9; n++) {
        h.respond({ status: 200, headers: perRequest, body: `v${n}` });
        h.read(URL_A, { headers: { 'x-request-id': String(n) } });
      }
      h.advance(0);
      expect([...store.entries.keys()].filter((key) => key.includes('/items/1'))).toHaveLength(8);
      // The oldest went; asking for it again stores it anew, and drops the next oldest.
      h.respond({ status: 200, headers: perRequest, body: 'v1 again' });
      expect(h.read(URL_A, { headers: { 'x-request-id': '1' } }).values.map((v) => [v.body, v.fromCache])).toEqual([['v1 again', false]]);
      for (let n = 3; n <= 9; n++) expect(expectFullyCached(h, URL_A, { headers: { 'x-request-id': String(n) } }).body).toBe(`v${n}`);
      expect(expectFullyCached(h, URL_A, { headers: { 'x-request-id': '1' } }).body).toBe('v1 again');
      expectNotCached(h, URL_A, { headers: { 'x-request-id': '2' } });
    });

    it('never stores Vary: *', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, { 'cache-control': 'max-age=60', vary: '*' });
      expectNotCached(h, URL_A);
    });

    it("keys Vary: Authorization for rxsync's own token by user partition (the token is added below the cache)", () => {
      const h = createCacheHarness(); // the layer alone: the test switches partitions by hand
      h.respond({ status: 200, headers: { 'cache-control': 'max-age=60', vary: 'Authorization' }, body: 'A' });
      h.read(URL_A);
      expectFullyCached(h, URL_A);
      h.setPartition('user-b');
      expectNotCached(h, URL_A);
    });

    it.each([
      ['Authorization', 'authorization', 'Bearer alice', 'Bearer bob'],
      ['Cookie', 'cookie', 'session=alice', 'session=bob'],
    ])("honours Vary: %s for a credential the app set itself: Bob never gets Alice's response (issue #7)", (vary, field, alice, bob) => {
      const h = createCacheHarness({}, { through: 'client' });
      h.respond({ status: 200, headers: { 'cache-control': 'private, max-age=60', vary }, body: 'alice data' });
      h.read(URL_A, { headers: { [field]: alice } });
      expectFullyCached(h, URL_A, { headers: { [field]: alice } });
      expectNotCached(h, URL_A, { headers: { [field]: bob } });
      expectNotCached(h, URL_A);
      // Side by side (§4.1): each one's own response, never the other's.
      h.respond({ status: 200, headers: { 'cache-control': 'private, max-age=60', vary }, body: 'bob data' });
      h.read(URL_A, { headers: { [field]: bob } });
      expect(expectFullyCached(h, URL_A, { headers: { [field]: alice } }).body).toBe('alice data');
      expect(expectFullyCached(h, URL_A, { headers: { [field]: bob } }).body).toBe('bob data');
    });

    it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])(
      'handles Vary: %s like any header name: stored, matched, readable after a restart (issue #7)',
      (name) => {
        const store = createMemoryCacheStore();
        const h = createCacheHarness({ store }, { through: 'client' });
        h.respond({ status: 200, headers: { 'cache-control': 'max-age=60', vary: name }, body: 'A' });
        const first = h.read(URL_A);
        expect(first.error).toBeUndefined();
        expect(first.values.map((v) => v.body)).toEqual(['A']);
        expectFullyCached(h, URL_A);
        h.advance(0);
        // The persisted entry (varyHeaders with such a key, or none) reads back after a restart.
        const restarted = createCacheHarness({ store }, { through: 'client', rx: h.rx });
        expectFullyCached(restarted, URL_A);
      },
    );
  });

  describe('request directives (§5.2.1)', () => {
    const fresh = { 'cache-control': 'max-age=600', etag: '"v1"' };

    it('revalidates a fresh response for Cache-Control: no-cache (§5.2.1.4)', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, fresh);
      expectConditionallyCached(h, URL_A, { headers: { 'cache-control': 'no-cache' } });
    });

    it('revalidates a response older than the request max-age (§5.2.1.1)', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, fresh);
      h.advance(10 * SECOND);
      expectConditionallyCached(h, URL_A, { headers: { 'cache-control': 'max-age=5' } });
    });

    it('revalidates when less freshness remains than min-fresh (§5.2.1.3)', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, fresh);
      h.advance(9 * MINUTE);
      expectConditionallyCached(h, URL_A, { headers: { 'cache-control': 'min-fresh=120' } });
    });

    it('serves a stale response within max-stale (§5.2.1.2)', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, fresh);
      h.advance(11 * MINUTE);
      expect(expectFullyCached(h, URL_A, { headers: { 'cache-control': 'max-stale=120' } }).stale).toBe(true);
    });

    it('does not serve must-revalidate stale even for max-stale (§5.2.2.2)', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, { ...fresh, 'cache-control': 'max-age=600, must-revalidate' });
      h.advance(11 * MINUTE);
      expectConditionallyCached(h, URL_A, { headers: { 'cache-control': 'max-stale' } });
    });

    it('answers only-if-cached with nothing stored by CacheMissError (§5.2.1.7)', () => {
      const h = createCacheHarness({}, { through: 'client' });
      const result = h.read(URL_A, { headers: { 'cache-control': 'only-if-cached' } });
      expect(result.error).toBeInstanceOf(CacheMissError);
      expect(h.requests).toEqual([]);
    });

    it('does not store the response to a no-store request, and keeps what was stored (§5.2.1.5)', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, fresh);
      h.respond({ status: 200, headers: fresh, body: 'B' });
      h.read(URL_A, { headers: { 'cache-control': 'no-store, no-cache' } });
      expect(expectFullyCached(h, URL_A).body).toBe('A');
    });
  });

  describe('invalidation by unsafe methods (§4.4)', () => {
    const stored = { 'cache-control': 'max-age=600' };
    const OTHER = 'https://api.example.com/items';

    it.each(['POST', 'PUT', 'PATCH', 'DELETE'] as const)('invalidates the target URI after a successful %s', (method) => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, stored);
      h.respond({ status: 204 });
      h.read(URL_A, { method, body: { name: 'x' } });
      expectNotCached(h, URL_A);
    });

    it('invalidates a same-origin Location and Content-Location', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, stored);
      prime(h, OTHER, stored);
      h.respond({ status: 201, headers: { location: '/items/1', 'content-location': OTHER } });
      h.read('https://api.example.com/items/new', { method: 'POST' });
      expectNotCached(h, URL_A);
      expectNotCached(h, OTHER);
    });

    it("never invalidates another origin's Location", () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, 'https://other.example.com/items/1', stored);
      h.respond({ status: 201, headers: { location: 'https://other.example.com/items/1' } });
      h.read('https://api.example.com/items', { method: 'POST' });
      expectFullyCached(h, 'https://other.example.com/items/1');
    });

    it('keeps the stored response when the unsafe request fails', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, stored);
      h.respond({ status: 409 });
      expect(h.read(URL_A, { method: 'PUT' }).error).toBeInstanceOf(HttpError);
      expectFullyCached(h, URL_A);
    });
  });

  it('stores a 404 with explicit freshness and replays it as HttpError (§3)', () => {
    const h = createCacheHarness({}, { through: 'client' });
    const first = prime(h, URL_A, { 'cache-control': 'max-age=60' }, { message: 'gone' }, 404);
    expect(first).toBeInstanceOf(HttpError);
    const again = h.read(URL_A);
    expect(h.requests).toHaveLength(1);
    expect(again.error).toMatchObject({ name: 'HttpError', status: 404, body: { message: 'gone' } });
  });

  describe('HEAD (§4.3.5, RFC 9110 §9.3.2)', () => {
    const tagged = { 'cache-control': 'max-age=60', etag: '"v1"', 'content-length': '1' };
    const head = (h: CacheHarness, headers: HeadersInit = {}) => h.read(URL_A, { method: 'HEAD', headers });

    it('answers HEAD from a fresh stored GET response, with its header fields and no body (§4.3.5)', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, tagged);
      h.advance(10 * SECOND);
      const res = expectFullyCached(h, URL_A, { method: 'HEAD' });
      expect(res).toMatchObject({ status: 200, body: null, fromCache: true, stale: false });
      expect(res.headers).toMatchObject({ etag: '"v1"', age: '10', 'content-length': '1' });
      expect(expectFullyCached(h, URL_A).body).toBe('A'); // the GET response keeps its body
    });

    it('answers HEAD from the stored GET variant its Vary fields select (§4.1, §4.3.5)', () => {
      const h = createCacheHarness({}, { through: 'client' });
      const varied = { ...tagged, vary: 'Accept-Language' };
      h.respond({ status: 200, headers: { ...varied, etag: '"fr"' }, body: 'fr' }, { status: 200, headers: { ...varied, etag: '"de"' }, body: 'de' });
      h.read(URL_A, { headers: { 'accept-language': 'fr' } });
      h.read(URL_A, { headers: { 'accept-language': 'de' } });
      expect(expectFullyCached(h, URL_A, { method: 'HEAD', headers: { 'accept-language': 'de' } }).headers.etag).toBe('"de"');
    });

    it('goes to the network for HEAD when the stored GET response is stale, then a matching 200 refreshes its header fields and freshness (§4.3.5, §3.2)', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, tagged);
      h.advance(61 * SECOND);
      h.respond({ status: 200, headers: { ...tagged, 'cache-control': 'max-age=120', 'x-checked': 'yes' } });
      const answered = head(h);
      expect(answered.values.map((v) => [v.status, v.fromCache])).toEqual([[200, false]]);
      expect(h.requests.map((r) => r.method)).toEqual(['GET', 'HEAD']);
      h.advance(100 * SECOND);
      const res = expectFullyCached(h, URL_A);
      expect(res.body).toBe('A');
      expect(res.headers).toMatchObject({ 'x-checked': 'yes', 'cache-control': 'max-age=120', age: '100' });
    });

    it('considers the stored GET response stale when a 200 to HEAD carries another ETag (§4.3.5)', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, tagged);
      h.respond({ status: 200, headers: { ...tagged, etag: '"v2"' } });
      head(h, { 'cache-control': 'no-cache' });
      expectNotCached(h, URL_A);
    });

    it('considers the stored GET response stale when a 200 to HEAD carries another Content-Length (§4.3.5)', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, tagged);
      h.respond({ status: 200, headers: { ...tagged, 'content-length': '2' } });
      head(h, { 'cache-control': 'no-cache' });
      expectNotCached(h, URL_A);
    });

    it('keeps the stored GET response when the HEAD answer is an error (only a 200 freshens or invalidates, §4.3.5)', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, { ...tagged, 'cache-control': 'max-age=600' });
      h.respond({ status: 500 });
      expect(head(h, { 'cache-control': 'no-cache' }).error).toBeInstanceOf(HttpError);
      expect(expectFullyCached(h, URL_A).body).toBe('A');
    });

    it('still stores a HEAD response for later HEAD requests, and never answers a GET with it (RFC 9110 §9.3.2)', () => {
      const h = createCacheHarness({}, { through: 'client' });
      h.respond({ status: 200, headers: { 'cache-control': 'max-age=60' } });
      head(h);
      expectFullyCached(h, URL_A, { method: 'HEAD' });
      expectNotCached(h, URL_A);
    });
  });

  describe('partial content (§3.3, §3.4): decided against, so Range passes through and harms nothing', () => {
    const part = { 'cache-control': 'max-age=60', 'content-range': 'bytes 0-0/1', etag: '"v1"' };

    it('sends a Range request even when a fresh full response is stored, and hands its 206 to the app untouched', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, { 'cache-control': 'max-age=60', etag: '"v1"' });
      h.respond({ status: 206, headers: part, body: 'A'.slice(0, 1) });
      const before = h.requests.length;
      const ranged = h.read(URL_A, { headers: { range: 'bytes=0-0' } });
      expect(h.requests.slice(before).map((r) => [r.headers['range'], r.headers['if-none-match']])).toEqual([['bytes=0-0', undefined]]);
      expect(ranged.values.map((v) => [v.status, v.fromCache, v.headers['content-range']])).toEqual([[206, false, 'bytes 0-0/1']]);
    });

    it('never lets a 206 replace or evict the stored full response', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, { 'cache-control': 'max-age=60', etag: '"v1"' });
      h.respond({ status: 206, headers: part, body: 'A' });
      h.read(URL_A, { headers: { range: 'bytes=0-0' } });
      expect(expectFullyCached(h, URL_A).status).toBe(200);
    });

    it('never stores a 206 that reaches it without a Range of the app', () => {
      const h = createCacheHarness({}, { through: 'client' });
      prime(h, URL_A, part, 'A', 206);
      expectNotCached(h, URL_A);
    });
  });
});
