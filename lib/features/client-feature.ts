import type { createAuth } from '../auth/auth.layer';
import type { CacheStore } from '../cache/cache-store';
import type { createCacheLayer } from '../cache/cache.layer';
import type { createPersistentTier } from '../cache/persistent-tier';
import type { ApiEnv } from '../core/env';
import type { Layer } from '../core/layer';
import type { FleetConfig } from '../fleet/fleet-config';
import type { FleetControls } from '../fleet/fleet-guard';
import type { createGraphQLClient } from '../graphql/graphql.client';
import type { createOffline } from '../offline/offline';
import type { RetryGate } from '../retry/retry.layer';

/** The parts of a client that exist only when their feature is passed to `composeApiClient`. */
export type ClientFeatureKind = 'auth' | 'http-cache' | 'persistent-cache' | 'fleet' | 'offline' | 'graphql';

/**
 * What a `withX()` function returns for `composeApiClient`: a tagged part of the client. The code
 * of a part is reached only through its feature, so an app bundles only the parts it passes
 * (the same idea as Angular's `provideHttpClient(withX())`). Opaque: build one with the `withX()`
 * functions, never by hand.
 */
export interface ClientFeature<K extends ClientFeatureKind = ClientFeatureKind> {
  readonly ɵkind: K;
}

// The shapes behind each tag, for composeApiClient only (not exported from the package).

export interface AuthFeature extends ClientFeature<'auth'> {
  readonly ɵcreate: typeof createAuth;
}

export interface HttpCacheFeature extends ClientFeature<'http-cache'> {
  readonly ɵcreate: typeof createCacheLayer;
  /** What `store: 'localforage'` builds; only `createApiClient`'s cache has it. */
  readonly ɵlocalforageStore?: (options: { name: string }) => CacheStore;
}

export interface PersistentCacheFeature extends ClientFeature<'persistent-cache'> {
  readonly ɵcreateTier: typeof createPersistentTier;
}

/** The fleet stage as the client wires it: the retry layer's gate, the attempt layer and the public controls. */
export interface FleetParts {
  readonly controls: FleetControls;
  readonly retryGate: RetryGate;
  readonly layer: Layer;
}

export interface FleetFeature extends ClientFeature<'fleet'> {
  ɵcreate(config: FleetConfig | undefined, env: ApiEnv, retryableStatuses: ReadonlySet<number> | undefined, timeoutMs: number | undefined): FleetParts;
}

export interface OfflineFeature extends ClientFeature<'offline'> {
  readonly ɵcreate: typeof createOffline;
}

export interface GraphQLFeature extends ClientFeature<'graphql'> {
  readonly ɵclient: typeof createGraphQLClient;
  readonly ɵerrorsLayer: () => Layer;
}

export type AnyClientFeature = AuthFeature | HttpCacheFeature | PersistentCacheFeature | FleetFeature | OfflineFeature | GraphQLFeature;
