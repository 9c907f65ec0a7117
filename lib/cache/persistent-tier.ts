import {
  AsyncSubject,
  EMPTY,
  catchError,
  concat,
  defaultIfEmpty,
  defer,
  finalize,
  ignoreElements,
  map,
  mergeMap,
  of,
  throwError,
  timeout,
  type Observable,
} from 'rxjs';
import type { ApiEnv } from '../core/env';
import { isInvalid, parseCacheEntry, type CacheEntry } from './cache-entry';
import { parseCacheKey, urlKeyOf } from './cache-key';
import { isQuotaError, type CacheStore } from './cache-store';
import { INDEX_KEY, createPersistentIndex, type IndexRecord } from './persistent-index';
import { startupReconcile } from './startup-reconcile';
import { createWriteQueue } from './write-queue';

export { INDEX_KEY } from './persistent-index';

/**
 * The persistent tier: a {@link CacheStore} plus an index of what it holds (`persistent-index.ts`:
 * size, sweep time, LRU order) so that bounds, sweeping and "is it there at all?" never read the
 * entries themselves. The queue is `write-queue.ts`, the startup `startup-reconcile.ts`; this file
 * ties them together and does the reads, writes and removals.
 *
 * - Every mutation goes through one queue (`concatMap`), so a removal can never be overtaken by
 *   an older write, whatever the driver's own ordering. Removals also drop index records at once,
 *   so reads and {@link PersistentTier.knownAbsent} see them before their job runs; a write that
 *   finds its entry removed when it completes removes it from the store again.
 * - Writes are deferred: {@link PersistentTier.write} only records the entry as pending and
 *   schedules a drain on `env.scheduler` (after the response is delivered; marble tests control it).
 *   A pending entry answers reads until it is written.
 * - Startup (the queue's first job): load the index, reconcile it with the store's keys (index
 *   records without entry dropped; entries without record, e.g. after a crash between the two
 *   writes, read and adopted or dropped), sweep expired entries, enforce the bounds. Reads wait
 *   only for the index itself: listing the keys walks the whole store (a cursor step per entry in
 *   IndexedDB), and a first answer must not grow with the cache. A key removed meanwhile is never
 *   adopted back. A store that
 *   does not finish its startup within `startupTimeoutMs` (every wait is bounded; README "Cache")
 *   disables the tier like an unavailable driver: memory-only, with a `cache-error` event.
 * - A quota error on write evicts the oldest entries (at least a quarter of the bytes, at least the
 *   new entry's size) and retries once; a second failure disables the tier (memory-only) with a
 *   `cache-error` event. An unavailable driver disables it at startup the same way.
 *
 * The index is one record (`INDEX_KEY`) rewritten after each batch of changes. Reads refresh LRU
 * order in memory; the order is persisted with the next write. Several tabs sharing one database
 * each keep their own index (last writer wins; the next startup reconciles).
 */
export interface PersistentTier {
  /**
   * The validated entry, or `undefined`; waits for the stored index only, not for the whole startup
   * (listing the keys, adopting, sweeping). A corrupt or foreign entry is removed with an event.
   */
  read(key: string): Observable<CacheEntry | undefined>;
  /**
   * True when the tier certainly holds no variant of `urlKey` other than the keys in `known`
   * (started, none indexed, none pending): a miss without I/O.
   */
  knownAbsent(urlKey: string, known?: readonly string[]): boolean;
  /** The keys of the variants of `urlKey` it holds (indexed or pending), least recently used first; waits for the stored index. */
  variantKeys(urlKey: string): Observable<string[]>;
  write(key: string, entry: CacheEntry, expiresAt: number): void;
  remove(key: string): void;
  /** Removes every variant of `urlKey` (RFC 9111 §4.1, §4.4), those startup has yet to index included. */
  removeUrl(urlKey: string): void;
  /** Removes every key matching; completes when the store is done. */
  removeWhere(predicate: (key: string) => boolean): Observable<void>;
  clear(): Observable<void>;
  /** Completes when no write or removal is scheduled or running. */
  flush(): Observable<void>;
  readonly active: boolean;
}

export interface PersistentTierOptions {
  readonly store: CacheStore;
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly env: ApiEnv;
  /** Sweep time of an entry adopted at startup without an index record. */
  readonly expiresAtOf: (entry: CacheEntry) => number;
  /** How long the startup (index, keys, reconcile) may take before the tier gives up. */
  readonly startupTimeoutMs: number;
  /** Variants kept per URL (RFC 9111 §4.1); a write beyond it drops the least recently used other one. */
  readonly maxVariants: number;
}

interface Pending {
  readonly entry: CacheEntry;
  readonly expiresAt: number;
}

export function createPersistentTier(options: PersistentTierOptions): PersistentTier {
  const { store, env } = options;
  const index = createPersistentIndex();
  const pending = new Map<string, Pending>();
  const queuedWrites = new Set<string>();
  const ready = new AsyncSubject<void>();
  /** Fires once the stored index is loaded (or the startup ended): reads wait for this, not for the whole startup. */
  const indexed = new AsyncSubject<void>();
  let state: 'starting' | 'ready' | 'disabled' = 'starting';
  /** Removals asked for while starting: the startup must not index those keys again (see `isRemoved`). */
  const removedWhileStarting: Array<(key: string) => boolean> = [];
  const keysRemovedWhileStarting = new Set<string>();
  let isIndexed = false;
  const markIndexed = (): void => {
    if (isIndexed) return;
    isIndexed = true;
    indexed.next();
    indexed.complete();
  };
  let drainScheduled = false;

  const report = (operation: string, detail: string): void => env.emit({ type: 'cache-error', operation, detail });
  const queue = createWriteQueue((error) => report('persist', describe(error)));
  const enqueue = queue.enqueue;

  const disable = (detail: string): void => {
    if (state === 'disabled') return;
    state = 'disabled';
    pending.clear();
    queuedWrites.clear();
    report('persist', `${detail}; persistent cache disabled, continuing memory-only`);
  };

  const setRecord = (key: string, record: IndexRecord): void => index.set(key, record);
  const dropRecord = (key: string): void => index.drop(key);
  const removeFromStore = (key: string): Observable<never> =>
    store.remove(key).pipe(
      ignoreElements(),
      catchError((error: unknown) => {
        report('remove', `${urlOf(key)}: ${describe(error)}`);
        return EMPTY;
      }),
    );
  /** Drops index records (oldest first, sparing `keep`) while over the bounds, or until `needBytes` are freed. */
  const evict = (keep: string | undefined, needBytes = 0): Observable<never> => {
    const victims = index.victims(options, keep, needBytes);
    victims.forEach(dropRecord);
    return concat(...victims.map(removeFromStore));
  };
  const writeIndex = (): Observable<never> =>
    defer(() => {
      if (!index.dirty || state === 'disabled') return EMPTY;
      return store.set(INDEX_KEY, index.snapshot()).pipe(
        ignoreElements(),
        catchError((error: unknown) => {
          report('index', describe(error));
          return EMPTY;
        }),
      );
    });

  const writeJob = (key: string): Observable<unknown> =>
    defer(() => {
      queuedWrites.delete(key);
      const job = pending.get(key);
      if (!job || state === 'disabled') return EMPTY;
      return completes(store.set(key, job.entry)).pipe(
        catchError((error: unknown) => recoverWrite(key, job, error)),
        mergeMap((stored) => {
          const current = pending.get(key);
          // A newer write since this one started wins: it is queued behind us.
          if (current !== undefined && current !== job) return EMPTY;
          // Removed while being written (remove, removeWhere, clear): the value may be in the store
          // already, and no index record names it; take it out, or a restart would adopt it.
          if (current === undefined) return stored ? removeFromStore(key) : EMPTY;
          pending.delete(key);
          if (!stored) return EMPTY;
          setRecord(key, { size: job.entry.size, expiresAt: job.expiresAt });
          return evict(key);
        }),
      );
    });
  const recoverWrite = (key: string, job: Pending, error: unknown): Observable<boolean> => {
    if (!isQuotaError(error)) {
      report('write', `${urlOf(key)} not persisted: ${describe(error)}`);
      return of(false);
    }
    report('write', `storage quota exceeded writing ${urlOf(key)}: evicting and retrying once`);
    return concat(
      evict(key, Math.max(job.entry.size, index.bytes / 4)),
      defer(() => completes(store.set(key, job.entry))),
    ).pipe(
      catchError((again: unknown) => {
        disable(`storage quota still exceeded after eviction (${describe(again)})`);
        return of(false);
      }),
    );
  };

  const scheduleDrain = (): void => {
    if (drainScheduled || state === 'disabled') return;
    drainScheduled = true;
    const release = queue.hold();
    env.scheduler.schedule(() => {
      drainScheduled = false;
      for (const key of pending.keys()) {
        if (queuedWrites.has(key)) continue;
        queuedWrites.add(key);
        enqueue(writeJob(key));
      }
      enqueue(writeIndex());
      release();
    });
  };

  const startup = defer(() =>
    startupReconcile({
      store,
      index,
      now: () => env.scheduler.now(),
      expiresAtOf: options.expiresAtOf,
      report,
      removeFromStore,
      evict: () => evict(undefined),
      writeIndex,
      describe,
      urlOf,
      isRemoved: (key) => keysRemovedWhileStarting.has(key) || removedWhileStarting.some((removed) => removed(key)),
      onIndexed: markIndexed,
    }).pipe(
      timeout({
        first: options.startupTimeoutMs,
        scheduler: env.scheduler,
        with: () => throwError(() => new Error(`the store did not finish starting within ${options.startupTimeoutMs} ms`)),
      }),
      catchError((error: unknown) => {
        disable(`persistent store unavailable (${describe(error)})`);
        return EMPTY;
      }),
      finalize(() => {
        if (state === 'starting') state = 'ready';
        removedWhileStarting.length = 0;
        keysRemovedWhileStarting.clear();
        markIndexed();
        ready.next();
        ready.complete();
      }),
    ),
  );

  const remove = (key: string): void => {
    pending.delete(key);
    if (state === 'disabled' || (state === 'ready' && !index.has(key))) return;
    if (state === 'starting') keysRemovedWhileStarting.add(key);
    dropRecord(key); // at once, so reads and knownAbsent() see it gone
    enqueue(
      defer(() => {
        dropRecord(key); // again: startup may have indexed it since
        return concat(removeFromStore(key), writeIndex());
      }),
    );
  };

  const read = (key: string): Observable<CacheEntry | undefined> =>
    defer(() => {
      if (state === 'disabled') return of(undefined);
      const job = pending.get(key);
      if (job) return of(job.entry);
      if (state === 'starting' && !isIndexed) return indexed.pipe(mergeMap(() => read(key)));
      const record = index.get(key);
      if (!record) return of(undefined);
      if (record.expiresAt <= env.scheduler.now()) {
        remove(key); // swept lazily
        return of(undefined);
      }
      return store.get(key).pipe(
        defaultIfEmpty(undefined),
        map((raw) => (raw === undefined ? { gone: true as const } : parseCacheEntry(raw, key))),
        catchError((error: unknown) => of({ invalid: `unreadable (${describe(error)})` })),
        map((parsed) => {
          if ('gone' in parsed) {
            dropRecord(key); // removed behind our back (another tab): quietly forget it
            return undefined;
          }
          if (isInvalid(parsed)) {
            report('read', `dropped stored entry for ${urlOf(key)}: ${parsed.invalid}`);
            remove(key);
            return undefined;
          }
          // Written or removed while we were reading: the newer state wins.
          const newer = pending.get(key);
          if (newer) return newer.entry;
          const current = index.get(key);
          if (!current) return undefined;
          setRecord(key, current); // most recently used
          return parsed;
        }),
      );
    });

  /** Indexed and pending variants of `urlKey`, least recently used first (pending ones are the newest). */
  const variantsNow = (urlKey: string): string[] => {
    const keys = index.variantsOf(urlKey).filter((key) => !pending.has(key));
    for (const key of pending.keys()) if (urlKeyOf(key) === urlKey) keys.push(key);
    return keys;
  };

  const removeWhere = (predicate: (key: string) => boolean): Observable<void> => {
    for (const key of [...pending.keys()]) if (predicate(key)) pending.delete(key);
    if (state === 'disabled') return of(undefined);
    // Dropped from the index at once (as remove() does), so a read finishing before the job
    // runs finds no record and reports a miss.
    const victims = [...index.keys()].filter(predicate);
    victims.forEach(dropRecord);
    const starting = state === 'starting';
    if (starting) removedWhileStarting.push(predicate);
    return enqueue(
      defer(() => {
        // Indexed since by startup: those go too. (Once ready, a record added since is a newer write.)
        const late = starting ? [...index.keys()].filter(predicate) : [];
        late.forEach(dropRecord);
        return concat(...[...victims, ...late].map(removeFromStore), writeIndex());
      }),
    );
  };

  enqueue(startup);

  return {
    read,
    knownAbsent(urlKey, known) {
      if (state !== 'ready') return state === 'disabled';
      // The hot miss: a URL without any stored variant.
      if (pending.size === 0 && index.variantsOf(urlKey).length === 0) return true;
      return variantsNow(urlKey).every((key) => known?.includes(key) === true);
    },
    variantKeys: (urlKey) =>
      defer(() => {
        if (state === 'disabled') return of([]);
        return state === 'starting' && !isIndexed ? indexed.pipe(map(() => (state === 'disabled' ? [] : variantsNow(urlKey)))) : of(variantsNow(urlKey));
      }),
    write(key, entry, expiresAt) {
      if (state === 'disabled') return;
      if (entry.size > options.maxBytes) return remove(key);
      pending.set(key, { entry, expiresAt });
      // RFC 9111 §4.1, bounded: the least recently used other variants beyond the limit go.
      const others = variantsNow(urlKeyOf(key)).filter((other) => other !== key);
      if (others.length >= options.maxVariants) others.slice(0, others.length - options.maxVariants + 1).forEach(remove);
      scheduleDrain();
    },
    remove,
    removeUrl(urlKey) {
      if (state === 'ready') variantsNow(urlKey).forEach(remove);
      else if (state === 'starting') void removeWhere((key) => urlKeyOf(key) === urlKey);
    },
    removeWhere,
    clear() {
      pending.clear();
      if (state === 'disabled') return of(undefined);
      const dropIndex = (): void => index.clear();
      if (state === 'starting') removedWhileStarting.push(() => true);
      dropIndex(); // at once, as removeWhere()
      return enqueue(
        defer(() => {
          dropIndex(); // again: startup may have indexed entries since
          return store.clear().pipe(
            ignoreElements(),
            catchError((error: unknown) => {
              report('clear', describe(error));
              return EMPTY;
            }),
          );
        }),
      );
    },
    flush: queue.flush,
    get active() {
      return state !== 'disabled';
    },
  };
}

/** Emits `true` once `source` completes (whether or not it emitted); errors pass through. */
function completes(source: Observable<unknown>): Observable<boolean> {
  return concat(source.pipe(ignoreElements()), of(true));
}

/** Events carry the URL, never the partition (a user id) nor anything else of the key. */
function urlOf(key: string): string {
  return parseCacheKey(key)?.url ?? '(foreign key)';
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
