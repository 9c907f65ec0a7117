import type { FetchPolicy, StaleFallback } from './cache/cache-config';
import type { RequestContext } from './core/context';
import type { HeadersInit } from './core/headers';
import type { ResponseType } from './core/request';
import type { RetryConfig } from './retry/retry-config';
import type { OfflineMutationMode } from './offline/offline';
import type { OfflineReadMode } from './offline/offline.layers';
import type { OutboxRequestOptions } from './offline/outbox-config';

/** Per-request options of `get/post/put/patch/delete`. */
export interface RequestOptions {
  readonly headers?: HeadersInit;
  /** Query parameters appended to the URL; `undefined` values are left out. */
  readonly params?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** How to read the body (default `'json'`: anything but JSON is a `ParseError`). */
  readonly responseType?: ResponseType;
  /** Makes POST/PATCH retryable: sent as `Idempotency-Key`, the same on every attempt. */
  readonly idempotencyKey?: string;
  readonly timeoutMs?: number;
  /** Apollo-style fetch policy (default `'cache-first'`, i.e. HTTP semantics). */
  readonly fetchPolicy?: FetchPolicy;
  /** App-level freshness for this request, stored with the entry. */
  readonly ttlMs?: number;
  /**
   * Whether a stored response may stand in when the network finally fails (default: the cache
   * config's, `'unreachable'`). `'never'` makes an outage an error for this `get()`; see {@link StaleFallback}.
   */
  readonly staleFallback?: StaleFallback;
  /** Override the client's retry settings for this request; `false` disables retry. */
  readonly retry?: Partial<RetryConfig> | false;
  /** Send without a token and let a 401 through (login, public endpoints). */
  readonly skipAuth?: boolean;
  /** Typed options for your own layers. */
  readonly context?: RequestContext;
  /**
   * For mutations: `'queue'` stores it in the outbox before anything is sent (replayed once, in
   * order, across restarts); `'fallback'` sends it now and queues it if offline or if its retries
   * ran out on a transient failure. Needs `offline` config. See {@link OfflineMutationMode}.
   */
  readonly offline?: OfflineMutationMode;
  /** Scope, optimistic patch and app data of a queued mutation. */
  readonly outbox?: OutboxRequestOptions;
  /** For reads while offline with nothing cached: `'fail-fast'` (`OfflineError`, default) or `'wait'`. */
  readonly offlineRead?: OfflineReadMode;
}
