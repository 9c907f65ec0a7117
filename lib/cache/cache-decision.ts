import type { HeaderMap } from '../core/headers';
import type { FetchPolicy, StaleFallback, TtlMode } from './cache-config';
import { parseCacheControl, secondsArg, type Directives } from './cache-control';
import type { StoredResponse } from './cache-entry';
import { varyMatches } from './cache-key';
import { freshnessAt, type FreshnessState } from './freshness';

/**
 * What to do with one read, decided purely from `(stored response, request, now, policy)`, as
 * OkHttp's `CacheStrategy`: the layer only does the I/O the decision names.
 */
export type CacheDecision =
  /** Serve the stored response; no network. */
  | { readonly kind: 'fresh'; readonly freshness: FreshnessState }
  /** Serve it stale, no network: `cache-only` / `only-if-cached`, or the request's `max-stale`. */
  | { readonly kind: 'stale'; readonly freshness: FreshnessState }
  /** Serve it stale now, revalidate in the background (RFC 5861 §3); emit again only if it changed. */
  | { readonly kind: 'stale-while-revalidate'; readonly freshness: FreshnessState; readonly conditional: boolean }
  /** `cache-and-network`: serve it now, then always ask the network. */
  | { readonly kind: 'cache-and-network'; readonly freshness: FreshnessState; readonly conditional: boolean }
  /**
   * Go to the network and wait. `conditional`: send the stored validators (a 304 serves the
   * stored body). `fallback`: on final failure the stored response may be served if
   * {@link servableOnFailure} allows it then.
   */
  | { readonly kind: 'network'; readonly reason: NetworkReason; readonly conditional: boolean; readonly fallback: boolean }
  /** `cache-only` / `only-if-cached` with nothing usable (OkHttp answers a synthetic 504). */
  | { readonly kind: 'unsatisfiable' };

export type NetworkReason = 'miss' | 'stale' | 'request-directive' | 'policy';

export interface DecisionOptions {
  readonly ttlMode: TtlMode;
  /** The reading request's {@link CACHE_TTL}; replaces the stored TTL for this read. */
  readonly requestTtlMs: number | undefined;
  readonly maxStaleMs: number;
  /** When a stored response may stand in for a failed network (the request's, else the client's). */
  readonly staleFallback: StaleFallback;
}

/** How the network finally failed: unreachable (NetworkError, TimeoutError) or a server error (5xx). */
export type FailureKind = 'unreachable' | 'server-error';

const MISS: CacheDecision = { kind: 'network', reason: 'miss', conditional: false, fallback: false };
const NETWORK_ONLY: CacheDecision = { kind: 'network', reason: 'policy', conditional: false, fallback: false };
const UNSATISFIABLE: CacheDecision = { kind: 'unsatisfiable' };
const NO_DIRECTIVES: Directives = new Map();

export function decideCache(
  stored: StoredResponse | undefined,
  req: { readonly headers: HeaderMap },
  now: number,
  policy: FetchPolicy,
  options: DecisionOptions,
): CacheDecision {
  if (policy === 'network-only') return NETWORK_ONLY;
  const requestCc = req.headers['cache-control'] === undefined ? NO_DIRECTIVES : parseCacheControl(req.headers['cache-control']);
  const cacheOnly = policy === 'cache-only' || requestCc.has('only-if-cached');
  if (!stored || !varyMatches(stored.facts.vary, stored.entry.varyHeaders, req.headers)) return cacheOnly ? UNSATISFIABLE : MISS;

  const freshness = freshnessAt(stored.entry, stored.facts, now, { ttlMs: options.requestTtlMs ?? stored.entry.ttlMs, mode: options.ttlMode });
  const conditional = stored.facts.hasValidator;
  const servableStale = !freshness.forbidsStale && freshness.stalenessMs < staleAllowanceMs(stored, options.maxStaleMs);

  if (cacheOnly) return freshness.fresh ? { kind: 'fresh', freshness } : servableStale ? { kind: 'stale', freshness } : UNSATISFIABLE;
  if (policy === 'network-first') return { kind: 'network', reason: 'policy', conditional, fallback: true };
  if (policy === 'cache-and-network') {
    return freshness.fresh || servableStale
      ? { kind: 'cache-and-network', freshness, conditional }
      : { kind: 'network', reason: 'stale', conditional, fallback: true };
  }
  // cache-first: HTTP semantics.
  if (requestForbidsReuse(requestCc, req.headers, freshness)) return { kind: 'network', reason: 'request-directive', conditional, fallback: true };
  if (freshness.fresh) return { kind: 'fresh', freshness };
  if (!freshness.forbidsStale) {
    // §5.2.1.2: the client accepts a response stale by at most max-stale (any, when bare).
    const maxStale = requestCc.get('max-stale');
    if (maxStale === true || (maxStale !== undefined && freshness.stalenessMs <= (secondsArg(requestCc, 'max-stale') ?? 0))) {
      return { kind: 'stale', freshness };
    }
    if (freshness.stalenessMs < stored.facts.staleWhileRevalidateMs) return { kind: 'stale-while-revalidate', freshness, conditional };
  }
  return { kind: 'network', reason: 'stale', conditional, fallback: true };
}

/**
 * §4 / §5.2.1: request directives that forbid reusing a stored response without validation:
 * `no-cache` (or `Pragma: no-cache` without Cache-Control, §5.4), `max-age` older than the
 * response, `min-fresh` longer than what freshness remains.
 */
function requestForbidsReuse(cc: Directives, headers: HeaderMap, freshness: FreshnessState): boolean {
  if (cc.has('no-cache')) return true;
  if (headers['cache-control'] === undefined && headers.pragma !== undefined && /no-cache/i.test(headers.pragma)) return true;
  const maxAge = secondsArg(cc, 'max-age');
  if (maxAge !== undefined && freshness.ageMs > maxAge) return true;
  const minFresh = secondsArg(cc, 'min-fresh');
  return minFresh !== undefined && freshness.freshForMs < minFresh;
}

/**
 * How stale a stored response may be served when the network fails, under `cache-only`, or as
 * `network-first`'s fallback: the client's `maxStaleMs` (RFC 9111 §4.2.4 lets a client permit it,
 * and lets a disconnected cache serve stale), extended by the server's stale-if-error (RFC 5861 §4).
 */
export function staleAllowanceMs(stored: StoredResponse, maxStaleMs: number): number {
  return Math.max(maxStaleMs, stored.facts.staleIfErrorMs ?? 0);
}

/**
 * At the moment the network finally failed: the stored response's freshness if it may be served
 * (fresh, or stale within the window {@link StaleFallback} gives this kind of failure, and not
 * forbidden by must-revalidate / no-cache), else `undefined`. must-revalidate forbids it even
 * offline (§5.2.2.2). A window of N covers staleness below N, as freshness covers ages below the
 * lifetime (§4.2): stale by N − 1 ms is served, by N is not.
 */
export function servableOnFailure(stored: StoredResponse, now: number, options: DecisionOptions, failure: FailureKind): FreshnessState | undefined {
  const freshness = freshnessAt(stored.entry, stored.facts, now, { ttlMs: options.requestTtlMs ?? stored.entry.ttlMs, mode: options.ttlMode });
  if (freshness.fresh) return freshness;
  if (freshness.forbidsStale || options.staleFallback === 'never') return undefined;
  const clientAllows = options.staleFallback === 'any-error' || (options.staleFallback === 'unreachable' && failure === 'unreachable');
  const windowMs = clientAllows ? staleAllowanceMs(stored, options.maxStaleMs) : (stored.facts.staleIfErrorMs ?? 0);
  return freshness.stalenessMs < windowMs ? freshness : undefined;
}
