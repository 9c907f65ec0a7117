import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { defer, map, of, type Observable } from 'rxjs';
import type { CacheStore, OutboxStorage, StoredTokens, TokenStore } from 'rxsync';

/**
 * The demo phone's disk: a key-value store in one JSON file, so a killed process leaves exactly
 * what it had written and the next process reads it back. Each write replaces the file through a
 * rename (atomic on one file system), so a kill mid-write leaves the previous version, never half
 * a file; `set` completes only after the rename, which is when the outbox may say "queued".
 * One shape serves the outbox and the HTTP cache (a `CacheStore` is an `OutboxStorage`).
 * A real app uses IndexedDB (`localforageOutboxStorage()`) or SQLite (`sqliteOutboxStorage`).
 */
export function fileStore(path: string): CacheStore & OutboxStorage {
  const read = (): Record<string, unknown> => (existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : {});
  const write = (data: Record<string, unknown>): void => {
    writeFileSync(`${path}.tmp`, JSON.stringify(data));
    renameSync(`${path}.tmp`, path);
  };
  const update = (change: (data: Record<string, unknown>) => void): Observable<void> =>
    defer(() => {
      const data = read();
      change(data);
      write(data);
      return of(undefined);
    });
  return {
    get: (key) => defer(() => of(read()[key])),
    set: (key, value) => update((data) => void (data[key] = value)),
    remove: (key) => update((data) => void delete data[key]),
    keys: () => defer(() => of(Object.keys(read()))),
    clear: () => update((data) => Object.keys(data).forEach((key) => delete data[key])),
  };
}

/** The session kept on the same disk, as an app keeps its refresh token across restarts. */
export function fileTokenStore(path: string): TokenStore {
  const store = fileStore(path);
  return {
    load: () => store.get('session').pipe(map((value) => (value ?? null) as StoredTokens | null)),
    save: (tokens) => (tokens ? store.set('session', tokens) : store.remove('session')),
  };
}
