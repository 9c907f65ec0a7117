/**
 * The HTTP cache stage. Public surface (re-exported by `lib/index.ts` when the client is wired):
 * the layer factory, its config and context tokens, the storage port and its two implementations.
 * Pure helpers (freshness, decision, keys) stay internal.
 */
export { createCacheLayer } from './cache.layer';
export type { CacheControls, CacheLayerDeps } from './cache.layer';
export { CACHE_TTL, FETCH_POLICY, CACHE_DEFAULTS } from './cache-config';
export type { CacheConfig, FetchPolicy, TtlConfig, TtlMode } from './cache-config';
export { createMemoryCacheStore } from './memory.cache-store';
export { createLocalforageCacheStore } from './localforage.cache-store';
export { isQuotaError } from './cache-store';
export type { CacheStore } from './cache-store';
export type { RequestTimed } from './freshness';
