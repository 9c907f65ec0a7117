import type { Observable } from 'rxjs';
import type { AuthSession } from './auth/auth-session';
import type { CacheControls } from './cache/cache.layer';
import type { RequestOptions } from './client-config';
import type { ApiRequestInit } from './core/request';
import type { ApiResponse } from './core/response';
import type { ClientEvent } from './core/events';
import type { FleetControls } from './fleet/fleet-guard';
import type { GraphQLClient } from './graphql/graphql-config';
import type { Outbox } from './offline/outbox';

/** A request as `client.request()` takes it: `url` may be a path relative to `baseUrl`. */
export type ApiRequestSpec = Omit<ApiRequestInit, 'headers'> & RequestOptions;

/** The client `createApiClient` (and `composeApiClient`) returns. Every method returns a cold Observable. */
export interface ApiClient {
  /** The full response (status, headers, body, `fromCache`, `stale`). */
  request<T = unknown>(spec: ApiRequestSpec): Observable<ApiResponse<T>>;
  /** The body of a GET. Emits once, or twice for `cache-and-network` / a changed stale-while-revalidate. */
  get<T = unknown>(url: string, options?: RequestOptions): Observable<T>;
  post<T = unknown>(url: string, body?: unknown, options?: RequestOptions): Observable<T>;
  put<T = unknown>(url: string, body?: unknown, options?: RequestOptions): Observable<T>;
  patch<T = unknown>(url: string, body?: unknown, options?: RequestOptions): Observable<T>;
  delete<T = unknown>(url: string, options?: RequestOptions): Observable<T>;
  /**
   * A GraphQL operation through the same pipeline (auth, retry, cache for GET/APQ, events);
   * emits `data`. `errors` become a `GraphQLError`; `UNAUTHENTICATED` takes the refresh path.
   * A composed client without `withGraphQL()` fails each call with a `RequestError`.
   */
  readonly graphql: GraphQLClient;
  /** What happened, for logging and devtools; never carries tokens, headers or bodies. */
  readonly events$: Observable<ClientEvent>;
  /** The session: tokens, login/logout, the user partition. `undefined` without `auth` config. */
  readonly auth: AuthSession | undefined;
  /** Invalidate or clear the HTTP cache; without a cache (`cache: false`, no `withHttpCache()`) they do nothing. */
  readonly cache: CacheControls;
  /**
   * Per-origin breaker, retry budget and pushback: read the state, watch `available$(origin)`
   * (the offline outbox pauses on it), or reset. With `fleet: false` (or no `withFleet()`) it reports every origin available.
   */
  readonly fleet: FleetControls;
  /**
   * The client's belief about connectivity: platform hints (browser, Capacitor, manual) combined
   * with the outcomes of its own requests. Distinct values; the current one replayed on subscribe.
   * A composed client without `withOffline()` has no connectivity: always `true`.
   *
   * @example
   * client.online$.subscribe((online) => offlineBanner.hidden = online);
   */
  readonly online$: Observable<boolean>;
  /**
   * The offline mutation queue (`offline.outbox`): `pending$` for badges, `entries$` with each
   * entry's status, dead letters, `retry(id)` / `discard(id)`.
   *
   * @example
   * client.post('/items', item, { offline: 'queue' }).subscribe(); // persisted, then sent once, in order
   * client.outbox.pending$.subscribe((n) => (badge.textContent = n ? String(n) : ''));
   */
  readonly outbox: Outbox;
  /**
   * Stops the client's background work: the outbox drainer (releasing its lock), connectivity
   * listeners and recheck timers, and the tab channel of `auth.tabSync`. Queued entries stay in
   * storage for the next client.
   */
  close(): void;
}
