import { defaultIfEmpty, defer, finalize, forkJoin, map, mergeMap, of, share, type Observable } from 'rxjs';
import type { ApiEnv } from '../core/env';
import type { HeaderMap } from '../core/headers';
import { CACHE_DEFAULTS } from './cache-config';
import { urlKeyOf } from './cache-key';
import { createVariantGroups, selectVariant, selects } from './variants';
import type { CacheEntry, StoredResponse } from './cache-entry';
import { createLru, type LruBounds } from './lru';
import type { PersistentTier } from './persistent-tier';
import { freezeBody } from './stored-body';

/** {@link TwoTierCache.peek}'s answer when only the persistent tier can tell. */
export const CONSULT_PERSISTENT: unique symbol = Symbol('consult-persistent');

/**
 * The memory LRU in front of the optional persistent tier.
 *
 * - Several responses per URL (RFC 9111 §4.1): each variant is stored under its own key
 *   (`variantKey`), and the tiers know which keys belong to which URL, so a read selects among
 *   them ({@link selectVariant}: matching Vary fields, most recent Date) and an invalidation of
 *   the URL ({@link removeUrl}) removes them all. At most `maxVariants` per URL: storing one more
 *   drops the least recently used other one, in both tiers.
 * - {@link peek} answers synchronously from memory: a hit, a certain miss (no persistent tier, or
 *   its index holds no other variant of the URL), or "ask the persistent tier". A memory hit
 *   therefore never leaves the current call stack.
 * - {@link load} reads the URL's variants through: concurrent loads of one key share one read, and
 *   what is read is validated, hydrated and promoted into memory, unless the key changed while it
 *   was read: removed (`remove`, `removeUrl`, any `removeWhere` / `clear`) makes the read a miss,
 *   and a newer `set` wins (the read answers with it). So an invalidation or a logout is never
 *   undone by a read in flight.
 * - {@link set} writes memory now and hands the entry to the persistent tier, which writes it
 *   later on the scheduler (never on the response's critical path).
 * - Entries past `expiresAt` are swept when met (here and in the persistent index), and at startup.
 */
export interface TwoTierCache {
  /** The stored response selected for a request to `urlKey` with `headers`, from memory; or a certain miss; or "ask the persistent tier". */
  peek(urlKey: string, headers: HeaderMap, now: number): StoredResponse | undefined | typeof CONSULT_PERSISTENT;
  /** Reads the variants of `urlKey` through the persistent tier and selects one for `headers`. */
  load(urlKey: string, headers: HeaderMap): Observable<StoredResponse | undefined>;
  /** False when neither tier can hold any variant of `urlKey` (no I/O): nothing to evict. */
  holdsAny(urlKey: string): boolean;
  /** Stores `stored` under `key` (its `entry.key`, a variant key). */
  set(key: string, stored: StoredResponse): void;
  /** Removes one stored response (one variant). */
  remove(key: string): void;
  /** Removes every variant of a URL. */
  removeUrl(urlKey: string): void;
  /** Removes from memory at once; the Observable completes when the persistent tier is done too. */
  removeWhere(predicate: (key: string) => boolean): Observable<void>;
  clear(): Observable<void>;
  flush(): Observable<void>;
}

export interface TwoTierOptions {
  readonly memory: LruBounds;
  readonly persistent: PersistentTier | undefined;
  readonly env: ApiEnv;
  readonly hydrate: (entry: CacheEntry) => StoredResponse;
  /** Variants kept per URL (default {@link CACHE_DEFAULTS}.maxVariants). */
  readonly maxVariants?: number;
}

export function createTwoTierCache(options: TwoTierOptions): TwoTierCache {
  const { persistent, env } = options;
  const maxVariants = options.maxVariants ?? CACHE_DEFAULTS.maxVariants;
  const memory = createLru<StoredResponse>(options.memory, (stored) => stored.entry.size);
  // The memory tier's variants per URL, kept beside the LRU: every memory change below updates both.
  const groups = createVariantGroups();
  const loading = new Map<string, Observable<StoredResponse | undefined>>();
  // Keys being read from the persistent tier (at most one read each), and whether each was removed
  // or rewritten since its read started; `removeWhere` and `clear` bump `generation` instead.
  const reading = new Map<string, { changed: boolean }>();
  let generation = 0;
  const touched = (key: string): void => {
    const read = reading.get(key);
    if (read) read.changed = true;
  };

  const forget = (key: string): void => {
    memory.delete(key);
    groups.delete(key);
  };
  const remember = (key: string, stored: StoredResponse): void => {
    memory.set(key, stored).forEach((evicted) => groups.delete(evicted));
    if (memory.has(key)) groups.add(key);
    else groups.delete(key); // too large for memory: the persistent tier alone holds it
  };

  const remove = (key: string): void => {
    touched(key);
    forget(key);
    persistent?.remove(key);
  };

  /** A persistent read of `key`, promoted when it ends if nothing changed the key meanwhile. */
  const readThrough = (tier: PersistentTier, key: string): Observable<StoredResponse | undefined> =>
    defer(() => {
      const read = { changed: false };
      const startedIn = generation;
      reading.set(key, read);
      return tier.read(key).pipe(
        // Changed meanwhile: memory holds the newer state (the newer entry, or nothing).
        map((entry) => (read.changed || generation !== startedIn ? memory.peek(key) : promote(key, entry))),
        finalize(() => reading.get(key) === read && reading.delete(key)),
      );
    });

  /** One shared persistent read per key. */
  const loadKey = (tier: PersistentTier, key: string): Observable<StoredResponse | undefined> => {
    let shared = loading.get(key);
    if (!shared) {
      shared = readThrough(tier, key).pipe(
        defaultIfEmpty(undefined),
        finalize(() => loading.delete(key)),
        share(),
      );
      loading.set(key, shared);
    }
    return shared;
  };

  /** The memory tier's variants of `urlKey`; expired ones are swept on the way. */
  const inMemory = (urlKey: string, now: number): StoredResponse[] => {
    const found: StoredResponse[] = [];
    const keys = groups.of(urlKey);
    // Backwards: a swept key is spliced out of `keys` in place.
    for (let i = (keys?.length ?? 0) - 1; keys !== undefined && i >= 0; i--) {
      const key = keys[i];
      const stored = memory.peek(key);
      if (stored !== undefined && stored.expiresAt > now) found.push(stored);
      else remove(key);
    }
    return found;
  };

  const promote = (key: string, entry: CacheEntry | undefined): StoredResponse | undefined => {
    if (!entry) return undefined;
    let stored: StoredResponse;
    try {
      // Read back from a store: a new object graph, frozen like every body the cache hands out.
      freezeBody(entry.body);
      stored = options.hydrate(entry);
    } catch (error) {
      env.emit({ type: 'cache-error', operation: 'read', detail: `unusable stored entry for ${entry.url}: ${String(error)}` });
      remove(key);
      return undefined;
    }
    if (stored.expiresAt <= env.scheduler.now()) {
      remove(key);
      return undefined;
    }
    remember(key, stored);
    return stored;
  };

  return {
    peek(urlKey, headers, now) {
      const keys = groups.of(urlKey);
      if (keys !== undefined && keys.length === 1) {
        // The common case, one response for the URL: no array, no sort.
        const key = keys[0];
        const stored = memory.peek(key);
        if (stored !== undefined && stored.expiresAt <= now) remove(key);
        else if (stored !== undefined && selects(stored, headers)) {
          memory.get(key); // most recently used
          return stored;
        }
      } else if (keys !== undefined) {
        const best = selectVariant(inMemory(urlKey, now), headers, now);
        if (best !== undefined) {
          memory.get(best.entry.key);
          return best;
        }
      }
      return persistent === undefined || persistent.knownAbsent(urlKey, groups.of(urlKey)) ? undefined : CONSULT_PERSISTENT;
    },
    holdsAny(urlKey) {
      if ((groups.of(urlKey)?.length ?? 0) > 0) return true;
      return persistent !== undefined && !persistent.knownAbsent(urlKey, []);
    },
    load(urlKey, headers) {
      if (!persistent) return of(undefined);
      return persistent.variantKeys(urlKey).pipe(
        // Variants memory holds are the newer state already: only the others are read.
        mergeMap((keys) => {
          const reads = keys.filter((key) => !memory.has(key)).map((key) => loadKey(persistent, key));
          return reads.length === 0 ? of([]) : forkJoin(reads);
        }),
        map((loaded) => {
          const now = env.scheduler.now();
          const chosen = selectVariant([...loaded, ...inMemory(urlKey, now)], headers, now);
          if (chosen !== undefined) memory.get(chosen.entry.key);
          return chosen;
        }),
      );
    },
    set(key, stored) {
      touched(key);
      remember(key, stored);
      persistent?.write(key, stored.entry, stored.expiresAt);
      // RFC 9111 §4.1, bounded: the least recently used other variants of the URL beyond the limit go.
      groups.excess(urlKeyOf(key), maxVariants, key).forEach(remove);
    },
    remove,
    removeUrl(urlKey) {
      for (const key of reading.keys()) if (urlKeyOf(key) === urlKey) touched(key);
      for (const key of [...(groups.of(urlKey) ?? [])]) forget(key);
      persistent?.removeUrl(urlKey);
    },
    removeWhere(predicate) {
      generation++;
      for (const key of memory.keys()) if (predicate(key)) forget(key);
      return persistent ? persistent.removeWhere(predicate) : of(undefined);
    },
    clear() {
      generation++;
      memory.clear();
      groups.clear();
      return persistent ? persistent.clear() : of(undefined);
    },
    flush: () => (persistent ? persistent.flush() : of(undefined)),
  };
}
