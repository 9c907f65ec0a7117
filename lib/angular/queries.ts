import { InjectionToken, DestroyRef, type Signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { BehaviorSubject, Observable, Subject, asyncScheduler, map, scan, switchMap, take, type SchedulerLike } from 'rxjs';
import type { FetchPolicy } from '../cache/cache-config';
import { trackQuery, type QueryData, type QueryStatus } from '../store/query-status';
import { injectorFor, type SignalHelperOptions } from './signals';
import { RXSYNC_CONFIG } from './tokens';

/** One live query, as the resume revalidation sees it. */
export interface LiveQuery {
  /** `scheduler.now()` of the last data, or `undefined` before any. */
  lastUpdate(): number | undefined;
  isStale(): boolean;
  /** Runs the query again with `'network-first'` (a conditional request where the cache can); completes when it settled. */
  revalidate(): Observable<void>;
}

/** The queries alive in an injector (registered by {@link injectQuery}, removed when destroyed). */
export interface QueryRegistry {
  add(query: LiveQuery): () => void;
  all(): readonly LiveQuery[];
}

export const RXSYNC_QUERIES = new InjectionToken<QueryRegistry>('RXSYNC_QUERIES', {
  providedIn: 'root',
  factory: () => {
    const queries = new Set<LiveQuery>();
    return { add: (q) => (queries.add(q), () => queries.delete(q)), all: () => [...queries] };
  },
});

/** A query signal that can be run again; `refetch` uses `'network-first'` unless told otherwise. */
export type QuerySignal<D> = Signal<QueryStatus<D>> & { refetch(policy?: FetchPolicy): void };

/**
 * A query as a signal that keeps its last data while it runs again, and that the app-resume
 * revalidation of `withCapacitor()` can refresh. `query(policy)` builds the request; it gets
 * `'cache-first'` the first time and `'network-first'` on refetch.
 *
 * @example
 * ```ts
 * readonly items = injectQuery((fetchPolicy) => this.client.request<Item[]>({ url: '/items', fetchPolicy }));
 * // template: @if (items().data; as list) { ... }   code: this.items.refetch()
 * ```
 */
export function injectQuery<V>(query: (policy: FetchPolicy) => Observable<V>, options: SignalHelperOptions = {}): QuerySignal<QueryData<V>> {
  const injector = injectorFor(options, injectQuery);
  const scheduler: SchedulerLike = injector.get(RXSYNC_CONFIG).scheduler ?? asyncScheduler;
  const runs = new BehaviorSubject<FetchPolicy>('cache-first');
  let last: QueryStatus<QueryData<V>> | undefined;
  const settled$ = new Subject<void>();
  const status$ = runs.pipe(
    switchMap((policy) => trackQuery(query(policy), { scheduler })),
    // A refetch starts with `loading`; keep showing the data it had meanwhile.
    scan(
      (prev: QueryStatus<QueryData<V>> | undefined, next) =>
        next.status === 'loading' && prev?.data !== undefined
          ? { ...next, data: prev.data, stale: prev.stale, fromCache: prev.fromCache, updatedAt: prev.updatedAt }
          : next,
      undefined,
    ),
    map((status) => {
      last = status!;
      if (last.status !== 'loading') settled$.next();
      return last;
    }),
  );
  const signal = toSignal(status$, { requireSync: true, injector }) as QuerySignal<QueryData<V>>;
  signal.refetch = (policy: FetchPolicy = 'network-first') => runs.next(policy);
  const remove = injector.get(RXSYNC_QUERIES).add({
    lastUpdate: () => last?.updatedAt,
    isStale: () => last?.stale ?? false,
    revalidate: () =>
      new Observable<void>((subscriber) => {
        const done = settled$.pipe(take(1)).subscribe(() => {
          subscriber.next();
          subscriber.complete();
        });
        signal.refetch('network-first');
        return done;
      }),
  });
  injector.get(DestroyRef).onDestroy(() => {
    remove();
    runs.complete();
    settled$.complete();
  });
  return signal;
}
