/*
 * The outbox's reads and writes of its storage port, each bounded by `storageTimeoutMs`: a storage
 * that never answers becomes a typed error and an `outbox-storage-error` event, never a hang. The
 * rule "persisted before acknowledged" rests on these; the parts above never call the port bare
 * (except enqueue's clean-up of an unanswered write).
 */
import { Observable, catchError, defer, finalize, map, throwError, timeout, type OperatorFunction } from 'rxjs';
import type { ApiEnv } from '../core/env';
import { OutboxError, type OutboxErrorReason } from '../core/errors';
import { ENTRY_PREFIX, entryKey, parseEntry, type OutboxEntry } from './outbox-entry';
import type { OutboxStorage } from './outbox-storage';

/** The storage did not answer one operation within `storageTimeoutMs`. */
export class StorageTimeout extends Error {
  constructor(operation: string) {
    super(`storage did not answer: ${operation}`);
  }
}

export interface OutboxPersistence {
  /** Bounds a storage operation by `storageTimeoutMs` and reports a failure as `outbox-storage-error` (then rethrows it). */
  guard<T>(operation: string, reasonIfLost?: OutboxErrorReason): OperatorFunction<T, T>;
  /** Stores an entry; while the write runs the entry counts as `writing` (a re-read keeps the memory copy). */
  write(entry: OutboxEntry): Observable<void>;
  readEntry(id: string): Observable<OutboxEntry | undefined>;
  /** Removes an entry's record (guarded). */
  removeEntry(id: string): Observable<void>;
  /** The storage's keys (unguarded: the caller guards, so its own wait counts too). */
  keys(): Observable<string[]>;
  /**
   * The entries under the keys `keys$` emits, read into `into` (an id already there is kept);
   * `operation` names the guard of `keys$`. Corrupted records are left in storage, never sent, and
   * reported (`outbox-corrupt`) when `reportCorrupt`.
   */
  readEntries(keys$: Observable<string[]>, operation: string, into: Map<string, OutboxEntry>, reportCorrupt: boolean): Observable<void>;
}

export function createOutboxPersistence(storage: OutboxStorage, env: ApiEnv, storageTimeoutMs: number, writing: Map<string, number>): OutboxPersistence {
  const guard =
    <T>(operation: string, reasonIfLost: OutboxErrorReason = 'storage-failed'): OperatorFunction<T, T> =>
    (source) =>
      source.pipe(
        timeout({ first: storageTimeoutMs, scheduler: env.scheduler, with: () => throwError(() => new StorageTimeout(operation)) }),
        catchError((error: unknown) => {
          const reason: OutboxErrorReason = error instanceof StorageTimeout ? 'storage-timeout' : reasonIfLost;
          env.emit({
            type: 'outbox-storage-error',
            operation,
            detail: reason === 'storage-timeout' ? `no answer within ${storageTimeoutMs} ms` : describe(error),
          });
          return throwError(() => error);
        }),
      );

  const write = (entry: OutboxEntry): Observable<void> =>
    defer(() => {
      writing.set(entry.id, (writing.get(entry.id) ?? 0) + 1);
      return storage.set(entryKey(entry.id), entry).pipe(
        guard(`write ${entry.id}`),
        finalize(() => {
          const left = (writing.get(entry.id) ?? 1) - 1;
          if (left === 0) writing.delete(entry.id);
          else writing.set(entry.id, left);
        }),
      );
    });

  const readEntry = (id: string): Observable<OutboxEntry | undefined> =>
    storage.get(entryKey(id)).pipe(
      guard(`read ${id}`),
      map((value) => (value === undefined ? undefined : parseEntry(value))),
    );

  return {
    guard,
    write,
    readEntry,
    removeEntry: (id) => storage.remove(entryKey(id)).pipe(guard(`remove ${id}`)),
    keys: () => defer(() => storage.keys()),
    readEntries: (keys$, operation, into, reportCorrupt) =>
      keys$.pipe(
        guard<string[]>(operation),
        map((keys) => keys.filter((key) => key.startsWith(ENTRY_PREFIX))),
        mergeLoad(storage, guard, env, into, reportCorrupt),
      ),
  };
}

/** Why a mutation was not queued, as the `OutboxError` its caller gets. */
export function notQueued(request: Pick<OutboxEntry, 'method' | 'url'>, error: unknown): OutboxError {
  if (error instanceof OutboxError) return error;
  return new OutboxError(request, error instanceof StorageTimeout ? 'storage-timeout' : 'storage-failed', { cause: error, detail: describe(error) });
}

export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** Reads every entry key; corrupted records are reported (`outbox-corrupt`) and left in storage, never sent. */
function mergeLoad(
  storage: OutboxStorage,
  guard: <T>(operation: string) => OperatorFunction<T, T>,
  env: ApiEnv,
  into: Map<string, OutboxEntry>,
  reportCorrupt: boolean,
): OperatorFunction<string[], void> {
  return (source) =>
    new Observable<void>((subscriber) =>
      source.subscribe({
        next: (keys) => {
          if (keys.length === 0) {
            subscriber.next();
            subscriber.complete();
            return;
          }
          let left = keys.length;
          for (const key of keys) {
            storage
              .get(key)
              .pipe(guard(`read ${key}`))
              .subscribe({
                next: (value) => {
                  const entry = parseEntry(value);
                  if (entry === undefined) {
                    if (reportCorrupt) env.emit({ type: 'outbox-corrupt', key, detail: 'not an outbox entry; left in storage, not sent' });
                  } else if (!into.has(entry.id)) into.set(entry.id, entry);
                },
                error: (error: unknown) => subscriber.error(error),
                complete: () => {
                  if (--left === 0) {
                    subscriber.next();
                    subscriber.complete();
                  }
                },
              });
          }
        },
        error: (error: unknown) => subscriber.error(error),
      }),
    );
}
