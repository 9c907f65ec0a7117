import { BehaviorSubject } from 'rxjs';
import { cacheKey } from '../../lib/cache/cache-key';
import { INDEX_KEY } from '../../lib/cache/persistent-tier';
import { URL_A, createCacheHarness, expectNotCached, prime, type CacheHarness } from './helpers';
import { spyStore } from './spy-store';

// Removals racing the persistent tier's own work: a write still in progress, a read still in flight.

const KEY_A = cacheKey('user-a', 'GET', URL_A);
const OTHER = 'https://api.example.com/users/1';
const fresh = { 'cache-control': 'max-age=600' };
const bodies = (h: CacheHarness, url: string): unknown[] => h.read(url).values.map((v) => v.body);
const storedKeys = (spy: ReturnType<typeof spyStore>): string[] => [...spy.entries.keys()].filter((k) => k !== INDEX_KEY);

/** user-a's entry for URL_A on disk only (an app restart), then a write of another URL held in progress. */
function restartedWithWriteInProgress(options: { partitionChanges$?: BehaviorSubject<string> } = {}) {
  const spy = spyStore();
  const first = createCacheHarness({ store: spy.store });
  prime(first, URL_A, fresh);
  first.advance(0);
  const h = createCacheHarness({ store: spy.store }, { rx: first.rx, ...options });
  spy.delaySets(10, h.rx);
  spy.delayGets(5, h.rx);
  prime(h, OTHER, fresh, 'other');
  h.advance(0); // the deferred write starts, and takes 10 ms
  return { spy, h };
}

describe('removals racing the persistent tier', () => {
  it('keeps an entry invalidated while its persistent read is in flight out of memory', () => {
    const { h } = restartedWithWriteInProgress();
    const inFlight = h.read(URL_A);
    let invalidated = false;
    h.cache.invalidate('/items').subscribe({ complete: () => (invalidated = true) });
    h.respond({ status: 200, headers: fresh, body: 'B' });
    h.advance(50);
    expect(invalidated).toBe(true);
    expect(inFlight.values.map((v) => v.body)).toEqual(['B']); // the removal is newer than the read: a miss
    expect(bodies(h, URL_A)).toEqual(['B']);
  });

  it('keeps a cleared entry out of memory when its persistent read finishes first', () => {
    const { h } = restartedWithWriteInProgress();
    h.read(URL_A);
    h.cache.clear().subscribe();
    h.respond({ status: 200, headers: fresh, body: 'B' });
    h.advance(50);
    expect(bodies(h, URL_A)).toEqual(['B']);
  });

  it("does not bring a logged-out user's entry back into memory from a read in flight at logout", () => {
    const partitions = new BehaviorSubject('user-a');
    const { h } = restartedWithWriteInProgress({ partitionChanges$: partitions });
    const before = h.requests.length;
    const inFlight = h.read(URL_A);
    h.setPartition('anonymous');
    partitions.next('anonymous');
    h.advance(50);
    // The read began as user-a: it neither answers with user-a's data after the logout nor asks
    // the network as the next session (issue #7).
    expect(inFlight.error).toMatchObject({ kind: 'auth', reason: 'session-changed' });
    expect(h.requests).toHaveLength(before);
    h.setPartition('user-a');
    expectNotCached(h, URL_A);
  });

  it('removes from disk an entry invalidated while its write was in progress', () => {
    const spy = spyStore();
    const h = createCacheHarness({ store: spy.store });
    spy.delaySets(10, h.rx);
    prime(h, URL_A, fresh);
    h.advance(0); // the write has reached the store and not completed yet
    expect(storedKeys(spy)).toEqual([KEY_A]);
    let flushed = false;
    h.cache.invalidate('/items').subscribe();
    h.cache.flush().subscribe({ complete: () => (flushed = true) });
    h.advance(50);
    expect(flushed).toBe(true);
    expect(storedKeys(spy)).toEqual([]);
    expectNotCached(createCacheHarness({ store: spy.store }, { rx: h.rx }), URL_A);
  });

  it("removes from disk a logged-out user's entry whose write was in progress at logout", () => {
    const spy = spyStore();
    const partitions = new BehaviorSubject('user-a');
    const h = createCacheHarness({ store: spy.store }, { partitionChanges$: partitions });
    spy.delaySets(10, h.rx);
    prime(h, URL_A, fresh);
    h.advance(0);
    h.setPartition('anonymous');
    partitions.next('anonymous');
    h.advance(50);
    expect(storedKeys(spy)).toEqual([]);
  });

  it('keeps the newer value when a write lands after a newer one was scheduled', () => {
    const spy = spyStore();
    const h = createCacheHarness({ store: spy.store });
    spy.delaySets(10, h.rx);
    prime(h, URL_A, fresh, 'A');
    h.advance(0);
    h.cache.invalidate('/items').subscribe();
    prime(h, URL_A, fresh, 'B');
    h.advance(50);
    expect(spy.entries.get(KEY_A)).toMatchObject({ body: 'B' });
    expect(bodies(createCacheHarness({ store: spy.store }, { rx: h.rx }), URL_A)).toEqual(['B']);
  });

  it('keeps on disk a response stored after an invalidation, when its write was queued before it', () => {
    const spy = spyStore();
    const h = createCacheHarness({ store: spy.store });
    spy.delaySets(10, h.rx);
    prime(h, OTHER, fresh, 'other');
    h.advance(0); // a write in progress: the next ones wait in the queue
    prime(h, URL_A, fresh, 'A');
    h.advance(0);
    h.cache.invalidate('/items').subscribe();
    prime(h, URL_A, fresh, 'B');
    h.advance(100);
    expect(spy.entries.get(KEY_A)).toMatchObject({ body: 'B' });
    expect(bodies(createCacheHarness({ store: spy.store }, { rx: h.rx }), URL_A)).toEqual(['B']);
  });
});
