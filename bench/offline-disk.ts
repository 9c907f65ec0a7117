/**
 * The phone's storage in the offline benchmark: one asynchronous key-value store of strings that
 * outlives app processes (what IndexedDB, localforage or AsyncStorage are to an app), handed to
 * every contestant in the same shape. Each operation answers on a later macrotask, as a real
 * async store does.
 *
 * A kill is simulated per process: {@link Disk.open} gives one process its handle, and after
 * `kill()` that handle drops every write (a process that is gone writes nothing), while reads
 * and the writes of the next process's handle go through.
 */

/** What an app process sees of the storage (AsyncStorage-shaped; redux-persist v4 also passes callbacks). */
export interface DiskHandle {
  getItem(key: string, callback?: (error: unknown, value?: string | null) => void): Promise<string | null>;
  setItem(key: string, value: string, callback?: (error: unknown) => void): Promise<void>;
  removeItem(key: string, callback?: (error: unknown) => void): Promise<void>;
  getAllKeys(callback?: (error: unknown, keys?: string[]) => void): Promise<string[]>;
  /** From now on this handle's writes are dropped. */
  kill(): void;
}

const later = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class Disk {
  private readonly data = new Map<string, string>();
  /** `performance.now()` of the last write that landed (by any process). */
  lastWriteAt = 0;
  /** Writes asked for and not landed yet. */
  writesInFlight = 0;

  /** UTF-8 bytes of every key and value stored now. */
  bytes(): number {
    let total = 0;
    for (const [key, value] of this.data) total += Buffer.byteLength(key) + Buffer.byteLength(value);
    return total;
  }

  open(): DiskHandle {
    const data = this.data;
    const landed = (): void => {
      this.lastWriteAt = performance.now();
    };
    let alive = true;
    const answer = async <T>(work: () => T, callback?: (error: unknown, value?: T) => void, write = false): Promise<T> => {
      if (write) this.writesInFlight++;
      await later();
      if (write) this.writesInFlight--;
      const value = work();
      callback?.(null, value);
      return value;
    };
    return {
      getItem: (key, callback) => answer(() => data.get(key) ?? null, callback),
      setItem: (key, value, callback) =>
        answer(
          () => {
            if (!alive) return;
            data.set(key, value);
            landed();
          },
          callback,
          true,
        ),
      removeItem: (key, callback) =>
        answer(
          () => {
            if (!alive) return;
            data.delete(key);
            landed();
          },
          callback,
          true,
        ),
      getAllKeys: (callback) => answer(() => [...data.keys()], callback),
      kill: () => {
        alive = false;
      },
    };
  }
}
