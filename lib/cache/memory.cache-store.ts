import { defer, of, type Observable } from 'rxjs';
import type { CacheStore } from './cache-store';

/**
 * A synchronous in-memory {@link CacheStore}: every Observable emits and completes during
 * `subscribe`. For tests (inspect `entries`), and as a template for other ports.
 *
 * @example
 * const store = createMemoryCacheStore();
 * const client = createApiClient({ baseUrl: 'https://api.example.com', cache: { store } });
 * // later, in a test: expect([...store.entries.keys()]).toHaveLength(1);
 */
export function createMemoryCacheStore(): CacheStore & { readonly entries: ReadonlyMap<string, unknown> } {
  const entries = new Map<string, unknown>();
  const done: Observable<void> = of(undefined);
  return {
    entries,
    get: (key) => defer(() => of(entries.get(key))),
    set: (key, value) =>
      defer(() => {
        entries.set(key, value);
        return done;
      }),
    remove: (key) =>
      defer(() => {
        entries.delete(key);
        return done;
      }),
    keys: () => defer(() => of([...entries.keys()])),
    clear: () =>
      defer(() => {
        entries.clear();
        return done;
      }),
  };
}
