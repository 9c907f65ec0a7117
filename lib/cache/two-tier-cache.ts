import { defer, finalize, map, of, share, type Observable } from 'rxjs';
import type { ApiEnv } from '../core/env';
import type { CacheEntry, StoredResponse } from './cache-entry';
import { createLru, type LruBounds } from './lru';
import type { PersistentTier } from './persistent-tier';
import { freezeBody } from './stored-body';

/** {@link TwoTierCache.peek}'s answer when only the persistent tier can tell. */
export const CONSULT_PERSISTENT: unique symbol = Symbol('consult-persistent');

/**
 * The memory LRU in front of the optional persistent tier.
 *
 * - {@link peek} answers synchronously from memory: a hit, a certain miss (no persistent tier, or
 *   its index does not hold the key), or "ask the persistent tier". A memory hit therefore never
 *   leaves the current call stack.
 * - {@link load} reads through: concurrent loads of one key share one read, and what is read is
 *   validated, hydrated and promoted into memory, unless the key changed while it was read: removed
 *   (`remove`, or any `removeWhere` / `clear`) makes the read a miss, and a newer `set` wins (the
 *   read answers with it). So an invalidation or a logout is never undone by a read in flight.
 * - {@link set} writes memory now and hands the entry to the persistent tier, which writes it
 *   later on the scheduler (never on the response's critical path).
 * - Entries past `expiresAt` are swept when met (here and in the persistent index), and at startup.
 */
export interface TwoTierCache {
  peek(key: string, now: number): StoredResponse | undefined | typeof CONSULT_PERSISTENT;
  load(key: string): Observable<StoredResponse | undefined>;
  set(key: string, stored: StoredResponse): void;
  remove(key: string): void;
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
}

export function createTwoTierCache(options: TwoTierOptions): TwoTierCache {
  const { persistent, env } = options;
  const memory = createLru<StoredResponse>(options.memory, (stored) => stored.entry.size);
  const loading = new Map<string, Observable<StoredResponse | undefined>>();
  // Keys being read from the persistent tier (at most one read each), and whether each was removed
  // or rewritten since its read started; `removeWhere` and `clear` bump `generation` instead.
  const reading = new Map<string, { changed: boolean }>();
  let generation = 0;
  const touched = (key: string): void => {
    const read = reading.get(key);
    if (read) read.changed = true;
  };

  const remove = (key: string): void => {
    touched(key);
    memory.delete(key);
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
    memory.set(key, stored);
    return stored;
  };

  return {
    peek(key, now) {
      const stored = memory.get(key);
      if (stored !== undefined) {
        if (stored.expiresAt > now) return stored;
        remove(key);
        return undefined;
      }
      return persistent === undefined || persistent.knownAbsent(key) ? undefined : CONSULT_PERSISTENT;
    },
    load(key) {
      if (!persistent) return of(undefined);
      let shared = loading.get(key);
      if (!shared) {
        shared = readThrough(persistent, key).pipe(
          finalize(() => loading.delete(key)),
          share(),
        );
        loading.set(key, shared);
      }
      return shared;
    },
    set(key, stored) {
      touched(key);
      memory.set(key, stored);
      persistent?.write(key, stored.entry, stored.expiresAt);
    },
    remove,
    removeWhere(predicate) {
      generation++;
      for (const key of memory.keys()) if (predicate(key)) memory.delete(key);
      return persistent ? persistent.removeWhere(predicate) : of(undefined);
    },
    clear() {
      generation++;
      memory.clear();
      return persistent ? persistent.clear() : of(undefined);
    },
    flush: () => (persistent ? persistent.flush() : of(undefined)),
  };
}
