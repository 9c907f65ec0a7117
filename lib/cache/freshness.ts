import CachePolicy from 'http-cache-semantics';
import type { HeaderMap } from '../core/headers';
import { formatHttpDate, parseHttpDate } from '../core/http-date';
import type { TtlMode } from './cache-config';
import { formatCacheControl, parseCacheControl, secondsArg, type Directives } from './cache-control';

/**
 * Freshness (RFC 9111 §4.2) as pure functions of the stored response and `now`.
 *
 * `http-cache-semantics` decides storability and the freshness lifetime (explicit, and heuristic
 * from Last-Modified where §4.2.2 allows it). Measured against the RFC, its 4.3 release needs
 * this wrapper for the rules rxsync keeps:
 * - directive names are case-insensitive (§5.2): it matches `max-age` literally, so it is given
 *   a re-formatted, lower-cased Cache-Control ({@link formatCacheControl});
 * - must-revalidate applies only once a response is stale (§5.2.2.2): its `evaluateRequest()`
 *   refuses every must-revalidate hit, so it is not used; the decision is `cache-decision.ts`;
 * - a stored response keeps all its header fields, Date included, and a hit reports its Age
 *   (§3.1, §5.1): its `responseHeaders()` drops Date and stamps `Date.now()`, so it is not used;
 * - Expires is judged against the response's Date (§4.2.1): without a valid Date it falls back to
 *   `Date.now()` at construction (not the client's clock), so it is always given a Date: the
 *   response's own, else the receipt time (as RFC 9110 §6.6.1 asks a recipient to add);
 * - a response with explicit freshness is storable whatever its final status code (§3): it only
 *   stores a fixed list of statuses, so such a response is re-asked as a 200 (status only gates
 *   storability there);
 * - current age is computed here (§4.2.3, with apparent age and response delay) from the
 *   client's clock; its `age()` / `timeToLive()` read `Date.now()` and skip apparent age.
 * It is used as a private cache (`shared: false`: `private` storable, `s-maxage` ignored), and
 * `immutable` adds no freshness of its own (RFC 8246 leaves freshness to max-age).
 */

/** What a response says about its own caching, computed once when it is stored or loaded. */
export interface ResponseFacts {
  readonly storable: boolean;
  /** The server stated freshness: max-age, Expires or no-cache (an app TTL in `fallback` mode then stays out). */
  readonly explicit: boolean;
  /** Freshness lifetime (§4.2.1), heuristic included (§4.2.2); 0 for no-cache. */
  readonly lifetimeMs: number;
  readonly noCache: boolean;
  readonly mustRevalidate: boolean;
  readonly staleWhileRevalidateMs: number;
  /** The server's stale-if-error window (RFC 5861), if it gave one. */
  readonly staleIfErrorMs: number | undefined;
  /** The Date header, or the receipt time when it is missing or invalid. */
  readonly dateMs: number;
  /** The Age header received (§5.1), 0 when absent or invalid. */
  readonly ageValueMs: number;
  readonly hasValidator: boolean;
  /** Lower-cased field names of Vary; `['*']` never matches. */
  readonly vary: readonly string[];
}

export interface ResponseFactsInput {
  readonly method: string;
  readonly status: number;
  /** Only the request's cache directives matter (`no-store`). */
  readonly requestHeaders: HeaderMap;
  readonly responseHeaders: HeaderMap;
  readonly responseTime: number;
}

const LIBRARY_OPTIONS = { shared: false, immutableMinTimeToLive: 0 } as const;

/** Statuses cacheable by default (RFC 9110 §15.1). */
const HEURISTICALLY_CACHEABLE: ReadonlySet<number> = new Set([200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501]);

/**
 * Statuses whose caching rules this cache implements, for `must-understand` (RFC 9111 §5.2.2.3).
 * 206 is not among them: partial content is not stored (see the README).
 */
const UNDERSTOOD: ReadonlySet<number> = new Set([200, 203, 204, 300, 301, 302, 307, 308, 404, 405, 410, 414, 500, 501, 502, 503, 504]);

export function analyzeResponse(input: ResponseFactsInput): ResponseFacts {
  const res = input.responseHeaders;
  const mustUnderstand = mustUnderstandVerdict(parseCacheControl(res['cache-control']), input.status);
  if (mustUnderstand === 'unstorable') return UNSTORABLE_FACTS;
  const cc = mustUnderstand;
  const requestCc = parseCacheControl(input.requestHeaders['cache-control']);
  const dateMs = (res.date === undefined ? undefined : parseHttpDate(res.date, input.responseTime)) ?? input.responseTime;
  const vary = parseVary(res.vary);
  const noCache = cc.has('no-cache') || (res['cache-control'] === undefined && /no-cache/i.test(res.pragma ?? ''));
  const explicitExpiry = cc.has('max-age') || res.expires !== undefined;

  const libraryResponse = { status: input.status, headers: withStrictDates(forLibrary(res, cc, dateMs), input.responseTime) };
  const libraryRequest = { method: input.method, headers: forLibrary(input.requestHeaders, requestCc, undefined) };
  const policy = new CachePolicy(libraryRequest, libraryResponse, LIBRARY_OPTIONS);
  let storable = policy.storable();
  let lifetimeSeconds = storable ? policy.maxAge() : 0;
  if (!storable && storableByRfc(input, cc, requestCc, explicitExpiry)) {
    storable = true;
    // §4.2.2 allows heuristics for other statuses only when marked `public`.
    if (explicitExpiry || cc.has('public')) {
      lifetimeSeconds = new CachePolicy(libraryRequest, { ...libraryResponse, status: 200 }, LIBRARY_OPTIONS).maxAge();
    }
  }
  return {
    storable: storable && vary[0] !== '*',
    explicit: explicitExpiry || noCache,
    lifetimeMs: Math.max(0, lifetimeSeconds * 1000),
    noCache,
    mustRevalidate: cc.has('must-revalidate'),
    staleWhileRevalidateMs: secondsArg(cc, 'stale-while-revalidate') ?? 0,
    staleIfErrorMs: secondsArg(cc, 'stale-if-error'),
    dateMs,
    ageValueMs: parseAge(res.age),
    hasValidator: res.etag !== undefined || res['last-modified'] !== undefined,
    vary,
  };
}

/** RFC 9111 §3, for the final statuses http-cache-semantics does not list. */
function storableByRfc(
  input: ResponseFactsInput,
  cc: ReturnType<typeof parseCacheControl>,
  requestCc: ReturnType<typeof parseCacheControl>,
  explicitExpiry: boolean,
): boolean {
  const { method, status } = input;
  return (
    (method === 'GET' || method === 'HEAD') &&
    status >= 200 &&
    status !== 206 && // partial content: not understood here
    status !== 304 &&
    !cc.has('no-store') &&
    !requestCc.has('no-store') &&
    (explicitExpiry || cc.has('public') || cc.has('private') || HEURISTICALLY_CACHEABLE.has(status))
  );
}

/**
 * RFC 9111 §5.2.2.3: with `must-understand`, a status the cache does not understand is not
 * stored, and for one it does, `no-store` is ignored (the directive pair lets a server reach only
 * caches that know the status's rules). Returns the directives to apply, or `'unstorable'`.
 */
function mustUnderstandVerdict(cc: Directives, status: number): Directives | 'unstorable' {
  if (!cc.has('must-understand')) return cc;
  if (!UNDERSTOOD.has(status)) return 'unstorable';
  if (!cc.has('no-store')) return cc;
  const kept = new Map(cc);
  kept.delete('no-store');
  return kept;
}

/** Whether a response's own Cache-Control settles it as unstorable before the full analysis (§5.2.2.5, §5.2.2.3). */
export function noStoreResponse(responseCacheControl: string | undefined): boolean {
  if (responseCacheControl === undefined) return false;
  const cc = parseCacheControl(responseCacheControl);
  return cc.has('no-store') && !cc.has('must-understand');
}

const UNSTORABLE_FACTS: ResponseFacts = {
  storable: false,
  explicit: false,
  lifetimeMs: 0,
  noCache: false,
  mustRevalidate: false,
  staleWhileRevalidateMs: 0,
  staleIfErrorMs: undefined,
  dateMs: 0,
  ageValueMs: 0,
  hasValidator: false,
  vary: [],
};

function forLibrary(headers: HeaderMap, cc: ReturnType<typeof parseCacheControl>, dateMs: number | undefined): Record<string, string> {
  const out: Record<string, string> = { ...headers };
  if (headers['cache-control'] !== undefined) out['cache-control'] = formatCacheControl(cc);
  if (dateMs !== undefined) out.date = httpDate(dateMs);
  return out;
}

/** When a stored response was requested, received and (re)stored, on the client's clock. */
export interface ResponseTiming {
  readonly requestTime: number;
  readonly responseTime: number;
  /** Receipt of the response or of its last successful validation; TTLs count from here. */
  readonly storedAt: number;
}

/**
 * What a transport may add to the response (or `HttpError`) it emits: when it sent the request
 * that produced it, on `env.scheduler`'s clock. RFC 9111 §4.2.3's request_time is that moment,
 * the final attempt's: waits before it (auth, retry backoff) are not response delay. The cache
 * reads it duck-typed; without it, it takes the moment its own network leg started.
 *
 * @example
 * return { status, headers, body, url, fromCache: false, stale: false, requestTime: startedAt };
 */
export interface RequestTimed {
  readonly requestTime?: number;
}

/**
 * The request_time of a response: its {@link RequestTimed} stamp when it lies within the cache's
 * own span of the request (`legStart` to `responseTime`; anything else is another clock), else
 * `legStart`.
 */
export function requestTimeOf(response: unknown, legStart: number, responseTime: number): number {
  const stamp = typeof response === 'object' && response !== null ? (response as RequestTimed).requestTime : undefined;
  return typeof stamp === 'number' && stamp >= legStart && stamp <= responseTime ? stamp : legStart;
}

/**
 * RFC 9111 §4.2.3:
 *   apparent_age = max(0, response_time - date_value)
 *   corrected_age_value = age_value + (response_time - request_time)
 *   current_age = max(apparent_age, corrected_age_value) + (now - response_time)
 */
export function currentAgeMs(timing: ResponseTiming, facts: Pick<ResponseFacts, 'dateMs' | 'ageValueMs'>, now: number): number {
  return correctedInitialAgeMs(timing, facts) + Math.max(0, now - timing.responseTime);
}

function correctedInitialAgeMs(timing: ResponseTiming, facts: Pick<ResponseFacts, 'dateMs' | 'ageValueMs'>): number {
  const apparentAge = Math.max(0, timing.responseTime - facts.dateMs);
  const correctedAgeValue = facts.ageValueMs + Math.max(0, timing.responseTime - timing.requestTime);
  return Math.max(apparentAge, correctedAgeValue);
}

/** The app TTL that applies to one read: the request's, else the stored one; and the client's mode. */
export interface TtlView {
  readonly ttlMs: number | undefined;
  readonly mode: TtlMode;
}

export interface FreshnessState {
  readonly fresh: boolean;
  /** HTTP current age (§4.2.3), reported as the Age header of a hit. */
  readonly ageMs: number;
  /** How long past freshness; 0 while fresh. */
  readonly stalenessMs: number;
  /** How long it stays fresh; 0 once stale. */
  readonly freshForMs: number;
  /** The app TTL decided freshness rather than the server. */
  readonly byTtl: boolean;
  /** Serving it stale is forbidden: must-revalidate (§5.2.2.2), or no-cache (§5.2.2.4) unless a TTL overrides. */
  readonly forbidsStale: boolean;
}

/** Fresh when lifetime > current age (§4.2), or when `now - storedAt < ttl` where the app TTL applies. */
export function freshnessAt(timing: ResponseTiming, facts: ResponseFacts, now: number, ttl: TtlView): FreshnessState {
  const ageMs = currentAgeMs(timing, facts, now);
  const byTtl = ttl.ttlMs !== undefined && (ttl.mode === 'override' || !facts.explicit);
  const elapsed = byTtl ? now - timing.storedAt : ageMs;
  const lifetime = byTtl ? ttl.ttlMs : facts.lifetimeMs;
  return {
    fresh: lifetime > elapsed,
    ageMs,
    stalenessMs: Math.max(0, elapsed - lifetime),
    freshForMs: Math.max(0, lifetime - elapsed),
    byTtl,
    forbidsStale: facts.mustRevalidate || (facts.noCache && !byTtl),
  };
}

/**
 * When a stored response stops being useful and may be swept: the end of freshness plus the
 * longest stale window that could still serve it (stale-while-revalidate, stale-if-error,
 * `maxStaleMs`), unless serving stale is forbidden and there is no validator to revalidate with.
 */
export function usefulUntil(timing: ResponseTiming, facts: ResponseFacts, ttl: TtlView, maxStaleMs: number): number {
  const byTtl = ttl.ttlMs !== undefined && (ttl.mode === 'override' || !facts.explicit);
  const freshUntil = byTtl ? timing.storedAt + ttl.ttlMs : timing.responseTime + facts.lifetimeMs - correctedInitialAgeMs(timing, facts);
  const forbidsStale = facts.mustRevalidate || (facts.noCache && !byTtl);
  if (forbidsStale && !facts.hasValidator) return freshUntil;
  return freshUntil + Math.max(facts.staleWhileRevalidateMs, facts.staleIfErrorMs ?? 0, maxStaleMs);
}

/** IMF-fixdate (RFC 9110 §5.6.7). */
export function httpDate(ms: number): string {
  return formatHttpDate(ms);
}

/**
 * RFC 9111 §5.1: `Age` is delta-seconds; a list-valued or repeated field (`10, 20`, which is how a
 * repeated field arrives) uses its first member; anything but digits (`1.5`, `-1`, `abc`) is
 * invalid and ignored (0). Huge values are capped at 2^31 s (§1.2.2).
 */
export function parseAge(value: string | undefined): number {
  if (value === undefined) return 0;
  const first = value.split(',')[0]?.trim() ?? '';
  return /^\d+$/.test(first) ? Math.min(Number(first), 2 ** 31) * 1000 : 0;
}

/**
 * The date fields http-cache-semantics reads with `Date.parse`, rewritten from the strict parser
 * (RFC 9110 §5.6.7): an `Expires` that does not parse means "already expired" (RFC 9111 §5.3), and
 * a `Last-Modified` that does not parse gives no heuristic freshness (it is left out).
 */
function withStrictDates(headers: Record<string, string>, now: number): Record<string, string> {
  const expires = headers.expires;
  if (expires !== undefined) {
    const ms = parseHttpDate(expires, now);
    headers.expires = formatHttpDate(ms ?? 0);
  }
  const lastModified = headers['last-modified'];
  if (lastModified !== undefined) {
    const ms = parseHttpDate(lastModified, now);
    if (ms === undefined) delete headers['last-modified'];
    else headers['last-modified'] = formatHttpDate(ms);
  }
  return headers;
}

/** Vary's field names, lower-cased (§4.1, §12.5.5); `['*']` when it holds `*`. */
export function parseVary(value: string | undefined): string[] {
  if (!value) return [];
  const names = value
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  return names.includes('*') ? ['*'] : names;
}
