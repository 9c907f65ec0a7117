import type { SchedulerLike } from 'rxjs';
import type { AuthConfig } from './auth/auth-config';
import type { CacheConfig } from './cache/cache-config';
import type { HeadersInit } from './core/headers';
import type { Handler, Layer } from './core/layer';
import type { EmitEvent } from './core/events';
import type { RetryConfig } from './retry/retry-config';
import type { FleetConfig } from './fleet/fleet-config';
import type { FetchLike } from './transport/fetch-like';
import type { GraphQLConfig } from './graphql/graphql-config';
import type { OfflineConfig } from './offline/offline-config';

export type { RequestOptions } from './request-options';

/**
 * Everything `createApiClient` takes. Only `baseUrl` is required.
 *
 * @example
 * const client = createApiClient({
 *   baseUrl: 'https://api.example.com',
 *   auth: { tokens: localforageTokenStore(), refresh: (rt) => refreshTokens(rt) },
 *   retry: { maxAttempts: 4, baseDelayMs: 1000 },
 *   timeoutMs: 10_000,
 * });
 */
export interface ApiClientConfig {
  /** Paths are resolved against it; its origin is where the Bearer token goes by default. */
  readonly baseUrl: string;
  /** Bearer tokens, single-flight refresh, proactive refresh from the JWT `exp`. Omit for no auth. */
  readonly auth?: AuthConfig;
  /** The private HTTP cache (RFC 9111 + app TTL). `false` turns it off. Default: memory only. */
  readonly cache?: CacheConfig | false;
  /** Backoff retries of network errors, timeouts, 5xx, 408, 429. `false` turns them off. */
  readonly retry?: Partial<RetryConfig> | false;
  /**
   * Fleet safety per origin, shared by every request of the client: retry budget, circuit
   * breaker, server pushback, optional persistence. On by default; `false` turns it off.
   */
  readonly fleet?: FleetConfig | false;
  /** Per-attempt timeout in ms (default 10 000). */
  readonly timeoutMs?: number;
  /** Owns every timer and the cache clock; pass a `TestScheduler` to test in virtual time. */
  readonly scheduler?: SchedulerLike;
  /** The fetch function the transport calls (default `globalThis.fetch`). */
  readonly fetch?: FetchLike;
  /**
   * Replaces the fetch transport with your own handler: a native HTTP plugin, or the mock backend
   * of `rxsync/testing` for tests in virtual time. Every layer above it still runs.
   */
  readonly transport?: Handler;
  /**
   * Builds the transport from the client's own clock and event sink, so a transport of yours
   * (the Angular `HttpBackend` bridge of `rxsync/angular`) times out in the client's virtual
   * time and reports `request-start` / `response` like the fetch transport. `transport` wins.
   */
  readonly createTransport?: (env: TransportEnv) => Handler;
  /** Random source for retry jitter (default `Math.random`). */
  readonly random?: () => number;
  /** Headers sent with every request (e.g. `accept-language`). */
  readonly headers?: HeadersInit;
  /** GraphQL endpoint path, automatic persisted queries, normalization into entity stores. */
  readonly graphql?: GraphQLConfig;
  /** Share identical in-flight GETs (default true). */
  readonly dedupe?: boolean;
  /** Your own layers, at three documented positions (see {@link CustomLayers}). */
  readonly layers?: CustomLayers;
  /**
   * Offline support: connectivity sources, the offline read path (cache, else `OfflineError`),
   * retries paused while offline, and the persistent outbox (see {@link OfflineConfig}).
   */
  readonly offline?: OfflineConfig;
}

/** What {@link ApiClientConfig.createTransport} gets: the client's clock, event sink and default timeout. */
export interface TransportEnv {
  readonly scheduler: SchedulerLike;
  readonly emit: EmitEvent;
  /** The client's `timeoutMs` (per attempt, default 10 000). */
  readonly timeoutMs: number;
}

/**
 * Where user layers run. The positions are the useful seams of the chain:
 *
 * | position  | runs                                         | sees                                  | use for |
 * |-----------|----------------------------------------------|---------------------------------------|---------|
 * | `outer`   | first, before dedupe and the cache           | every call, cache hits included       | logging, metrics, default query params |
 * | `network` | after the cache, before auth                 | each request that needs the network, once | request ids, headers that must not split cache entries |
 * | `attempt` | after auth and retry, right before transport | every attempt, with its final headers | signing (HMAC over the final request), tracing each attempt |
 */
export interface CustomLayers {
  readonly outer?: readonly Layer[];
  readonly network?: readonly Layer[];
  readonly attempt?: readonly Layer[];
}
