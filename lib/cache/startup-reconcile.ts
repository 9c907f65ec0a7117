import { EMPTY, catchError, concat, defaultIfEmpty, defer, mergeMap, type Observable } from 'rxjs';
import { isInvalid, parseCacheEntry, type CacheEntry } from './cache-entry';
import type { CacheStore } from './cache-store';
import { INDEX_KEY, parseStoredIndex, type PersistentIndex } from './persistent-index';

/** What the startup reconcile works with: the store, the empty index it fills, and the tier's own helpers. */
export interface ReconcileDeps {
  readonly store: CacheStore;
  readonly index: PersistentIndex;
  readonly now: () => number;
  /** Sweep time of an entry adopted without an index record. */
  readonly expiresAtOf: (entry: CacheEntry) => number;
  readonly report: (operation: string, detail: string) => void;
  /** Removes one key from the store, reporting (never failing) on error. */
  readonly removeFromStore: (key: string) => Observable<never>;
  /** Evicts while over the bounds. */
  readonly evict: () => Observable<never>;
  /** Persists the index if it changed. */
  readonly writeIndex: () => Observable<never>;
  readonly describe: (error: unknown) => string;
  readonly urlOf: (key: string) => string;
  /** A removal asked for since the tier was created: the startup must not index that key again. */
  readonly isRemoved?: (key: string) => boolean;
  /**
   * Called once the stored index is loaded, before the store's keys are listed: from then on reads
   * may trust the index (a record whose entry is gone reads as a miss; an entry without a record
   * is found only once the reconcile adopts it).
   */
  readonly onIndexed?: () => void;
}

/**
 * The persistent tier's startup (its queue's first job): load the stored index, reconcile it with
 * the store's keys, sweep, enforce the bounds, write the index back.
 * - An index record without an entry is dropped.
 * - An entry without a record (a crash between the two writes, another tab) is read and adopted
 *   when it is a valid entry of this version, else removed.
 * - Expired entries are removed; then the oldest beyond the bounds.
 * Fails (for the tier to disable itself) only when the store itself cannot be read.
 */
export function startupReconcile(deps: ReconcileDeps): Observable<never> {
  return deps.store.get(INDEX_KEY).pipe(
    defaultIfEmpty(undefined),
    mergeMap((raw) => {
      const records = parseStoredIndex(raw);
      if (records === undefined) deps.report('index', 'unreadable cache index: rebuilt from the stored entries');
      // Indexed before the keys are listed (one cursor step per entry in IndexedDB, the slow part
      // of a large cache): the first read need not wait for it.
      for (const [key, record] of records ?? []) if (!deps.isRemoved?.(key)) deps.index.set(key, record);
      deps.index.dirty = false;
      deps.onIndexed?.();
      return deps.store.keys().pipe(mergeMap((keys) => reconcile(deps, records?.length ?? 0, keys)));
    }),
  );
}

function reconcile(deps: ReconcileDeps, storedRecords: number, keys: string[]): Observable<never> {
  const { index } = deps;
  const present = new Set(keys);
  // Records without an entry go; entries without a record are adopted (unless removed meanwhile).
  for (const key of index.keys()) if (!present.has(key)) index.drop(key);
  const unindexed = keys.filter((key) => key !== INDEX_KEY && !index.has(key));
  index.dirty = index.dirty || storedRecords !== index.size;
  const now = deps.now();
  return concat(
    ...unindexed.map((key) => adopt(deps, key)),
    defer(() => {
      const expired = index.expired(now);
      expired.forEach(index.drop);
      return concat(...expired.map(deps.removeFromStore), deps.evict());
    }),
    deps.writeIndex(),
  );
}

/**
 * Adopts one entry without a record, unless a removal was asked for meanwhile (before the keys
 * were listed or while earlier entries were adopted): then it goes, as that removal's job may only
 * know the keys indexed when it was asked.
 */
function adopt(deps: ReconcileDeps, key: string): Observable<never> {
  if (deps.isRemoved?.(key)) return deps.removeFromStore(key);
  return deps.store.get(key).pipe(
    defaultIfEmpty(undefined),
    mergeMap((raw) => {
      if (deps.isRemoved?.(key)) return deps.removeFromStore(key);
      const parsed = parseCacheEntry(raw, key);
      if (!isInvalid(parsed)) {
        deps.index.set(key, { size: parsed.size, expiresAt: deps.expiresAtOf(parsed) });
        return EMPTY;
      }
      deps.report('read', `dropped stored entry for ${deps.urlOf(key)}: ${parsed.invalid}`);
      return deps.removeFromStore(key);
    }),
    catchError((error: unknown) => {
      deps.report('read', `dropped unreadable entry for ${deps.urlOf(key)}: ${deps.describe(error)}`);
      return deps.removeFromStore(key);
    }),
  );
}
