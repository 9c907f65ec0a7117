import type { HeaderMap } from '../../lib/core/headers';
import type { FetchPolicy, StaleFallback } from '../../lib/cache/cache-config';
import { decideCache, servableOnFailure, type DecisionOptions, type FailureKind } from '../../lib/cache/cache-decision';
import { hydrate, storedHeaders, type StoredResponse } from '../../lib/cache/cache-entry';

const T0 = Date.UTC(2025, 0, 1);
const S = 1000;
const options: DecisionOptions = { ttlMode: 'fallback', requestTtlMs: undefined, maxStaleMs: 60 * S, staleFallback: 'unreachable' };

function stored(headers: HeaderMap, varyHeaders: Record<string, string> = {}): StoredResponse {
  return hydrate(
    {
      v: 1,
      key: 'k',
      url: '/x',
      method: 'GET',
      status: 200,
      headers: storedHeaders(headers, T0),
      body: 'A',
      storedAt: T0,
      requestTime: T0,
      responseTime: T0,
      varyHeaders,
      size: 1,
    },
    options,
  );
}

const FRESH = { 'cache-control': 'max-age=60', etag: '"1"' };
const STALE_AT = T0 + 61 * S;

describe('decideCache', () => {
  it.each<[string, StoredResponse | undefined, HeaderMap, number, FetchPolicy, string]>([
    ['a miss goes to the network', undefined, {}, T0, 'cache-first', 'network:miss:false:false'],
    ['a fresh entry is served', stored(FRESH), {}, T0, 'cache-first', 'fresh'],
    ['a stale entry with a validator is revalidated', stored(FRESH), {}, STALE_AT, 'cache-first', 'network:stale:true:true'],
    [
      'a stale entry without validator is refetched, with fallback',
      stored({ 'cache-control': 'max-age=60' }),
      {},
      STALE_AT,
      'cache-first',
      'network:stale:false:true',
    ],
    [
      'stale within stale-while-revalidate is served and revalidated',
      stored({ 'cache-control': 'max-age=60, stale-while-revalidate=30', etag: '"1"' }),
      {},
      STALE_AT,
      'cache-first',
      'stale-while-revalidate:true',
    ],
    [
      'must-revalidate disables stale-while-revalidate',
      stored({ 'cache-control': 'max-age=60, stale-while-revalidate=30, must-revalidate', etag: '"1"' }),
      {},
      STALE_AT,
      'cache-first',
      'network:stale:true:true',
    ],
    ['a request no-cache revalidates a fresh entry', stored(FRESH), { 'cache-control': 'no-cache' }, T0, 'cache-first', 'network:request-directive:true:true'],
    ['a request Pragma: no-cache revalidates (§5.4)', stored(FRESH), { pragma: 'no-cache' }, T0, 'cache-first', 'network:request-directive:true:true'],
    ['a request max-stale serves stale', stored(FRESH), { 'cache-control': 'max-stale=5' }, STALE_AT, 'cache-first', 'stale'],
    ['a request max-stale too short does not', stored(FRESH), { 'cache-control': 'max-stale=0' }, T0 + 62 * S, 'cache-first', 'network:stale:true:true'],
    ['a Vary mismatch is a miss', stored({ ...FRESH, vary: 'accept' }, { accept: 'a/b' }), { accept: 'c/d' }, T0, 'cache-first', 'network:miss:false:false'],
    ['only-if-cached with nothing is unsatisfiable', undefined, { 'cache-control': 'only-if-cached' }, T0, 'cache-first', 'unsatisfiable'],
    ['cache-only serves stale within maxStale', stored(FRESH), {}, STALE_AT, 'cache-only', 'stale'],
    ['cache-only refuses beyond maxStale', stored(FRESH), {}, T0 + 200 * S, 'cache-only', 'unsatisfiable'],
    ['cache-only refuses must-revalidate stale', stored({ 'cache-control': 'max-age=60, must-revalidate' }), {}, STALE_AT, 'cache-only', 'unsatisfiable'],
    ['network-first always asks, conditionally', stored(FRESH), {}, T0, 'network-first', 'network:policy:true:true'],
    ['network-only never reads', stored(FRESH), {}, T0, 'network-only', 'network:policy:false:false'],
    ['cache-and-network serves then asks', stored(FRESH), {}, T0, 'cache-and-network', 'cache-and-network:true'],
    [
      'cache-and-network asks only, for must-revalidate stale',
      stored({ 'cache-control': 'max-age=60, must-revalidate', etag: '"1"' }),
      {},
      STALE_AT,
      'cache-and-network',
      'network:stale:true:true',
    ],
  ])('%s', (_rule, entry, headers, now, policy, expected) => {
    const d = decideCache(entry, { headers }, now, policy, options);
    const described =
      d.kind === 'network'
        ? `network:${d.reason}:${d.conditional}:${d.fallback}`
        : d.kind === 'stale-while-revalidate' || d.kind === 'cache-and-network'
          ? `${d.kind}:${d.conditional}`
          : d.kind;
    expect(described).toBe(expected);
  });

  it('applies a reading request TTL over the stored one', () => {
    const silent = stored({ etag: '"1"' });
    expect(decideCache(silent, { headers: {} }, T0 + 5 * S, 'cache-first', { ...options, requestTtlMs: 10 * S }).kind).toBe('fresh');
    expect(decideCache(silent, { headers: {} }, T0 + 5 * S, 'cache-first', options).kind).toBe('network');
  });
});

describe('servableOnFailure (the stale-fallback decision, issue #7)', () => {
  const SIE = { 'cache-control': 'max-age=60, stale-if-error=30' };
  it.each<[string, HeaderMap, number, FailureKind, StaleFallback, string]>([
    ['a fresh entry', FRESH, T0, 'server-error', 'unreachable', 'fresh'],
    ['a fresh entry, even with staleFallback never', FRESH, T0, 'unreachable', 'never', 'fresh'],
    ['stale within maxStale when unreachable', FRESH, T0 + 100 * S, 'unreachable', 'unreachable', 'stale'],
    ['stale beyond maxStale when unreachable', FRESH, T0 + 200 * S, 'unreachable', 'unreachable', 'no'],
    ['never stale on a 5xx without stale-if-error (default)', FRESH, T0 + 100 * S, 'server-error', 'unreachable', 'no'],
    ['stale on a 5xx within maxStale with any-error', FRESH, T0 + 100 * S, 'server-error', 'any-error', 'stale'],
    ['never stale with staleFallback never', FRESH, T0 + 100 * S, 'unreachable', 'never', 'no'],
    ['server-allowed ignores maxStale offline', FRESH, T0 + 100 * S, 'unreachable', 'server-allowed', 'no'],
    ['a 5xx within stale-if-error (RFC 5861 §4)', SIE, T0 + 60 * S + 29_999, 'server-error', 'unreachable', 'stale'],
    ['a 5xx at exactly the end of stale-if-error (RFC 5861 §4, exact to the second)', SIE, T0 + 90 * S, 'server-error', 'unreachable', 'no'],
    ['server-allowed within stale-if-error', SIE, T0 + 70 * S, 'unreachable', 'server-allowed', 'stale'],
    [
      'beyond maxStale but within stale-if-error when unreachable',
      { 'cache-control': 'max-age=60, stale-if-error=600' },
      T0 + 500 * S,
      'unreachable',
      'unreachable',
      'stale',
    ],
    [
      'must-revalidate stale, even offline (§5.2.2.2)',
      { 'cache-control': 'max-age=60, must-revalidate, stale-if-error=600' },
      STALE_AT,
      'unreachable',
      'unreachable',
      'no',
    ],
    [
      'no-cache, even within stale-if-error (§5.2.2.4)',
      { 'cache-control': 'no-cache, stale-if-error=600', etag: '"1"' },
      T0,
      'server-error',
      'any-error',
      'no',
    ],
  ])('%s', (_rule, headers, now, failure, staleFallback, expected) => {
    const f = servableOnFailure(stored(headers), now, { ...options, staleFallback }, failure);
    expect(f === undefined ? 'no' : f.fresh ? 'fresh' : 'stale').toBe(expected);
  });
});
