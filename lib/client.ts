import type { ApiClient } from './api-client';
import { createLocalforageCacheStore } from './cache/localforage.cache-store';
import type { ApiClientConfig } from './client-config';
import { composeApiClient } from './compose-api-client';
import type { HttpCacheFeature } from './features/client-feature';
import { withAuth } from './features/with-auth';
import { withFleet } from './features/with-fleet';
import { withGraphQL } from './features/with-graphql';
import { withHttpCache } from './features/with-http-cache';
import { withOffline } from './features/with-offline';
import { withPersistentCache } from './features/with-persistent-cache';

export type { ApiClient, ApiRequestSpec } from './api-client';

/**
 * Creates a client whose requests are cold Observables passing the layers
 * dedupe → cache → auth → retry → fleet → transport, with every part available: the HTTP cache
 * (memory by default; `store: 'localforage'` for IndexedDB), fleet safety, connectivity and the
 * outbox, GraphQL, and auth when `config.auth` is given. An app watching its bundle composes
 * only what it uses with {@link composeApiClient}.
 *
 * @example
 * const client = createApiClient({ baseUrl: 'https://api.example.com' });
 * client.get<Item>('/items/42').subscribe((item) => console.log(item.name));
 */
export function createApiClient(config: ApiClientConfig): ApiClient {
  return composeApiClient(config, withAuth(), withCacheOnLocalforage(), withPersistentCache(), withFleet(), withOffline(), withGraphQL());
}

/** `withHttpCache()` that also understands `store: 'localforage'` (and so bundles localforage). */
function withCacheOnLocalforage(): HttpCacheFeature {
  return { ...(withHttpCache() as HttpCacheFeature), ɵlocalforageStore: createLocalforageCacheStore };
}
