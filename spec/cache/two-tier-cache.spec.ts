import { Subject, of, type Observable } from 'rxjs';
import { createEnv } from '../../lib/core/env';
import { hydrate, type CacheEntry, type StoredResponse } from '../../lib/cache/cache-entry';
import { cacheKey } from '../../lib/cache/cache-key';
import type { PersistentTier } from '../../lib/cache/persistent-tier';
import { CONSULT_PERSISTENT, createTwoTierCache, type TwoTierCache } from '../../lib/cache/two-tier-cache';
import { createTestScheduler } from '../helpers/marbles';
import { T0, URL_A } from './helpers';

// The memory tier's side of a persistent read: what may be promoted when the read finishes.

const KEY = cacheKey('user-a', 'GET', URL_A);
const OTHER = cacheKey('user-a', 'GET', 'https://api.example.com/other');

function entry(body: string): CacheEntry {
  const headers = { 'cache-control': 'max-age=600', date: new Date(T0).toUTCString() };
  return { v: 1, key: KEY, url: URL_A, method: 'GET', status: 200, headers, body, storedAt: T0, requestTime: T0, responseTime: T0, varyHeaders: {}, size: 100 };
}
const stored = (body: string): StoredResponse => hydrate(entry(body), { ttlMode: 'fallback', maxStaleMs: 0 });

/** Two tiers over a persistent tier whose reads finish when the test says so. */
function tiers(): { cache: TwoTierCache; finishRead: (e: CacheEntry | undefined) => void } {
  const rx = createTestScheduler();
  rx.frame = T0;
  const reads = new Subject<CacheEntry | undefined>();
  const persistent: PersistentTier = {
    read: (): Observable<CacheEntry | undefined> => reads,
    knownAbsent: () => false,
    variantKeys: () => of([KEY]),
    removeUrl: () => undefined,
    write: () => undefined,
    remove: () => undefined,
    removeWhere: () => of(undefined),
    clear: () => of(undefined),
    flush: () => of(undefined),
    active: true,
  };
  const cache = createTwoTierCache({
    memory: { maxEntries: 10, maxBytes: 1e6 },
    persistent,
    env: createEnv({ scheduler: rx }).env,
    hydrate: (e) => hydrate(e, { ttlMode: 'fallback', maxStaleMs: 0 }),
  });
  return { cache, finishRead: (e) => (reads.next(e), reads.complete()) };
}

function load(cache: TwoTierCache): { result: StoredResponse | undefined | 'pending' } {
  const out: { result: StoredResponse | undefined | 'pending' } = { result: 'pending' };
  cache.load(KEY, {}).subscribe((r) => (out.result = r));
  return out;
}

describe('the two tiers', () => {
  it('promotes a persistent read into memory when nothing changed the key meanwhile', () => {
    const { cache, finishRead } = tiers();
    const read = load(cache);
    cache.remove(OTHER);
    finishRead(entry('A'));
    expect(read.result).toMatchObject({ entry: { body: 'A' } });
    expect(cache.peek(KEY, {}, T0)).toMatchObject({ entry: { body: 'A' } });
  });

  it.each([
    ['removed', (c: TwoTierCache) => c.remove(KEY)],
    ['invalidated', (c: TwoTierCache) => void c.removeWhere(() => true).subscribe()],
    ['cleared', (c: TwoTierCache) => void c.clear().subscribe()],
  ])('does not promote a read that finishes after its key was %s: a miss', (_name, removal) => {
    const { cache, finishRead } = tiers();
    const read = load(cache);
    removal(cache);
    finishRead(entry('A'));
    expect(read.result).toBeUndefined();
    expect(cache.peek(KEY, {}, T0)).toBe(CONSULT_PERSISTENT);
  });

  it('answers a read overtaken by a newer response with the newer one, and keeps it', () => {
    const { cache, finishRead } = tiers();
    const read = load(cache);
    cache.set(KEY, stored('B'));
    finishRead(entry('A'));
    expect(read.result).toMatchObject({ entry: { body: 'B' } });
    expect(cache.peek(KEY, {}, T0)).toMatchObject({ entry: { body: 'B' } });
  });
});

describe('holdsAny: whether an unstorable answer has anything to evict', () => {
  const memoryOnly = (): TwoTierCache =>
    createTwoTierCache({
      memory: { maxEntries: 10, maxBytes: 1e6 },
      persistent: undefined,
      env: createEnv().env,
      hydrate: (e) => hydrate(e, { ttlMode: 'fallback', maxStaleMs: 0 }),
    });

  it('is false for a URL neither tier holds, true once memory holds a variant, false again after its removal', () => {
    const cache = memoryOnly();
    expect(cache.holdsAny(KEY)).toBe(false);
    cache.set(KEY, stored('A'));
    expect(cache.holdsAny(KEY)).toBe(true);
    cache.remove(KEY);
    expect(cache.holdsAny(KEY)).toBe(false);
  });

  it('is true while the persistent tier cannot say it holds none (starting, or indexed variants)', () => {
    expect(tiers().cache.holdsAny(KEY)).toBe(true); // its knownAbsent() answers false
  });
});
