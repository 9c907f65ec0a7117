import { EMPTY, NEVER, lastValueFrom, toArray } from 'rxjs';
import type { CacheEntry } from '../../lib/cache/cache-entry';
import { cacheKey } from '../../lib/cache/cache-key';
import { createMemoryCacheStore } from '../../lib/cache/memory.cache-store';
import { INDEX_KEY, createPersistentIndex } from '../../lib/cache/persistent-index';
import { startupReconcile, type ReconcileDeps } from '../../lib/cache/startup-reconcile';
import { createTestScheduler } from '../helpers/marbles';
import { URL_A, createCacheHarness, expectNotCached, prime } from './helpers';

const KEY_A = cacheKey('u', 'GET', URL_A);
const KEY_B = cacheKey('u', 'GET', `${URL_A}/b`);
const entry = (key: string): CacheEntry => ({
  v: 1,
  key,
  url: URL_A,
  method: 'GET',
  status: 200,
  headers: {},
  body: 'A',
  storedAt: 0,
  requestTime: 0,
  responseTime: 0,
  varyHeaders: {},
  size: 10,
});

function deps(store = createMemoryCacheStore()): ReconcileDeps & { reports: string[] } {
  const index = createPersistentIndex();
  const reports: string[] = [];
  return {
    store,
    index,
    reports,
    now: () => 500,
    expiresAtOf: () => 1000,
    report: (op, detail) => reports.push(`${op}: ${detail}`),
    removeFromStore: (key) => (store.remove(key).subscribe(), EMPTY),
    evict: () => EMPTY,
    writeIndex: () => EMPTY,
    describe: String,
    urlOf: () => URL_A,
  };
}

describe('the startup reconcile', () => {
  it('keeps indexed entries, drops records without an entry, adopts valid unindexed entries, removes invalid ones', async () => {
    const store = createMemoryCacheStore();
    await lastValueFrom(
      store.set(INDEX_KEY, {
        v: 1,
        entries: [
          [KEY_A, 10, 900],
          ['gone', 5, 900],
        ],
      }),
    );
    await lastValueFrom(store.set(KEY_A, entry(KEY_A)));
    await lastValueFrom(store.set(KEY_B, entry(KEY_B)));
    await lastValueFrom(store.set('junk', { v: 99 }));
    const d = deps(store);
    await lastValueFrom(startupReconcile(d).pipe(toArray()));
    expect(d.index.keys()).toEqual([KEY_A, KEY_B]);
    expect(d.index.get(KEY_B)).toEqual({ size: 10, expiresAt: 1000 });
    expect(store.entries.has('junk')).toBe(false);
    expect(d.reports).toEqual([expect.stringContaining('unknown entry version')]);
  });

  it('fills the index from the stored records before listing the keys, and never re-indexes a removed key', async () => {
    const store = createMemoryCacheStore();
    await lastValueFrom(
      store.set(INDEX_KEY, {
        v: 1,
        entries: [
          [KEY_A, 10, 900],
          [KEY_B, 10, 900],
        ],
      }),
    );
    await lastValueFrom(store.set(KEY_A, entry(KEY_A)));
    await lastValueFrom(store.set(KEY_B, entry(KEY_B)));
    const listed: string[] = [];
    const d = deps({ ...store, keys: () => (listed.push('keys'), store.keys()) });
    let indexedBeforeKeys: string[] | undefined;
    await lastValueFrom(
      startupReconcile({
        ...d,
        isRemoved: (key) => key === KEY_B,
        onIndexed: () => (indexedBeforeKeys = listed.length === 0 ? d.index.keys() : undefined),
      }).pipe(toArray()),
    );
    expect(indexedBeforeKeys).toEqual([KEY_A]);
    expect(d.index.keys()).toEqual([KEY_A]); // KEY_B is in the store but was removed: not adopted
  });

  it('sweeps entries whose time has come', async () => {
    const store = createMemoryCacheStore();
    await lastValueFrom(store.set(INDEX_KEY, { v: 1, entries: [[KEY_A, 10, 100]] }));
    await lastValueFrom(store.set(KEY_A, entry(KEY_A)));
    const d = deps(store);
    await lastValueFrom(startupReconcile(d).pipe(toArray()));
    expect(d.index.keys()).toEqual([]);
    expect(store.entries.has(KEY_A)).toBe(false);
  });

  it('rebuilds an unreadable index from the entries, with an event', async () => {
    const store = createMemoryCacheStore();
    await lastValueFrom(store.set(INDEX_KEY, 'garbage'));
    await lastValueFrom(store.set(KEY_A, entry(KEY_A)));
    const d = deps(store);
    await lastValueFrom(startupReconcile(d).pipe(toArray()));
    expect(d.index.keys()).toEqual([KEY_A]);
    expect(d.reports).toEqual(['index: unreadable cache index: rebuilt from the stored entries']);
  });
});

describe('a cache store whose startup never answers (issue #10)', () => {
  it('degrades to memory after startupTimeoutMs with a cache-error event; waiting reads go to the network', () => {
    const rx = createTestScheduler();
    rx.run(({ flush }) => {
      const stuck = { ...createMemoryCacheStore(), get: () => NEVER, keys: () => NEVER };
      const h = createCacheHarness({ store: stuck, startupTimeoutMs: 2_000 }, { rx, through: 'client' });
      h.respond({ status: 200, headers: { 'cache-control': 'max-age=600' }, body: 'net' });
      const waiting = h.read(URL_A);
      rx.schedule(() => expect(waiting.values).toEqual([]), 1_999);
      flush();
      expect(rx.now()).toBe(2_000);
      expect(waiting.values.map((v) => v.body)).toEqual(['net']);
      expect(h.events).toContainEqual(
        expect.objectContaining({ type: 'cache-error', detail: expect.stringContaining('did not finish starting within 2000 ms') }),
      );
      // Memory-only from now on: the answer is served from memory, and the stuck store is not asked again.
      const hit = h.read(URL_A);
      expect(hit.values.map((v) => [v.body, v.fromCache])).toEqual([['net', true]]);
      expectNotCached(h, `${URL_A}/other`);
    });
  });

  it('leaves a store that starts within the bound alone', () => {
    const rx = createTestScheduler();
    rx.run(({ flush }) => {
      const h = createCacheHarness({ store: createMemoryCacheStore(), startupTimeoutMs: 1 }, { rx, through: 'client' });
      prime(h, URL_A, { 'cache-control': 'max-age=600' });
      flush();
      expect(h.events.filter((e) => e.type === 'cache-error')).toEqual([]);
    });
  });
});
