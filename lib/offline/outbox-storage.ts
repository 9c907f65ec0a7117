import { Observable, defer, of } from 'rxjs';

/**
 * The storage port of the outbox (README: "The outbox", **Storage**): a small key-value interface
 * returning cold Observables, the shape of the cache's `CacheStore` (any `CacheStore` is an
 * `OutboxStorage`).
 * Values are the outbox's plain JSON records. A write is acknowledged when its Observable
 * completes; the outbox tells a caller "queued" only after that.
 *
 * Implementations: {@link memoryOutboxStorage} (tests; lost on restart),
 * {@link localforageOutboxStorage} (IndexedDB in browsers, the default), and for Capacitor on iOS,
 * where the OS may evict a WKWebView's IndexedDB, {@link sqliteOutboxStorage} (a SQLite table
 * through a `@capacitor-community/sqlite` connection or any driver of that shape).
 *
 * @example
 * const storage: OutboxStorage = {
 *   get: (key) => defer(() => from(db.get(key))),
 *   set: (key, value) => defer(() => from(db.put(key, value))),
 *   remove: (key) => defer(() => from(db.delete(key))),
 *   keys: () => defer(() => from(db.keys())),
 * };
 */
export interface OutboxStorage {
  /** The stored value, or `undefined` when absent. */
  get(key: string): Observable<unknown | undefined>;
  set(key: string, value: unknown): Observable<void>;
  remove(key: string): Observable<void>;
  keys(): Observable<string[]>;
}

/**
 * An in-memory outbox storage, synchronous (marble-testable). Values are copied through JSON on
 * the way in and out, as a real store would, so a test sees what a restart would see. Hand the
 * same instance to a second client to simulate a restart.
 *
 * @example
 * const storage = memoryOutboxStorage();
 * const first = createApiClient({ baseUrl, offline: { outbox: { storage } } });
 * first.close();
 * const second = createApiClient({ baseUrl, offline: { outbox: { storage } } }); // finds the entries
 */
export function memoryOutboxStorage(): OutboxStorage & { readonly data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    get: (key) => defer(() => of(data.has(key) ? (JSON.parse(data.get(key)!) as unknown) : undefined)),
    set: (key, value) =>
      defer(() => {
        data.set(key, JSON.stringify(value));
        return of(undefined);
      }),
    remove: (key) =>
      defer(() => {
        data.delete(key);
        return of(undefined);
      }),
    keys: () => defer(() => of([...data.keys()])),
  };
}
