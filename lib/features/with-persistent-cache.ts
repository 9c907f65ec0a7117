import { createPersistentTier } from '../cache/persistent-tier';
import type { ClientFeature, PersistentCacheFeature } from './client-feature';

/**
 * A persistent tier behind the HTTP cache's memory LRU (`cache.store`: a `CacheStore` such as
 * `createLocalforageCacheStore({ name: 'my-app' })`), with its index, write queue and startup reconcile. Goes with
 * {@link withHttpCache}; a memory-only cache leaves it out.
 *
 * @example
 * const client = composeApiClient(
 *   { baseUrl, cache: { store: createLocalforageCacheStore({ name: 'my-app' }), maxEntries: 500 } },
 *   withHttpCache(),
 *   withPersistentCache(),
 * );
 */
export function withPersistentCache(): ClientFeature<'persistent-cache'> {
  const feature: PersistentCacheFeature = { ɵkind: 'persistent-cache', ɵcreateTier: createPersistentTier };
  return feature;
}
