import { ContextToken } from '../core/context';
import type { CacheStore } from './cache-store';

/**
 * How one request uses the cache. Set per request with {@link FETCH_POLICY}.
 *
 * | policy              | reads the cache                         | network                                   | on final network failure        |
 * | ------------------- | --------------------------------------- | ----------------------------------------- | ------------------------------- |
 * | `cache-first`       | HTTP semantics (RFC 9111): fresh → hit  | on miss / stale (conditional if it can)   | stale entry if allowed          |
 * | `network-first`     | only as a fallback                      | always (conditional if it can)            | stored entry if allowed         |
 * | `cache-only`        | fresh, or stale if allowed              | never: no usable entry → `CacheMissError` | —                               |
 * | `network-only`      | never                                   | always, unconditional; the answer is stored | error                         |
 * | `cache-and-network` | emits a servable entry first            | always (conditional); a 200 is emitted second, a 304 adds nothing | stored entry if not yet emitted |
 *
 * "If allowed" is the stale rule of {@link CacheConfig.maxStaleMs}.
 */
export type FetchPolicy = 'cache-first' | 'network-first' | 'cache-only' | 'network-only' | 'cache-and-network';

/**
 * Per-request fetch policy (default `'cache-first'`).
 *
 * @example
 * client.request({ method: 'GET', url, context: RequestContext.empty().set(FETCH_POLICY, 'cache-and-network') });
 */
export const FETCH_POLICY = /* @__PURE__ */ new ContextToken<FetchPolicy>('fetch-policy', () => 'cache-first');

/**
 * When a stored response may stand in for a network that finally failed (after retries), marked
 * `stale: true` and reported as a `stale-served` event. Set per client
 * ({@link CacheConfig.staleFallback}) or per request (`staleFallback` option, {@link STALE_FALLBACK}).
 *
 * | value                   | network unreachable (NetworkError, TimeoutError) | server error (5xx)                         |
 * | ----------------------- | ------------------------------------------------ | ------------------------------------------ |
 * | `'unreachable'` (default) | stale within `maxStaleMs` (or the server's `stale-if-error`) | only within the server's `stale-if-error` |
 * | `'any-error'`           | stale within `maxStaleMs` / `stale-if-error`      | the same                                   |
 * | `'server-allowed'`      | only within the server's `stale-if-error`         | only within the server's `stale-if-error`  |
 * | `'never'`               | the error                                        | the error                                  |
 *
 * Why this default (issue #7): an app offline wants the last known data, and a `get()` caller then
 * sees a value on a phone that has no network, which is what "offline first" promises. A server
 * answering 503 is online and failing; serving a response that had no caching headers at all, days
 * old, as if nothing happened would be a silent success. The server can allow it with
 * `stale-if-error` (RFC 5861 §4). In every row `must-revalidate` and `no-cache` forbid stale
 * (RFC 9111 §4.2.4, §5.2.2.2, §5.2.2.4). A `get()` caller that must know uses `'never'` (and gets
 * the error), or `client.request()` (`stale: true`), or `events$` (`stale-served`).
 */
export type StaleFallback = 'unreachable' | 'any-error' | 'server-allowed' | 'never';

/**
 * Per-request {@link StaleFallback} (default: the client's {@link CacheConfig.staleFallback}).
 *
 * @example
 * client.get('/balance', { staleFallback: 'never' }); // an outage is an error here, never an old balance
 */
export const STALE_FALLBACK = /* @__PURE__ */ new ContextToken<StaleFallback | undefined>('stale-fallback', () => undefined);

/**
 * Per-request app-level TTL in ms (default: none, the route / client TTL applies). It is stored with
 * the entry, and on a read it replaces the stored TTL for that read, judged by {@link TtlConfig.mode}.
 *
 * @example
 * RequestContext.empty().set(CACHE_TTL, 30_000) // this answer counts as fresh for 30 s
 */
export const CACHE_TTL = /* @__PURE__ */ new ContextToken<number | undefined>('cache-ttl', () => undefined);

/**
 * App-level freshness, stored with the data (`storedAt`, `ttlMs`).
 *
 * The TTL of a response is the request's {@link CACHE_TTL}, else the first matching route, else
 * `defaultMs`, else none. With a TTL, `now - storedAt < ttlMs` decides freshness:
 * - `mode: 'fallback'` (default): only when the server gave no explicit freshness
 *   (no `max-age`, no `Expires`, no `no-cache`); it replaces heuristic freshness.
 * - `mode: 'override'`: always; the server's `max-age` / `Expires` / `Age` / heuristics / `no-cache`
 *   are ignored for freshness.
 * In both modes `no-store` is still never stored, `must-revalidate` still forbids serving stale,
 * and `stale-while-revalidate` / `stale-if-error` windows count from the TTL's end.
 */
export interface TtlConfig {
  readonly defaultMs?: number;
  /**
   * First match wins. A string is a glob over the URL's path (without query) when it starts with
   * `/`, else over the whole URL without query: `*` matches within one segment, `**` across
   * segments. A RegExp is tested against the whole URL.
   */
  readonly routes?: ReadonlyArray<{ readonly pattern: string | RegExp; readonly ttlMs: number }>;
  readonly mode?: TtlMode;
}

export type TtlMode = 'override' | 'fallback';

export interface CacheConfig {
  /** `'memory'` (default): memory LRU only. `'localforage'`: memory LRU in front of IndexedDB (or any localforage driver). Or your own {@link CacheStore} as the persistent tier. */
  readonly store?: 'memory' | 'localforage' | CacheStore;
  /** Bound of the persistent tier (of the only tier with `store: 'memory'`). Default 500. */
  readonly maxEntries?: number;
  /** Approximate bytes (JSON characters) of the persistent tier. Default 5 000 000. */
  readonly maxBytes?: number;
  /** Bounds of the memory LRU in front of a persistent store; default: the same as the persistent tier. */
  readonly memory?: { readonly maxEntries?: number; readonly maxBytes?: number };
  readonly ttl?: TtlConfig;
  /**
   * How far past freshness a stored response is kept and may still be served, marked `stale`,
   * when the network finally fails (as {@link StaleFallback} allows: by default only when it is
   * unreachable), under `cache-only`, or as the fallback of `network-first`. A server's `stale-if-error` extends it. Never applies to
   * `no-cache` or `must-revalidate` responses. Default 7 days; 0 serves stale only where the
   * server allowed it.
   */
  readonly maxStaleMs?: number;
  /** When a stored response stands in for a failed network: see {@link StaleFallback}. Default `'unreachable'`. */
  readonly staleFallback?: StaleFallback;
  /**
   * How many responses one URL keeps side by side when they differ by the request fields their
   * `Vary` names (RFC 9111 §4.1: a French and a German answer, one per app-set credential). The
   * oldest beyond it is dropped, in both tiers, so a server varying on a per-request field cannot
   * fill the cache with one URL. Default 8 (a value below 1 means the default).
   */
  readonly maxVariants?: number;
  /** localforage instance name (database name). Default `'rxsync'`. */
  readonly name?: string;
  /**
   * How long the persistent store may take to start (read its index and keys, reconcile) before
   * the cache gives up on it for this session and continues memory-only, with a `cache-error`
   * event (every wait is bounded; README "Cache"). Reads waiting for the startup go to the network.
   * Default 5 000 ms.
   */
  readonly startupTimeoutMs?: number;
}

/** Defaults, with the reason for each. */
export const CACHE_DEFAULTS = {
  maxEntries: 500, // a few screens of lists and details; the LRU keeps the working set
  maxBytes: 5_000_000, // well under the smallest mobile WebView quotas (iOS Safari ~50 MB)
  maxStaleMs: 7 * 24 * 3600 * 1000, // offline for a week still shows the last known data, marked stale
  maxVariants: 8, // languages × formats of one URL in practice; a per-request Vary (a request id) stops here
  name: 'rxsync',
  startupTimeoutMs: 5_000, // an IndexedDB that has not answered in 5 s is stuck (a blocked upgrade, a wedged WebView); the app goes on
} as const;

export interface ResolvedCacheConfig {
  readonly store: 'memory' | 'localforage' | CacheStore;
  readonly name: string;
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly memory: { readonly maxEntries: number; readonly maxBytes: number };
  readonly ttlMode: TtlMode;
  readonly maxStaleMs: number;
  readonly staleFallback: StaleFallback;
  readonly startupTimeoutMs: number;
  readonly maxVariants: number;
  /** The TTL a response to `url` gets when stored (request token, route, default). */
  readonly ttlFor: (url: string, requestTtlMs: number | undefined) => number | undefined;
}

export function resolveCacheConfig(config: CacheConfig = {}): ResolvedCacheConfig {
  const maxEntries = config.maxEntries ?? CACHE_DEFAULTS.maxEntries;
  const maxBytes = config.maxBytes ?? CACHE_DEFAULTS.maxBytes;
  const routes = (config.ttl?.routes ?? []).map((r) => ({ matches: compileRoute(r.pattern), ttlMs: r.ttlMs }));
  const defaultMs = config.ttl?.defaultMs;
  return {
    store: config.store ?? 'memory',
    name: config.name ?? CACHE_DEFAULTS.name,
    maxEntries,
    maxBytes,
    memory: { maxEntries: config.memory?.maxEntries ?? maxEntries, maxBytes: config.memory?.maxBytes ?? maxBytes },
    ttlMode: config.ttl?.mode ?? 'fallback',
    maxStaleMs: config.maxStaleMs ?? CACHE_DEFAULTS.maxStaleMs,
    staleFallback: config.staleFallback ?? 'unreachable',
    startupTimeoutMs: clampTimeout(config.startupTimeoutMs ?? CACHE_DEFAULTS.startupTimeoutMs),
    maxVariants: atLeastOne(config.maxVariants),
    ttlFor: (url, requestTtlMs) => requestTtlMs ?? routes.find((r) => r.matches(url))?.ttlMs ?? defaultMs,
  };
}

/** A timer holds at most 2^31 − 1 ms: longer means "very long", not "at once"; negative or NaN means the default. */
function clampTimeout(ms: number): number {
  if (!(ms >= 0)) return CACHE_DEFAULTS.startupTimeoutMs;
  return Math.min(ms, 2 ** 31 - 1);
}

/** A whole number of variants, at least 1; NaN, a non-number or nothing means the default. */
function atLeastOne(max: number | undefined): number {
  if (typeof max !== 'number' || !(max >= 1)) return CACHE_DEFAULTS.maxVariants;
  return Math.floor(max);
}

/** Compiles a route pattern of {@link TtlConfig.routes} into a URL predicate. */
export function compileRoute(pattern: string | RegExp): (url: string) => boolean {
  if (pattern instanceof RegExp) return (url) => pattern.test(url);
  const source = pattern
    .split('**')
    .map((part) => part.split('*').map(escapeRegExp).join('[^/]*'))
    .join('.*');
  const re = new RegExp(`^${source}$`);
  const onPath = pattern.startsWith('/');
  return (url) => re.test(onPath ? pathOf(url) : withoutQuery(url));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

function withoutQuery(url: string): string {
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

/** `https://a.example/items/1?x=2` → `/items/1`. */
function pathOf(url: string): string {
  const withoutOrigin = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '');
  return withoutQuery(withoutOrigin) || '/';
}
