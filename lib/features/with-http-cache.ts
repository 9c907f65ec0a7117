import { createCacheLayer } from '../cache/cache.layer';
import type { ClientFeature, HttpCacheFeature } from './client-feature';

/**
 * The private HTTP cache (RFC 9111, app TTLs, fetch policies): `config.cache` of
 * {@link composeApiClient}, in memory by default. A persistent tier takes a store object
 * (`store: createLocalforageCacheStore({ name: 'my-app' })`); the `'localforage'` shorthand is `createApiClient`'s,
 * which bundles localforage whether it is used or not.
 *
 * @example
 * const client = composeApiClient({ baseUrl, cache: { maxEntries: 500 } }, withHttpCache());
 */
export function withHttpCache(): ClientFeature<'http-cache'> {
  const feature: HttpCacheFeature = { ɵkind: 'http-cache', ɵcreate: createCacheLayer };
  return feature;
}
