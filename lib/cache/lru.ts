/**
 * A least-recently-used map bounded by entry count and by bytes. Recency is the `Map`'s
 * insertion order (a hit deletes and re-inserts), so every operation is O(1) but eviction,
 * which is O(evicted).
 *
 * @example
 * const lru = createLru<string>({ maxEntries: 2, maxBytes: 100 }, (v) => v.length);
 * lru.set('a', 'x'); lru.set('b', 'y'); lru.get('a'); lru.set('c', 'z'); // evicts 'b'
 */
export interface Lru<V> {
  /** The value, marked most recently used. */
  get(key: string): V | undefined;
  /** The value, recency untouched. */
  peek(key: string): V | undefined;
  has(key: string): boolean;
  /** Stores and evicts the least recently used beyond the bounds. A value larger than `maxBytes` is not stored (and replaces nothing). Returns the evicted keys. */
  set(key: string, value: V): string[];
  delete(key: string): boolean;
  /** Oldest first. */
  keys(): string[];
  clear(): void;
  readonly size: number;
  readonly bytes: number;
}

export interface LruBounds {
  readonly maxEntries: number;
  readonly maxBytes: number;
}

export function createLru<V>(bounds: LruBounds, sizeOf: (value: V) => number): Lru<V> {
  const map = new Map<string, V>();
  let bytes = 0;
  // The most recently used key: hitting it again needs no re-insertion (the common repeat read).
  let newest: string | undefined;

  const remove = (key: string): boolean => {
    const value = map.get(key);
    if (value === undefined) return false;
    map.delete(key);
    if (key === newest) newest = undefined;
    bytes -= sizeOf(value);
    return true;
  };

  return {
    get(key) {
      const value = map.get(key);
      if (value !== undefined && key !== newest) {
        map.delete(key);
        map.set(key, value);
        newest = key;
      }
      return value;
    },
    peek: (key) => map.get(key),
    has: (key) => map.has(key),
    set(key, value) {
      remove(key);
      const size = sizeOf(value);
      if (size > bounds.maxBytes || bounds.maxEntries <= 0) return [];
      map.set(key, value);
      newest = key;
      bytes += size;
      const evicted: string[] = [];
      for (const oldest of map.keys()) {
        if (map.size <= bounds.maxEntries && bytes <= bounds.maxBytes) break;
        if (oldest === key) continue;
        remove(oldest);
        evicted.push(oldest);
      }
      return evicted;
    },
    delete: remove,
    keys: () => [...map.keys()],
    clear() {
      map.clear();
      newest = undefined;
      bytes = 0;
    },
    get size() {
      return map.size;
    },
    get bytes() {
      return bytes;
    },
  };
}
