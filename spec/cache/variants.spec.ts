import type { HeaderMap } from '../../lib/core/headers';
import { hydrate, storedHeaders, type StoredResponse } from '../../lib/cache/cache-entry';
import { cacheKey, parseCacheKey, selectVaryHeaders, urlKeyOf, variantKey } from '../../lib/cache/cache-key';
import { httpDate } from '../../lib/cache/freshness';
import { createVariantGroups, selectVariant } from '../../lib/cache/variants';

const T0 = Date.UTC(2025, 0, 1);
const S = 1000;
const URL_KEY = cacheKey('user-a', 'GET', 'https://api.example.com/items/1');

/** A stored response to a request with `requestHeaders`, answered with `headers`, received at `at`. */
function variant(body: string, headers: HeaderMap, requestHeaders: HeaderMap, at = T0): StoredResponse {
  const facts = hydrate(entry(body, headers, {}, at, URL_KEY), { ttlMode: 'fallback', maxStaleMs: 0 }).facts;
  const varyHeaders = selectVaryHeaders(facts.vary, requestHeaders);
  return hydrate(entry(body, headers, varyHeaders, at, variantKey(URL_KEY, facts.vary, varyHeaders)), { ttlMode: 'fallback', maxStaleMs: 0 });
}

function entry(body: string, headers: HeaderMap, varyHeaders: Record<string, string>, at: number, key: string) {
  return {
    v: 1 as const,
    key,
    url: 'https://api.example.com/items/1',
    method: 'GET',
    status: 200,
    headers: storedHeaders(headers, at),
    body,
    storedAt: at,
    requestTime: at,
    responseTime: at,
    varyHeaders,
    size: 1,
  };
}

const byLanguage = { 'cache-control': 'max-age=600', vary: 'Accept-Language' };
const FR = variant('fr', byLanguage, { 'accept-language': 'fr' });
const DE = variant('de', byLanguage, { 'accept-language': 'de' }, T0 + S);
const PLAIN = variant('plain', { 'cache-control': 'max-age=600' }, {}, T0 + 2 * S);
const BY_ACCEPT = variant('json', { 'cache-control': 'max-age=600', vary: 'Accept', date: httpDate(T0 + 5 * S) }, { accept: 'application/json' }, T0);
const OLD_DATE_LATER = variant(
  'old',
  { 'cache-control': 'max-age=600', vary: 'Accept-Language', date: httpDate(T0 - 60 * S) },
  { 'accept-language': 'de' },
  T0 + 9 * S,
);
const SHORT = variant('short', { 'cache-control': 'max-age=1', vary: 'Accept-Language' }, { 'accept-language': 'fr' }, T0 + 3 * S);

describe('selecting a stored variant (RFC 9111 §4.1)', () => {
  it.each<[string, Array<StoredResponse | undefined>, HeaderMap, number, string | undefined]>([
    ['selects the variant whose Vary fields match the request among several (§4.1)', [FR, DE], { 'accept-language': 'de' }, T0 + 2 * S, 'de'],
    ['selects none when no variant matches: a miss (§4.1)', [FR, DE], { 'accept-language': 'it' }, T0 + 2 * S, undefined],
    ['matches an absent field only to a variant stored without it (§4.1)', [FR, DE], {}, T0 + 2 * S, undefined],
    ['a response without Vary matches every request (§4.1)', [FR, PLAIN], { 'accept-language': 'it' }, T0 + 3 * S, 'plain'],
    ['of two matching variants, chooses the most recent by Date (§4.1, §4)', [FR, PLAIN], { 'accept-language': 'fr' }, T0 + 3 * S, 'plain'],
    ['chooses by Date, not by the order received (§4.1)', [BY_ACCEPT, PLAIN], { accept: 'application/json' }, T0 + 3 * S, 'json'],
    ['a later-received variant with an older Date loses to a newer Date (§4.1)', [DE, OLD_DATE_LATER], { 'accept-language': 'de' }, T0 + 10 * S, 'de'],
    ['never selects a variant past its sweep time (§4.2)', [FR, SHORT], { 'accept-language': 'fr' }, T0 + 5 * S, 'fr'],
    ['normalizes Accept-Language before matching (optional §4.1 normalization)', [FR, DE], { 'accept-language': ' FR ' }, T0 + 2 * S, 'fr'],
    ['nothing stored: a miss', [], { 'accept-language': 'fr' }, T0, undefined],
  ])('%s', (_rule, candidates, requestHeaders, now, body) => {
    expect(selectVariant(candidates, requestHeaders, now)?.entry.body).toBe(body);
  });
});

describe('variant keys (RFC 9111 §4.1: several responses under one URL)', () => {
  it('keeps the URL key for a response without Vary (entries stored before variants stay readable)', () => {
    expect(variantKey(URL_KEY, [], {})).toBe(URL_KEY);
  });

  it.each<[string, readonly string[], Record<string, string>, readonly string[], Record<string, string>, boolean]>([
    ['different values of one field', ['accept-language'], { 'accept-language': 'fr' }, ['accept-language'], { 'accept-language': 'de' }, false],
    [
      'the same values, names listed in another order',
      ['accept', 'accept-language'],
      { accept: 'a', 'accept-language': 'fr' },
      ['accept-language', 'accept'],
      { accept: 'a', 'accept-language': 'fr' },
      true,
    ],
    ['a present field and its absence', ['accept'], { accept: 'a' }, ['accept'], {}, false],
    ['an empty value and an absent field', ['accept'], { accept: '' }, ['accept'], {}, false],
    ['different Vary names', ['accept'], {}, ['accept-language'], {}, false],
  ])('tells %s apart (same key only when the same)', (_name, varyA, valuesA, varyB, valuesB, same) => {
    expect(variantKey(URL_KEY, varyA, valuesA) === variantKey(URL_KEY, varyB, valuesB)).toBe(same);
  });

  it('names each variant by the URL it belongs to: invalidation and partition purges find every variant', () => {
    const key = variantKey(URL_KEY, ['accept-language'], { 'accept-language': 'fr' });
    expect(key).not.toBe(URL_KEY);
    expect(urlKeyOf(key)).toBe(URL_KEY);
    expect(urlKeyOf(URL_KEY)).toBe(URL_KEY);
    expect(parseCacheKey(key)).toEqual({ partition: 'user-a', method: 'GET', url: 'https://api.example.com/items/1' });
  });

  it('finds the URL part after a partition containing the variant mark', () => {
    const urlKey = cacheKey('a#vary:b', 'GET', 'https://api.example.com/x');
    const key = variantKey(urlKey, ['accept'], { accept: 'a' });
    expect(urlKeyOf(key)).toBe(urlKey);
    expect(urlKeyOf(urlKey)).toBe(urlKey);
  });

  it('never holds a credential: an app-set Authorization is keyed by its digest only', () => {
    const key = variantKey(URL_KEY, ['authorization'], selectVaryHeaders(['authorization'], { authorization: 'Bearer secret-token' }));
    expect(key).not.toContain('secret-token');
  });

  it.each(['__proto__', 'constructor', 'toString'])('keys Vary: %s like any field name', (name) => {
    const a = variantKey(URL_KEY, [name], selectVaryHeaders([name], { [name]: 'x' }));
    const b = variantKey(URL_KEY, [name], selectVaryHeaders([name], {}));
    expect(a).not.toBe(b);
    expect(urlKeyOf(a)).toBe(URL_KEY);
  });
});

describe('variant groups (bookkeeping of the keys of one URL)', () => {
  const k = (n: number): string => variantKey(URL_KEY, ['x-n'], { 'x-n': String(n) });

  it('lists the variants of a URL oldest first; adding again makes a key the newest', () => {
    const groups = createVariantGroups();
    groups.add(k(1));
    groups.add(k(2));
    groups.add(URL_KEY);
    groups.add(k(1));
    expect(groups.of(URL_KEY)).toEqual([k(2), URL_KEY, k(1)]);
  });

  it('forgets a URL once its last variant is gone', () => {
    const groups = createVariantGroups();
    groups.add(k(1));
    groups.add(k(2));
    groups.delete(k(1));
    expect(groups.of(URL_KEY)).toEqual([k(2)]);
    groups.delete(k(2));
    groups.delete(k(3));
    expect(groups.of(URL_KEY)).toBeUndefined();
  });

  it('names the oldest variants beyond a bound, sparing the one just stored', () => {
    const groups = createVariantGroups();
    for (let n = 1; n <= 5; n++) groups.add(k(n));
    expect(groups.excess(URL_KEY, 3, k(1))).toEqual([k(2), k(3)]);
    expect(groups.excess(URL_KEY, 5, undefined)).toEqual([]);
    groups.clear();
    expect(groups.of(URL_KEY)).toBeUndefined();
  });
});
