/*
 * The first read of the storage: the entries earlier instances left (a restart, a killed app) join
 * the queue once, before anything is sent, enqueued or reported idle. An entry stored as `sending`
 * was on the wire when its instance died: it goes again with the same Idempotency-Key. A failed
 * load is forgotten, so the next drain tries again.
 */
import { EMPTY, Observable, catchError, concat, defer, filter, map, take, throwError, type OperatorFunction } from 'rxjs';
import { compareEntries } from './outbox-entry';
import type { OutboxOptimisticPatches } from './outbox-optimistic';
import type { OutboxPersistence } from './outbox-persistence';
import type { OutboxState } from './outbox-state';
import { toQueued } from './outbox.reducers';

export interface OutboxLoadDeps {
  readonly state: OutboxState;
  readonly persistence: OutboxPersistence;
  readonly optimistic: OutboxOptimisticPatches;
  /** The current user's partition, read once the load finished. */
  readonly partition: () => string;
  /** Until an async token store has loaded, the partition is not known: nothing is read. */
  readonly whenReady?: () => Observable<unknown> | undefined;
}

/** Returns `load()`: every call shares the one load (and replays its end once it finished). */
export function createOutboxLoad({ state, persistence, optimistic, partition, whenReady }: OutboxLoadDeps): () => Observable<void> {
  const { entries } = state;
  return () => {
    state.loaded ??= persistence.readEntries(concat(waitReady(whenReady), persistence.keys()), 'load keys', entries, true).pipe(
      map(() => {
        state.partition = partition();
        for (const entry of entries.values()) {
          state.seq = Math.max(state.seq, entry.seq + 1);
          if (entry.status === 'sending') entries.set(entry.id, toQueued(entry)); // killed mid-send: goes again, same key
        }
        // Queue order, not the order the storage reads finished: the last edit must end on top.
        for (const entry of [...entries.values()].sort(compareEntries)) optimistic.reapply(entry);
        state.publish();
      }),
      catchError((error: unknown) => {
        state.loaded = undefined;
        return throwError(() => error);
      }),
      shareOnce(),
    );
    return state.loaded;
  };
}

function waitReady(whenReady: (() => Observable<unknown> | undefined) | undefined): Observable<never> {
  return defer(() => {
    const ready = whenReady?.();
    return ready === undefined
      ? EMPTY
      : ready.pipe(
          take(1),
          filter(() => false),
          catchError(() => EMPTY),
        );
  }) as Observable<never>;
}

/** One execution for every subscriber, replayed after it completed. */
function shareOnce<T>(): OperatorFunction<T, T> {
  return (source) => {
    let result: { done: boolean; error?: unknown; failed: boolean } | undefined;
    let running: Observable<T> | undefined;
    const waiters: Array<{ next: () => void; error: (e: unknown) => void }> = [];
    return new Observable<T>((subscriber) => {
      if (result?.done) {
        if (result.failed) subscriber.error(result.error);
        else subscriber.complete();
        return undefined;
      }
      waiters.push({ next: () => subscriber.complete(), error: (e) => subscriber.error(e) });
      if (running === undefined) {
        running = source;
        source.subscribe({
          error: (error: unknown) => {
            result = { done: true, error, failed: true };
            for (const w of waiters.splice(0)) w.error(error);
          },
          complete: () => {
            result = { done: true, failed: false };
            for (const w of waiters.splice(0)) w.next();
          },
        });
      }
      return undefined;
    });
  };
}
