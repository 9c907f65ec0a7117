import localforage from 'localforage';
import { defer, from, map, type Observable } from 'rxjs';
import type { CacheStore } from './cache-store';

/**
 * A {@link CacheStore} over a dedicated localforage instance: IndexedDB in browsers and Ionic
 * WebViews, any other localforage driver where configured; `fake-indexeddb` in Node tests.
 * This is the edge where Promises become Observables (`defer(() => from(promise))`), so nothing
 * starts before subscription and an unsubscribed Observable leaves no unhandled rejection.
 *
 * @example
 * createApiClient({ baseUrl: 'https://api.example.com', cache: { store: createLocalforageCacheStore({ name: 'my-app' }) } });
 */
export function createLocalforageCacheStore(options: { name: string; storeName?: string }): CacheStore {
  const db = localforage.createInstance({ name: options.name, storeName: options.storeName ?? 'http_cache' });
  const done = (promise: () => Promise<unknown>): Observable<void> => defer(() => from(promise())).pipe(map(() => undefined));
  return {
    get: (key) => defer(() => from(db.getItem<unknown>(key))).pipe(map((value) => (value === null ? undefined : value))),
    set: (key, value) => done(() => db.setItem(key, value)),
    remove: (key) => done(() => db.removeItem(key)),
    keys: () => defer(() => from(db.keys())),
    clear: () => done(() => db.clear()),
  };
}
