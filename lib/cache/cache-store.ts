import type { Observable } from 'rxjs';

/**
 * The storage port of the HTTP cache (README "Cache"): a small key-value interface returning cold
 * Observables. Values are plain serializable objects (structured-clone-able: JSON data,
 * ArrayBuffers, Blobs). Implementations report failures on the error channel; the cache turns
 * every failure into a `cache-error` event and carries on (network or memory tier).
 *
 * A synchronous implementation ({@link createMemoryCacheStore}) keeps everything above it
 * marble-testable; Promise-based drivers convert at the edge with `defer(() => from(promise))`.
 *
 * @example
 * const store: CacheStore = {
 *   get: (key) => defer(() => from(db.get(key))),
 *   set: (key, value) => defer(() => from(db.put(key, value))),
 *   remove: (key) => defer(() => from(db.delete(key))),
 *   keys: () => defer(() => from(db.keys())),
 *   clear: () => defer(() => from(db.clear())),
 * };
 */
export interface CacheStore {
  /** The stored value, or `undefined` when absent. */
  get(key: string): Observable<unknown | undefined>;
  set(key: string, value: unknown): Observable<void>;
  remove(key: string): Observable<void>;
  keys(): Observable<string[]>;
  clear(): Observable<void>;
}

/**
 * Whether a storage error means "out of space" (the cache then evicts and retries once): the
 * DOMException `QuotaExceededError` (code 22), Firefox's `NS_ERROR_DOM_QUOTA_REACHED` (1014).
 */
export function isQuotaError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || code === 22 || code === 1014;
}
