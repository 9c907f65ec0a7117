/**
 * rxsync in the cold-start page: the HTTP cache on localforage (README's configuration: a memory
 * LRU in front of IndexedDB), bounds raised so all 1,000 responses (≈ 5 MB) fit. The server's
 * `Cache-Control: max-age` makes every stored response fresh, so the first answer of a new client
 * is a persistent-tier hit: the tier reads its index and keys, then the one entry asked for.
 */
import localforage from 'localforage';
import { firstValueFrom, from, lastValueFrom, mergeMap, toArray } from 'rxjs';
import { INDEX_KEY } from '../../lib/cache/persistent-index';
import { createApiClient, type ApiClient } from '../../lib/index';
import { expose, itemPath } from './page-api';

/** Room for the largest seed (bytes are the entries' JSON characters, headers included). */
const BOUNDS = { maxEntries: 5_000, maxBytes: 50_000_000 } as const;

const client = (db: string): ApiClient => createApiClient({ baseUrl: location.origin, cache: { store: 'localforage', name: db, ...BOUNDS } });

expose({
  async seed(db, count) {
    const t0 = performance.now();
    const seeding = client(db);
    const ids = Array.from({ length: count }, (_, i) => i + 1);
    await lastValueFrom(
      from(ids).pipe(
        mergeMap((id) => seeding.get(itemPath(id)), 8),
        toArray(),
      ),
    );
    // Persistent writes are deferred past delivery; flush() completes when they are all stored.
    await lastValueFrom(seeding.cache.flush(), { defaultValue: undefined });
    // Counted through localforage, the driver rxsync stores through (one more key is its index).
    const keys = await localforage.createInstance({ name: db, storeName: 'http_cache' }).keys();
    return { persisted: keys.filter((key) => key !== INDEX_KEY).length, ms: performance.now() - t0 };
  },
  async firstAnswer(db, id) {
    const t0 = performance.now();
    const cold = client(db);
    let source = 'network';
    const events = cold.events$.subscribe((event) => {
      if (event.type === 'cache-hit') source = event.tier === 'persistent' ? 'storage' : `${event.tier} tier`;
    });
    const response = await firstValueFrom(cold.request<{ id: number }>({ method: 'GET', url: itemPath(id) }));
    const ms = performance.now() - t0;
    events.unsubscribe();
    return { ms, id: response.body.id, source: response.stale ? `${source} (stale)` : source };
  },
});
