import { Subject, mergeMap, take, throwError } from 'rxjs';
import type { CacheStore } from '../../lib/cache/cache-store';
import { cacheKey } from '../../lib/cache/cache-key';
import { INDEX_KEY } from '../../lib/cache/persistent-tier';
import type { CacheConfig } from '../../lib/cache/cache-config';
import { spyStore } from './spy-store';
import { SECOND, URL_A, createCacheHarness, expectFullyCached, expectNotCached, prime, summary, type CacheHarness } from './helpers';

const KEY_A = cacheKey('user-a', 'GET', URL_A);
const url = (n: number): string => `https://api.example.com/items/${n}`;
const fresh = { 'cache-control': 'max-age=600' };

/** A second layer instance on the same store and clock: an app restart. */
function restart(h: CacheHarness, config: CacheConfig): CacheHarness {
  return createCacheHarness(config, { rx: h.rx });
}

const cacheErrors = (h: CacheHarness): string[] => h.events.flatMap((e) => (e.type === 'cache-error' ? [e.detail] : []));

describe('the persistent tier', () => {
  it('writes after the response is delivered, on the scheduler', () => {
    const spy = spyStore();
    const h = createCacheHarness({ store: spy.store });
    const result = prime(h, URL_A, fresh);
    expect(result).toMatchObject({ body: 'A' });
    expect(spy.entries.has(KEY_A)).toBe(false);
    h.advance(0);
    expect(spy.entries.get(KEY_A)).toMatchObject({ v: 1, key: KEY_A, body: 'A', status: 200 });
    expect(spy.entries.get(INDEX_KEY)).toMatchObject({ v: 1, entries: [[KEY_A, expect.any(Number), expect.any(Number)]] });
  });

  it('serves a fresh entry after a restart without network', () => {
    const spy = spyStore();
    const h = createCacheHarness({ store: spy.store });
    prime(h, URL_A, fresh);
    h.advance(10 * SECOND);
    const again = restart(h, { store: spy.store });
    const hit = expectFullyCached(again, URL_A);
    expect(hit.headers.age).toBe('10');
    expect(again.events.filter((e) => e.type === 'cache-hit')).toEqual([expect.objectContaining({ tier: 'persistent' })]);
    expect(again.requests).toEqual([]);
  });

  it('answers a key it does not hold without reading the store', () => {
    const spy = spyStore();
    const h = createCacheHarness({ store: spy.store });
    const gets = spy.calls.get;
    expectNotCached(h, URL_A);
    expect(spy.calls.get).toBe(gets);
  });

  it('coalesces concurrent reads of one key', () => {
    const spy = spyStore();
    const h = createCacheHarness({ store: spy.store });
    prime(h, URL_A, fresh);
    h.advance(0);
    spy.delayGets(10, h.rx);
    const again = restart(h, { store: spy.store });
    const gets = spy.calls.get;
    const first = again.read(URL_A);
    const second = again.read(URL_A);
    again.advance(20); // startup's index read, then the entry's
    expect(spy.calls.get - gets).toBe(1);
    expect([...first.values, ...second.values].map(summary)).toEqual(['A:cache:fresh', 'A:cache:fresh']);
  });

  it.each([
    ['a corrupted entry', { v: 1, key: KEY_A, status: 'two hundred' }],
    ['an entry of another version', { v: 2, key: KEY_A }],
    ['a foreign entry', { v: 1, key: 'someone else' }],
    ['a non-object', 'garbage'],
  ])('drops %s with a cache-error event and uses the network', (_name, raw) => {
    const spy = spyStore();
    const h = createCacheHarness({ store: spy.store });
    prime(h, URL_A, fresh);
    h.advance(0);
    spy.entries.set(KEY_A, raw);
    const again = restart(h, { store: spy.store });
    expectNotCached(again, URL_A);
    expect(cacheErrors(again)).toEqual([expect.stringContaining('dropped stored entry for https://api.example.com/items/1')]);
    again.advance(0);
    expect(spy.entries.get(KEY_A)).toMatchObject({ v: 1, body: 'fresh body 0' });
  });

  it('evicts and retries once on a quota error', () => {
    const spy = spyStore();
    const h = createCacheHarness({ store: spy.store });
    for (const n of [1, 2, 3, 4]) prime(h, url(n), fresh);
    h.advance(0);
    spy.failNextSets(1);
    prime(h, url(5), fresh);
    h.advance(0);
    expect(cacheErrors(h)).toEqual([expect.stringContaining('quota exceeded')]);
    expect(spy.entries.has(cacheKey('user-a', 'GET', url(5)))).toBe(true);
    expect(spy.entries.has(cacheKey('user-a', 'GET', url(1)))).toBe(false);
    prime(h, url(6), fresh);
    h.advance(0);
    expect(spy.entries.has(cacheKey('user-a', 'GET', url(6)))).toBe(true);
  });

  it('degrades to memory-only when the retry fails too, and loses no response', () => {
    const spy = spyStore();
    const h = createCacheHarness({ store: spy.store });
    prime(h, url(1), fresh);
    h.advance(0);
    spy.failNextSets('always');
    expect(prime(h, url(7), fresh)).toMatchObject({ body: 'A', fromCache: false });
    h.advance(0);
    expect(cacheErrors(h)).toEqual([expect.stringContaining('quota exceeded'), expect.stringContaining('memory-only')]);
    const sets = spy.calls.set;
    expectFullyCached(h, url(7));
    prime(h, url(2), fresh);
    h.advance(0);
    expect(spy.calls.set).toBe(sets);
  });

  it('degrades to memory-only with an event when the store is unavailable', () => {
    const broken: CacheStore = {
      get: () => throwError(() => new Error('No available storage method found.')),
      set: () => throwError(() => new Error('no driver')),
      remove: () => throwError(() => new Error('no driver')),
      keys: () => throwError(() => new Error('no driver')),
      clear: () => throwError(() => new Error('no driver')),
    };
    const h = createCacheHarness({ store: broken });
    expect(cacheErrors(h)).toEqual([expect.stringContaining('persistent store unavailable')]);
    prime(h, URL_A, fresh);
    h.advance(0);
    expectFullyCached(h, URL_A);
  });

  it('keeps its bounds and its index across restarts', () => {
    const spy = spyStore();
    const config = { store: spy.store, maxEntries: 2, memory: { maxEntries: 10 } };
    const h = createCacheHarness(config);
    for (const n of [1, 2, 3]) {
      prime(h, url(n), fresh);
      h.advance(0);
    }
    expect([...spy.entries.keys()].filter((k) => k !== INDEX_KEY)).toEqual([cacheKey('user-a', 'GET', url(2)), cacheKey('user-a', 'GET', url(3))]);
    const again = restart(h, config);
    expectFullyCached(again, url(3));
    expectNotCached(again, url(1));
  });

  it('adopts an entry written without its index record (a crash between the two writes)', () => {
    const spy = spyStore();
    const h = createCacheHarness({ store: spy.store });
    prime(h, URL_A, fresh);
    h.advance(0);
    spy.entries.delete(INDEX_KEY);
    const again = restart(h, { store: spy.store });
    expectFullyCached(again, URL_A);
    again.advance(0);
    expect(spy.entries.get(INDEX_KEY)).toMatchObject({ entries: [[KEY_A, expect.any(Number), expect.any(Number)]] });
  });

  it('sweeps expired entries at startup', () => {
    const spy = spyStore();
    const config = { store: spy.store, maxStaleMs: SECOND };
    const h = createCacheHarness(config);
    prime(h, URL_A, { 'cache-control': 'max-age=1' });
    prime(h, url(2), fresh);
    h.advance(10 * SECOND);
    expect(spy.entries.has(KEY_A)).toBe(true);
    restart(h, config);
    expect(spy.entries.has(KEY_A)).toBe(false);
    expect(spy.entries.has(cacheKey('user-a', 'GET', url(2)))).toBe(true);
  });

  it('never lets a deferred write resurrect an invalidated entry', () => {
    const spy = spyStore();
    const h = createCacheHarness({ store: spy.store });
    prime(h, URL_A, fresh);
    h.cache.invalidate(URL_A);
    h.advance(0);
    expect(spy.entries.has(KEY_A)).toBe(false);
    expectNotCached(restart(h, { store: spy.store }), URL_A);
  });

  it('flush() completes once deferred writes have landed', () => {
    const spy = spyStore();
    const h = createCacheHarness({ store: spy.store });
    prime(h, URL_A, fresh);
    let flushed = false;
    h.cache.flush().subscribe({ complete: () => (flushed = true) });
    expect(flushed).toBe(false);
    h.advance(0);
    expect(flushed).toBe(true);
  });

  it('clear() empties both tiers', () => {
    const spy = spyStore();
    const h = createCacheHarness({ store: spy.store });
    prime(h, URL_A, fresh);
    h.advance(0);
    h.cache.clear().subscribe();
    expect(spy.entries.size).toBe(0);
    expectNotCached(h, URL_A);
  });
});

describe('the persistent tier while its store lists its keys (cold start)', () => {
  /** The spy's store, with `keys()` held until `release()`: IndexedDB walks one cursor step per key. */
  function heldKeys(spy: ReturnType<typeof spyStore>): { store: CacheStore; release: () => void } {
    const released = new Subject<void>();
    const store: CacheStore = {
      ...spy.store,
      keys: () =>
        released.pipe(
          take(1),
          mergeMap(() => spy.store.keys()),
        ),
    };
    return { store, release: () => released.next() };
  }

  /** URL_A persisted by one client, then a restart on the same store whose keys() is held. */
  function restartedWithHeldKeys() {
    const spy = spyStore();
    const h = createCacheHarness({ store: spy.store });
    prime(h, URL_A, fresh);
    h.advance(0);
    const held = heldKeys(spy);
    return { spy, h, held, again: restart(h, { store: held.store }) };
  }

  it('answers from the stored index before the keys are listed', () => {
    const { h, held, again } = restartedWithHeldKeys();
    const hit = expectFullyCached(again, URL_A);
    expect(hit.body).toBe('A');
    expect(again.requests).toEqual([]);
    held.release();
    h.advance(0);
    expect(cacheErrors(again)).toEqual([]);
  });

  it('a response removed meanwhile is neither served nor adopted back when the keys arrive', () => {
    const { spy, h, held, again } = restartedWithHeldKeys();
    void again.cache.invalidate(URL_A).subscribe();
    spy.delaySets(10, h.rx); // the startup's last step, writing the index, takes a while
    held.release();
    h.advance(5);
    // Listed among the keys, but removed: not adopted, so not served while the startup finishes.
    expectNotCached(again, URL_A);
  });

  it('an entry written without its index record is found once the keys are listed', () => {
    const spy = spyStore();
    const h = createCacheHarness({ store: spy.store });
    prime(h, URL_A, fresh);
    h.advance(0);
    spy.entries.set(INDEX_KEY, { v: 1, entries: [] }); // a crash between the entry and its record
    const held = heldKeys(spy);
    const again = restart(h, { store: held.store });
    const early = again.read(URL_A);
    // Not indexed yet: a miss that goes to the network at once instead of waiting for the keys.
    expect(early.values).toEqual([]);
    expect(again.requests.map((r) => r.url)).toEqual([URL_A]);
    held.release();
    h.advance(0);
    expectFullyCached(restart(again, { store: spy.store }), URL_A);
  });

  it('an entry without a record, removed while earlier ones are adopted, is not adopted (nor served)', () => {
    const spy = spyStore();
    const h = createCacheHarness({ store: spy.store });
    const urlB = `${URL_A}/b`;
    prime(h, urlB, fresh); // listed, and so adopted, first
    prime(h, URL_A, fresh);
    h.advance(0);
    spy.entries.set(INDEX_KEY, { v: 1, entries: [] }); // both written without their records
    const keys = new Subject<void>();
    const getB = new Subject<void>();
    const keyB = cacheKey('user-a', 'GET', urlB);
    let holdB = true;
    const store: CacheStore = {
      ...spy.store,
      keys: () =>
        keys.pipe(
          take(1),
          mergeMap(() => spy.store.keys()),
        ),
      get: (key) =>
        key === keyB && holdB
          ? getB.pipe(
              take(1),
              mergeMap(() => ((holdB = false), spy.store.get(key))),
            )
          : spy.store.get(key),
    };
    const again = restart(h, { store });
    keys.next(); // the reconcile adopts B, whose read waits
    void again.cache.invalidate(URL_A).subscribe();
    spy.delaySets(10, h.rx); // the startup's last step, writing the index, takes a while
    getB.next(); // B adopted; A comes next, removed meanwhile
    h.advance(1);
    expectNotCached(again, URL_A);
    expect(again.events.filter((e) => e.type === 'cache-hit')).toEqual([]);
  });
});
