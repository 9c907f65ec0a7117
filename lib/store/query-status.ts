import { type Observable, type OperatorFunction, type SchedulerLike, asyncScheduler, catchError, defer, map, of, startWith } from 'rxjs';
import { isResponseLike } from './response-like';

/** The payload type of a query's emissions: `body` of an ApiResponse-like value, else the value itself. */
export type QueryData<V> = V extends { readonly body: infer B; readonly fromCache: boolean; readonly stale: boolean } ? B : V;

interface QueryStatusBase<D> {
  /** The last data received (kept through an error, as TanStack Query does). */
  readonly data?: D;
  /** The data is past its freshness (stale-while-revalidate, stale-if-error, offline). */
  readonly stale: boolean;
  /** The data came from the rxsync cache. */
  readonly fromCache: boolean;
  /** `scheduler.now()` when `data` arrived. */
  readonly updatedAt?: number;
}

/** Nothing received yet. */
export interface QueryLoading<D> extends QueryStatusBase<D> {
  readonly status: 'loading';
  readonly error?: undefined;
}

/** Data received (possibly stale, possibly followed by fresher data). */
export interface QuerySuccess<D> extends QueryStatusBase<D> {
  readonly status: 'success';
  readonly data: D;
  readonly error?: undefined;
  readonly updatedAt: number;
}

/** The query failed; `data` and the flags are those of the last success, if any. */
export interface QueryFailure<D> extends QueryStatusBase<D> {
  readonly status: 'error';
  readonly error: unknown;
}

/** What a view needs to render a query: a discriminated union on `status`. */
export type QueryStatus<D> = QueryLoading<D> | QuerySuccess<D> | QueryFailure<D>;

/** Options of `trackQuery` / `toQueryStatus`. */
export interface TrackQueryConfig {
  /** Clock for `updatedAt` (default `asyncScheduler`; a `TestScheduler` makes it virtual). */
  readonly scheduler?: SchedulerLike;
}

/**
 * Turns a query Observable into a stream of its status, for templates: `loading` first
 * (synchronously), `success` per value, `error` (as a value, never on the error channel) on
 * failure, then completes when the source completes or fails.
 *
 * ApiResponse-like emissions (`{ body, fromCache, stale }`, read structurally) give `data = body`
 * and carry their flags, so stale-while-revalidate shows as a stale success followed by a fresh one:
 * ```
 * source:  ----c------f|         c: cached (stale) response, f: fresh response
 * status:  l---s------s|         l: loading, s: success (stale: true, then false)
 * ```
 *
 * In Angular: `status = toSignal(trackQuery(client.request(req)), { requireSync: true })`, then
 * `@switch (status().status)` in the template.
 *
 * @example
 * ```ts
 * trackQuery(client.request<Item[]>({ method: 'GET', url: '/items' })).subscribe((s) => {
 *   if (s.status === 'success') render(s.data, { stale: s.stale });
 * });
 * ```
 */
export function trackQuery<V>(source$: Observable<V>, config: TrackQueryConfig = {}): Observable<QueryStatus<QueryData<V>>> {
  const scheduler = config.scheduler ?? asyncScheduler;
  return defer(() => {
    let last: QuerySuccess<QueryData<V>> | undefined;
    const loading: QueryLoading<QueryData<V>> = { status: 'loading', stale: false, fromCache: false };
    return source$.pipe(
      map((value): QueryStatus<QueryData<V>> => (last = toSuccess(value, scheduler.now()))),
      catchError((error: unknown) => of(toFailure(error, last))),
      startWith(loading),
    );
  });
}

/**
 * Operator form of {@link trackQuery}.
 * @example
 * ```ts
 * const status$ = client.get<Item>('/items/42').pipe(toQueryStatus());
 * ```
 */
export function toQueryStatus<V>(config: TrackQueryConfig = {}): OperatorFunction<V, QueryStatus<QueryData<V>>> {
  return (source) => trackQuery(source, config);
}

function toSuccess<V>(value: V, now: number): QuerySuccess<QueryData<V>> {
  if (isResponseLike(value)) {
    return { status: 'success', data: value.body as QueryData<V>, stale: value.stale, fromCache: value.fromCache, updatedAt: now };
  }
  return { status: 'success', data: value as QueryData<V>, stale: false, fromCache: false, updatedAt: now };
}

function toFailure<D>(error: unknown, last: QuerySuccess<D> | undefined): QueryFailure<D> {
  if (last === undefined) return { status: 'error', error, stale: false, fromCache: false };
  return { status: 'error', error, data: last.data, stale: last.stale, fromCache: last.fromCache, updatedAt: last.updatedAt };
}
