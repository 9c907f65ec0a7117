import { EMPTY, catchError, concat, defer, distinctUntilChanged, ignoreElements, take, tap, type Observable } from 'rxjs';
import type { ApiEnv } from '../core/env';
import type { Layer } from '../core/layer';
import { originOf } from '../core/url';
import { isSafeMethod, type ApiRequest } from '../core/request';
import type { ApiResponse } from '../core/response';
import { resolveCacheConfig, type CacheConfig, type ResolvedCacheConfig } from './cache-config';
import { hydrate } from './cache-entry';
import { cacheKey, parseCacheKey } from './cache-key';
import { cacheRead, memoryHit } from './cache-read';
import type { CacheStore } from './cache-store';
import { hasAppConditionals } from './conditional';
import type { createPersistentTier } from './persistent-tier';
import { createTwoTierCache, type TwoTierCache } from './two-tier-cache';

/**
 * What the app can do to the cache (exposed as `client.cache`). Each call takes effect in memory
 * at once, without subscribing; the returned Observable completes (emitting `undefined` once)
 * when the persistent tier is done too, so `await lastValueFrom(cache.clear())` is "wiped".
 * Storage failures become `cache-error` events, never errors here.
 */
export interface CacheControls {
  /**
   * Removes stored responses whose URL matches: a string starting with `/` is a prefix of the
   * path (and query), any other string a prefix of the whole URL, a RegExp is tested against the
   * URL, a function decides. All users' partitions are searched.
   *
   * @example
   * cache.invalidate('/items/');                 // every item, list pages included
   * cache.invalidate('https://api.example.com/items/42');
   * cache.invalidate((url) => url.includes('draft=1'));
   */
  invalidate(target: string | RegExp | ((url: string) => boolean)): Observable<void>;
  /** Removes every stored response of every partition. */
  clear(): Observable<void>;
  /** Completes when every deferred persistent write has landed (e.g. before the app is paused). */
  flush(): Observable<void>;
}

export interface CacheLayerDeps {
  /** The current user partition, read at the start of each request (e.g. the JWT `sub`, or `'anonymous'`). */
  readonly partition: () => string;
  /** Emits on login, logout and account switch; every entry of any other partition is purged. */
  readonly partitionChanges$?: Observable<string>;
  /**
   * Whether {@link partition} can be trusted yet, asked at the start of each GET/HEAD: `undefined`
   * when it can (the hot path: nothing is subscribed, a memory hit stays synchronous), else an
   * Observable whose first emission means it can (e.g. an async token store has loaded). The read
   * then waits for it, and only then reads the partition and looks up. Completing without a value,
   * or failing, counts as ready too: the read proceeds under whatever partition is current.
   * Without it, a cold start would look up (and store) under `'anonymous'` until the session loads.
   */
  readonly whenReady?: () => Observable<unknown> | undefined;
  /**
   * Who is asking: the partition plus the session generation (the auth layer's `sessionKey()`),
   * read at the same moment as {@link partition}. A read whose session ends before it reaches the
   * network (e.g. while the persistent tier is read) fails with `AuthError('session-changed')`
   * rather than be sent with the next user's token or answer with the next user's data, and a
   * response arriving after its session ended (a late 304 after logout) is never stored.
   */
  readonly sessionKey?: () => string;
  /**
   * Builds the store `store: 'localforage'` names. Injected, so a client that does not use it
   * does not bundle localforage (`createApiClient` passes `createLocalforageCacheStore`;
   * `composeApiClient` with `withHttpCache()` takes store objects only).
   */
  readonly localforageStore?: (options: { name: string }) => CacheStore;
  /**
   * The persistent tier in front of a store (its index, write queue and startup reconcile),
   * injected for the same reason: a memory-only cache does not bundle it.
   */
  readonly persistentTier?: typeof createPersistentTier;
}

/**
 * The HTTP cache stage (RFC 9111, plus app TTLs and fetch policies).
 *
 * - GET and HEAD are looked up and stored; a hit in memory answers synchronously (`of`), with no
 *   network, auth or retry work. The requests it sends carry {@link BYPASS_PLATFORM_CACHE}.
 *   Responses differing by their Vary fields are kept side by side (RFC 9111 §4.1). A fresh
 *   stored GET answers a HEAD, and a 200 to a HEAD freshens or invalidates it (§4.3.5).
 * - A request carrying its own conditional or Range fields is the app's: passed through untouched.
 * - POST, PUT, PATCH, DELETE (any unsafe method) answered with a non-error status invalidate the
 *   target URI and same-origin Location / Content-Location (§4.4).
 * - stale-while-revalidate and `cache-and-network` emit the stored response, then the network's
 *   only if its body changed: a 304, or a 200 whose status and body are deep-equal to the stored
 *   ones (JSON data; binary bodies always count as changed), refreshes the entry and emits nothing
 *   more. The Observable stays cold. Unsubscribing cancels a `cache-and-network` request, but not
 *   a stale-while-revalidate revalidation: that is the cache's own work (RFC 5861 §3) and runs to
 *   its end, so the next read is fresh even when the caller left after the stale value.
 * - With {@link CacheLayerDeps.whenReady}, a read first waits until the partition is known.
 *
 * ```
 * fresh hit:               (h|)
 * stale-while-revalidate:  h----n|     (h stale: true; n only if the body changed, else h----|)
 * cache-and-network:       h----n|     (n only if the body changed, else h----|)
 * stale, conditional:      -----h|     (304: stored body, headers refreshed)
 * network failure:         -----s|     (s stale: true, 'stale-served', unless must-revalidate)
 * ```
 *
 * @example
 * const { layer, cache } = createCacheLayer({ store: 'localforage', ttl: { defaultMs: 60_000 } }, env, {
 *   partition: () => tokens.subject() ?? 'anonymous',
 *   partitionChanges$: tokens.subject$,
 *   whenReady: () => (tokens.loaded ? undefined : tokens.loaded$),
 * });
 * const handler = chain([layer, authLayer, retryLayer], transport);
 */
/** The cache layer, its app-facing controls, and the synchronous memory-hit probe (see {@link memoryHit}). */
export interface CacheLayer {
  readonly layer: Layer;
  readonly cache: CacheControls;
  /**
   * The response a GET would get from the memory tier at once, or `undefined` when the layer has
   * more to do (a miss, the persistent tier, a revalidation, a session not loaded yet, the app's
   * own conditional headers). Lets a client with nothing above the cache answer a hit without
   * subscribing through the layers; the layer gives the same answer.
   */
  readonly hit: (req: ApiRequest) => ApiResponse | undefined;
}

export function createCacheLayer(config: CacheConfig | undefined, env: ApiEnv, deps: CacheLayerDeps): CacheLayer {
  const resolved = resolveCacheConfig(config);
  const tiers = createTiers(resolved, env, deps);
  const ctx = { tiers, env, config: resolved, partition: deps.partition, sessionKey: deps.sessionKey };

  deps.partitionChanges$?.pipe(distinctUntilChanged()).subscribe({
    // Unreachable already (the partition is in every key); purged so no one else's data stays on the device.
    next: (current) => tiers.removeWhere((key) => parseCacheKey(key)?.partition !== current),
    error: () => undefined,
  });

  const layer: Layer = (req, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (hasAppConditionals(req.headers)) return next(req);
      const ready = deps.whenReady?.();
      return ready === undefined ? cacheRead(ctx, req, next) : afterReady(ready, () => cacheRead(ctx, req, next));
    }
    if (isSafeMethod(req.method)) return next(req);
    return next(req).pipe(tap((res) => invalidateAfterUnsafe(tiers, deps.partition(), req, res)));
  };

  const cache: CacheControls = {
    invalidate(target) {
      const matches = urlMatcher(target);
      return tiers.removeWhere((key) => {
        const parsed = parseCacheKey(key);
        return parsed !== undefined && matches(parsed.url);
      });
    },
    clear: () => tiers.clear(),
    flush: () => tiers.flush(),
  };
  const hit = (req: ApiRequest): ApiResponse | undefined =>
    req.method !== 'GET' || hasAppConditionals(req.headers) || deps.whenReady?.() !== undefined ? undefined : memoryHit(ctx, req);
  return { layer, cache, hit };
}

/** `read()` once `ready` first emits (or ends): the partition is read only then. */
function afterReady(ready: Observable<unknown>, read: () => Observable<ApiResponse>): Observable<ApiResponse> {
  return concat(
    ready.pipe(
      take(1),
      ignoreElements(),
      catchError(() => EMPTY),
    ),
    defer(read),
  );
}

function createTiers(config: ResolvedCacheConfig, env: ApiEnv, deps: CacheLayerDeps): TwoTierCache {
  const store: CacheStore | undefined =
    config.store === 'memory' ? undefined : config.store === 'localforage' ? namedLocalforage(config, deps.localforageStore) : config.store;
  if (store !== undefined && deps.persistentTier === undefined) {
    throw new Error('RXSYNC-1004: a cache store needs withPersistentCache() among composeApiClient features (memory needs nothing)');
  }
  const persistent = store
    ? deps.persistentTier!({
        store,
        env,
        maxEntries: config.maxEntries,
        maxBytes: config.maxBytes,
        startupTimeoutMs: config.startupTimeoutMs,
        maxVariants: config.maxVariants,
        expiresAtOf: (entry) => hydrate(entry, config).expiresAt,
      })
    : undefined;
  return createTwoTierCache({ memory: config.memory, persistent, env, hydrate: (entry) => hydrate(entry, config), maxVariants: config.maxVariants });
}

/**
 * RFC 9111 §4.4: a non-error response (2xx, 3xx) to an unsafe method invalidates the target URI,
 * and Location / Content-Location when on the same origin (never another origin's entries),
 * every stored variant of each (§4.1).
 */
function invalidateAfterUnsafe(tiers: TwoTierCache, partition: string, req: ApiRequest, res: ApiResponse): void {
  if (res.status >= 400) return;
  const origin = originOf(req.url);
  const urls = new Set([req.url]);
  for (const target of [req.url, res.headers.location, res.headers['content-location']]) {
    const url = target === undefined ? undefined : resolve(target, req.url);
    if (url !== undefined && originOf(url) === origin) urls.add(url);
  }
  for (const url of urls) {
    tiers.removeUrl(cacheKey(partition, 'GET', url));
    tiers.removeUrl(cacheKey(partition, 'HEAD', url));
  }
}

function urlMatcher(target: string | RegExp | ((url: string) => boolean)): (url: string) => boolean {
  if (typeof target === 'function') return target;
  if (target instanceof RegExp) return (url) => target.test(url);
  if (target.startsWith('/')) return (url) => url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '').startsWith(target);
  return (url) => url.startsWith(target);
}

function resolve(target: string, base: string): string | undefined {
  try {
    return new URL(target, base).href;
  } catch {
    return undefined;
  }
}

function namedLocalforage(config: ResolvedCacheConfig, localforageStore: CacheLayerDeps['localforageStore']): CacheStore {
  if (localforageStore === undefined) {
    throw new Error(
      "RXSYNC-1004: cache.store 'localforage' is a createApiClient shorthand; with composeApiClient pass store: createLocalforageCacheStore({ name: 'my-app' })",
    );
  }
  return localforageStore({ name: config.name });
}
