/**
 * The persistent tier's index: what the store holds (size and sweep time per key, LRU order),
 * kept in memory so bounds, sweeping and "is it there at all?" never read the entries. Persisted
 * as one record ({@link INDEX_KEY}) rewritten after each batch of changes. Pure bookkeeping: no
 * I/O here (the tier does it), so every rule is testable on its own. It also knows the variants
 * of each URL (RFC 9111 §4.1), so a read finds them without listing the store.
 */

import { createVariantGroups } from './variants';

export const INDEX_KEY = '__rxsync_cache_index__';

export interface IndexRecord {
  readonly size: number;
  readonly expiresAt: number;
}

/** The stored form of the index: `[key, size, expiresAt]` triples, oldest first. */
export interface StoredIndex {
  readonly v: 1;
  readonly entries: ReadonlyArray<readonly [string, number, number]>;
}

export interface PersistentIndex {
  has(key: string): boolean;
  get(key: string): IndexRecord | undefined;
  /** Records `key` as the most recently used. */
  set(key: string, record: IndexRecord): void;
  drop(key: string): void;
  clear(): void;
  keys(): string[];
  /** The keys of the variants of `urlKey`, least recently used first (see `variants.ts`). */
  variantsOf(urlKey: string): readonly string[];
  readonly size: number;
  readonly bytes: number;
  /** Changed since the last {@link snapshot}. */
  dirty: boolean;
  /**
   * Keys to evict, oldest first and sparing `keep`, while over the bounds or until `needBytes`
   * are freed. Only chooses: the caller drops and removes them.
   */
  victims(bounds: { readonly maxEntries: number; readonly maxBytes: number }, keep: string | undefined, needBytes?: number): string[];
  /** Keys whose sweep time has come. */
  expired(now: number): string[];
  /** The record to store; clears {@link dirty}. */
  snapshot(): StoredIndex;
}

export function createPersistentIndex(): PersistentIndex {
  const records = new Map<string, IndexRecord>(); // oldest first
  const variants = createVariantGroups();
  let bytes = 0;
  const drop = (key: string): void => {
    const record = records.get(key);
    if (!record) return;
    records.delete(key);
    variants.delete(key);
    bytes -= record.size;
    index.dirty = true;
  };
  const index: PersistentIndex = {
    has: (key) => records.has(key),
    get: (key) => records.get(key),
    set(key, record) {
      drop(key);
      records.set(key, record);
      variants.add(key);
      bytes += record.size;
      index.dirty = true;
    },
    drop,
    clear() {
      records.clear();
      variants.clear();
      bytes = 0;
      index.dirty = false;
    },
    keys: () => [...records.keys()],
    variantsOf: (urlKey) => variants.of(urlKey) ?? [],
    get size() {
      return records.size;
    },
    get bytes() {
      return bytes;
    },
    dirty: false,
    victims(bounds, keep, needBytes = 0) {
      const victims: string[] = [];
      let freed = 0;
      for (const [key, record] of records) {
        const over = records.size - victims.length > bounds.maxEntries || bytes - freed > bounds.maxBytes;
        if (!over && freed >= needBytes) break;
        if (key === keep) continue;
        victims.push(key);
        freed += record.size;
      }
      return victims;
    },
    expired: (now) => [...records].filter(([, r]) => r.expiresAt <= now).map(([key]) => key),
    snapshot() {
      index.dirty = false;
      return { v: 1, entries: [...records].map(([key, r]) => [key, r.size, r.expiresAt] as const) };
    },
  };
  return index;
}

/**
 * Reads a stored index record: its well-formed triples, `[]` when there is none, or `undefined`
 * when it is unreadable (another version, garbage): the caller rebuilds it from the entries.
 */
export function parseStoredIndex(raw: unknown): Array<[string, IndexRecord]> | undefined {
  if (raw === undefined) return [];
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { v, entries } = raw as { v?: unknown; entries?: unknown };
  if (v !== 1 || !Array.isArray(entries)) return undefined;
  return entries
    .filter((e): e is [string, number, number] => Array.isArray(e) && typeof e[0] === 'string' && Number.isFinite(e[1]) && Number.isFinite(e[2]))
    .map(([key, size, expiresAt]) => [key, { size, expiresAt }]);
}
