/**
 * rxsync: the public entry point. Everything users may import is listed here by name; nothing
 * else is public. `rxsync/testing` is a separate entry point for tests.
 *
 * Which folder may import which (imports flow one way, so the list reads as the flow):
 * | folder                                      | may import          |
 * |---------------------------------------------|---------------------|
 * | core/                                       | rxjs                |
 * | dedupe/, cache/, auth/, retry/, transport/  | core/              |
 * | fleet/                                      | core/, retry/ (its policy and Retry-After parsing) |
 * | store/                                      | rxjs, core/deep-equal (a pure helper) |
 * | graphql/                                    | core/, store/       |
 * | offline/                                    | core/, store/optimistic (types), retry/retry-after (a pure parser) |
 * | platform/                                   | offline/ (ports), core/ |
 * | compose-api-client.ts                       | core/, dedupe/, retry/, transport/, and the other folders' types: it composes the layers |
 * | features/ (the `withX()` parts), client.ts  | everything: each feature brings its folder's code |
 */

// The client
export { createApiClient } from './client';
export type { ApiClient, ApiRequestSpec } from './client';
// The client with only the parts an app passes (smaller bundles)
export { composeApiClient } from './compose-api-client';
export { withAuth } from './features/with-auth';
export { withFleet } from './features/with-fleet';
export { withGraphQL } from './features/with-graphql';
export { withHttpCache } from './features/with-http-cache';
export { withOffline } from './features/with-offline';
export { withPersistentCache } from './features/with-persistent-cache';
export type { ClientFeature, ClientFeatureKind } from './features/client-feature';
export type { ApiClientConfig, CustomLayers, RequestOptions, TransportEnv } from './client-config';

// Requests, responses, layers
export type { ApiRequest, ApiRequestInit, HttpMethod, ResponseType } from './core/request';
export { withHeaders } from './core/request';
export type { ApiResponse } from './core/response';
export type { Handler, Layer } from './core/layer';
export { ContextToken, RequestContext } from './core/context';
export { SKIP_AUTH } from './core/context-tokens';
export type { HeaderMap, HeadersInit } from './core/headers';
export { headerValues } from './core/headers';
export type { ClientEvent, ClientEventType } from './core/events';
export type { FetchLike } from './transport/fetch-like';

// Errors
export {
  ApiError,
  AuthError,
  CacheMissError,
  CircuitOpenError,
  GraphQLError,
  HttpError,
  NetworkError,
  OfflineError,
  OutboxError,
  OutcomeUnknownError,
  ParseError,
  RequestError,
  RetryAfterTooLongError,
  RetryBudgetExhaustedError,
  TimeoutError,
  isApiError,
} from './core/errors';
export type { AnyApiError, ApiErrorKind, AuthErrorReason, GraphQLErrorEntry, OutboxErrorReason, RequestOutcome } from './core/errors';

// Auth
export type { AuthConfig, AuthTokens, RefreshFn, RefreshRetry, RefreshWindow, StoredTokens } from './auth/auth-config';
export type { AuthSession } from './auth/auth-session';
export type { TabChannelLike, TabLocksLike, TabSyncConfig } from './auth/tab-sync';
export type { TokenStore } from './auth/token-store';
export { memoryTokenStore } from './auth/token-store';
export { localforageTokenStore } from './auth/localforage.token-store';

// Retry
export type { RetryConfig, RetryJitter } from './retry/retry-config';
export { DEFAULT_RETRY_CONFIG, DEFAULT_RETRYABLE_STATUSES } from './retry/retry-config';

// Fleet safety (per-origin retry budget, circuit breaker, server pushback)
export type { CircuitBreakerConfig, FleetConfig, RetryBudgetConfig } from './fleet/fleet-config';
export { DEFAULT_CIRCUIT_BREAKER, DEFAULT_RETRY_BUDGET } from './fleet/fleet-config';
export type { FleetControls, OriginFleetState } from './fleet/fleet-guard';
export type { FleetSnapshot, FleetStateStore, OriginSnapshot } from './fleet/fleet-state-store';
export { memoryFleetStore } from './fleet/fleet-state-store';
export { localforageFleetStore } from './fleet/localforage.fleet-store';

// Cache
export type { CacheConfig, FetchPolicy, StaleFallback, TtlConfig, TtlMode } from './cache/cache-config';
export type { CacheControls } from './cache/cache.layer';
export type { CacheStore } from './cache/cache-store';
export { createMemoryCacheStore } from './cache/memory.cache-store';
export { createLocalforageCacheStore } from './cache/localforage.cache-store';

// Entity store
export { createEntityStore } from './store/entity-store';
export type { EntityStore, EntityStoreConfig } from './store/entity-store';
export type { EntityId, EntityState, IdKey } from './store/entity.state';
export type { EntityUpdater, UpsertMode } from './store/entity.reducers';
export type { UpsertConfig, UpsertManyFromConfig } from './store/entity.operators';
export { withOptimistic } from './store/optimistic';
export type { OptimisticHandle } from './store/optimistic';
export { toQueryStatus, trackQuery } from './store/query-status';
export type { QueryData, QueryFailure, QueryLoading, QueryStatus, QuerySuccess } from './store/query-status';

// GraphQL
export type { GraphQLClient, GraphQLConfig, GraphQLRequestOptions } from './graphql/graphql-config';
export { createEntityRegistry } from './graphql/entity-registry';
export type { EntityRegistry } from './graphql/entity-registry';
export type { EntityRef } from './graphql/normalize';

// Async iteration (`for await (const items of eachValueFrom(client.get('/items')))`)
export { eachValueFrom, latestValueFrom } from 'rxjs-for-await';

// Offline: connectivity and the outbox
export type { OfflineConfig } from './offline/offline-config';
export type { OfflineMutationMode } from './offline/offline';
export type { Connectivity, ConnectivityConfig, ConnectivityState } from './offline/connectivity';
export { manualConnectivity, browserConnectivity } from './offline/connectivity-source';
export type { BrowserWindowLike, ConnectivitySource, ManualConnectivity } from './offline/connectivity-source';
export { capacitorAppResume, capacitorNetworkSource } from './offline/capacitor-sources';
export type { AppPluginLike, NetworkPluginLike, PluginListenerHandleLike } from './offline/capacitor-sources';
export { OFFLINE_READ } from './offline/offline.layers';
export type { OfflineReadMode } from './offline/offline.layers';
export type { Outbox, OutboxRequest } from './offline/outbox';
export type { OutboxEntry, OutboxFailure, OutboxMethod, OutboxOptimistic, OutboxStatus } from './offline/outbox-entry';
export type { ConflictHandler, ConflictResolution, OutboxConfig, OutboxOptimisticTarget, OutboxRequestOptions } from './offline/outbox-config';
export type { OutboxStorage } from './offline/outbox-storage';
export { memoryOutboxStorage } from './offline/outbox-storage';
export { localforageOutboxStorage } from './offline/localforage.outbox-storage';
export { sqliteOutboxStorage, SqliteStorageError } from './offline/sqlite.outbox-storage';
export type { SqliteConnectionLike, SqliteOutboxStorageOptions } from './offline/sqlite.outbox-storage';
export type { DrainLock, LockManagerLike } from './offline/drain-lock';
export { leaseDrainer, soleDrainer, webLocksDrainer } from './offline/drain-lock';
export type { OutboxEventBase } from './core/events';
