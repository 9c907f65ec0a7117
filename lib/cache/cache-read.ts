import { EMPTY, ReplaySubject, concat, defer, of, switchMap, throwError, type Observable } from 'rxjs';
import type { RequestContext } from '../core/context';
import { BYPASS_PLATFORM_CACHE } from '../core/context-tokens';
import type { ApiEnv } from '../core/env';
import { AuthError, CacheMissError, HttpError, NetworkError, RetryAfterTooLongError, TimeoutError } from '../core/errors';
import type { Handler } from '../core/layer';
import { withContext, type ApiRequest } from '../core/request';
import { responseHeader, type ApiResponse } from '../core/response';
import { deepEqual } from '../core/deep-equal';
import { mapCatch } from '../core/map-catch';
import { CACHE_TTL, FETCH_POLICY, STALE_FALLBACK, type FetchPolicy, type ResolvedCacheConfig } from './cache-config';
import { parseCacheControl } from './cache-control';
import { decideCache, servableOnFailure, type CacheDecision, type DecisionOptions, type FailureKind } from './cache-decision';
import { estimateSize, hydrate, storedHeaders, type CacheEntry, type StoredResponse } from './cache-entry';
import { ownBody, servedBody } from './stored-body';
import { cacheKey, selectVaryHeaders, variantKey } from './cache-key';
import { headFreshens, mergeNotModified, notModifiedMatches, withValidators } from './conditional';
import { analyzeResponse, currentAgeMs, noStoreResponse, parseVary, requestTimeOf, type RequestTimed } from './freshness';
import { CONSULT_PERSISTENT, type TwoTierCache } from './two-tier-cache';

export interface CacheReadContext {
  readonly tiers: TwoTierCache;
  readonly env: ApiEnv;
  readonly config: ResolvedCacheConfig;
  readonly partition: () => string;
  /** Who is asking, partition and session generation (see `CacheLayerDeps.sessionKey`). */
  readonly sessionKey: (() => string) | undefined;
}

type Tier = 'memory' | 'persistent';

/** One marked copy per context (most requests share the empty one): no Map copy per request. */
const ownedContexts = new WeakMap<RequestContext, RequestContext>();
function ownedContext(context: RequestContext): RequestContext {
  let owned = ownedContexts.get(context);
  if (owned === undefined) ownedContexts.set(context, (owned = context.set(BYPASS_PLATFORM_CACHE, true)));
  return owned;
}

/** How the network leg of a read behaves once a cached value may already have been emitted. */
interface NetworkLeg {
  readonly stored: StoredResponse | undefined;
  readonly conditional: boolean;
  /** On final failure, serve `stored` if {@link servableOnFailure} allows it. */
  readonly fallback: boolean;
  /** A cached value was emitted already: a 304 adds nothing, a failure completes quietly. */
  readonly background: 'none' | 'fresh' | 'stale';
}

/**
 * The GET/HEAD path of the cache layer: look up (memory synchronously, else the persistent tier),
 * let {@link decideCache} choose, then do only the I/O it names. Everything below `next` (auth,
 * retry, transport) runs only when the decision needs the network.
 *
 * One small object per read and no closures until the network is involved: a memory hit is the
 * hot path of the whole client.
 */
export function cacheRead(ctx: CacheReadContext, req: ApiRequest, next: Handler): Observable<ApiResponse> {
  // The partition and the session are captured at the same moment: a read belongs to one session.
  const partition = ctx.partition();
  const session = ctx.sessionKey?.();
  const read = new CacheRead(ctx, req, next, partition, session, cacheKey(partition, req.method, req.url), req.context.get(FETCH_POLICY));
  if (read.policy === 'network-only') return read.decide(undefined, 'memory', ctx.env.scheduler.now());
  if (req.method === 'HEAD') return headRead(ctx, read);
  const now = ctx.env.scheduler.now();
  const found = ctx.tiers.peek(read.key, req.headers, now);
  if (found === CONSULT_PERSISTENT) return lookupPersistent(ctx, read, read.key, (stored, now) => read.decide(stored, 'persistent', now));
  return read.decide(found, 'memory', now);
}

/**
 * The synchronous side of {@link cacheRead}: the response a fresh (or servable stale) memory-tier
 * GET hit answers with, or `undefined` when anything else would happen (a miss, the persistent
 * tier to consult, a revalidation, an error status, a policy that wants the network). It emits the
 * same `cache-hit` event and touches the LRU the same way; on `undefined` the caller takes the full
 * path, which looks up again (a second `peek` only refreshes recency, or finds nothing).
 *
 * Why: a memory hit through Observables costs four subscriptions (the client, dedupe, the cache
 * layer, `of`) for one synchronous value; the client asks this first and emits the value itself.
 */
export function memoryHit(ctx: CacheReadContext, req: ApiRequest): ApiResponse | undefined {
  const policy = req.context.get(FETCH_POLICY);
  if (req.method !== 'GET' || policy === 'network-only' || policy === 'cache-and-network' || policy === 'network-first') return undefined;
  const partition = ctx.partition();
  const now = ctx.env.scheduler.now();
  const key = cacheKey(partition, req.method, req.url);
  const found = ctx.tiers.peek(key, req.headers, now);
  if (found === undefined || found === CONSULT_PERSISTENT || found.entry.status >= 400) return undefined;
  // Made only for a hit: a miss (every request of an uncacheable API) goes on without it.
  return new CacheRead(ctx, req, NO_NEXT, partition, undefined, key, policy).hitNow(found, now);
}

const NO_NEXT: Handler = () => {
  throw new Error('memoryHit never reaches the network');
};

/** The stored response for `key` read from the persistent tier, then `then`. */
function lookupPersistent(
  ctx: CacheReadContext,
  read: CacheRead,
  key: string,
  then: (stored: StoredResponse | undefined, now: number) => Observable<ApiResponse>,
): Observable<ApiResponse> {
  return ctx.tiers.load(key, read.req.headers).pipe(
    switchMap((stored) =>
      // An account switch (or logout) while the persistent tier was read: what was read is the
      // old user's, and the network would answer as the new one. Neither reaches this subscriber.
      read.sessionChanged() ? throwError(() => new AuthError(read.req, 'session-changed')) : then(stored, ctx.env.scheduler.now()),
    ),
  );
}

/** Looks `key` up in memory, else in the persistent tier, then `then` (closures: HEAD only, off the hot path). */
function lookup(
  ctx: CacheReadContext,
  read: CacheRead,
  key: string,
  then: (stored: StoredResponse | undefined, tier: Tier, now: number) => Observable<ApiResponse>,
): Observable<ApiResponse> {
  const now = ctx.env.scheduler.now();
  const found = ctx.tiers.peek(key, read.req.headers, now);
  return found === CONSULT_PERSISTENT ? lookupPersistent(ctx, read, key, (stored, later) => then(stored, 'persistent', later)) : then(found, 'memory', now);
}

/**
 * RFC 9111 §4.3.5 (RFC 9110 §9.3.2): a HEAD is first answered from the stored GET response its
 * Vary fields select, when that is fresh (its header fields, no body); else it takes the HEAD
 * path (its own stored HEAD response, or the network), and a 200 it receives freshens or
 * invalidates that GET response.
 */
function headRead(ctx: CacheReadContext, read: CacheRead): Observable<ApiResponse> {
  return lookup(ctx, read, cacheKey(read.partition, 'GET', read.req.url), (get, tier, now) => {
    const answer = read.headFromGet(get, tier, now);
    return answer ?? lookup(ctx, read, read.key, (stored, headTier, later) => read.decide(stored, headTier, later));
  });
}

class CacheRead {
  readonly options: DecisionOptions;
  /** The stored response this read selected (§4.1), the one a network answer replaces or refreshes. */
  private selected: StoredResponse | undefined;
  /** A HEAD read's stored GET response (§4.3.5): a 200 to the HEAD freshens or invalidates it. */
  private getVariant: StoredResponse | undefined;

  constructor(
    readonly ctx: CacheReadContext,
    readonly req: ApiRequest,
    readonly next: Handler,
    readonly partition: string,
    readonly session: string | undefined,
    /** The URL's key; each stored variant has its own key below it (`variantKey`). */
    readonly key: string,
    readonly policy: FetchPolicy,
  ) {
    this.options = {
      ttlMode: ctx.config.ttlMode,
      requestTtlMs: req.context.get(CACHE_TTL),
      maxStaleMs: ctx.config.maxStaleMs,
      staleFallback: req.context.get(STALE_FALLBACK) ?? ctx.config.staleFallback,
    };
  }

  /** The session this read began in has ended (logout, account switch) or the partition moved. */
  sessionChanged(): boolean {
    return this.ctx.partition() !== this.partition || this.ctx.sessionKey?.() !== this.session;
  }

  /**
   * §4.3.5: a HEAD answered from the stored GET response `get`, when it may be used without the
   * network; else `undefined`. Remembers `get` either way, for {@link freshenGet}.
   */
  headFromGet(get: StoredResponse | undefined, tier: Tier, now: number): Observable<ApiResponse> | undefined {
    this.getVariant = get;
    if (get === undefined) return undefined;
    const d = decideCache(get, this.req, now, this.policy, this.options);
    if (d.kind !== 'fresh' && d.kind !== 'stale') return undefined;
    const { entry } = get;
    this.ctx.env.emit({ type: 'cache-hit', method: 'HEAD', url: this.req.url, tier, stale: d.kind === 'stale' });
    const headers = Object.freeze({ ...entry.headers, age: String(Math.floor(currentAgeMs(entry, get.facts, now) / 1000)) });
    if (entry.status >= 400) return throwError(() => new HttpError(this.req, entry.status, headers, null));
    return of(Object.freeze({ status: entry.status, headers, body: null, url: entry.url, fromCache: true, stale: d.kind === 'stale' }));
  }

  decide(stored: StoredResponse | undefined, tier: Tier, now: number): Observable<ApiResponse> {
    this.selected = stored;
    return this.run(decideCache(stored, this.req, now, this.policy, this.options), stored, tier, now);
  }

  private run(d: CacheDecision, stored: StoredResponse | undefined, tier: Tier, now: number): Observable<ApiResponse> {
    const { env } = this.ctx;
    const { method, url } = this.req;
    switch (d.kind) {
      case 'fresh':
      case 'stale':
        env.emit({ type: 'cache-hit', method, url, tier, stale: d.kind === 'stale' });
        return this.serve(stored as StoredResponse, now, d.kind === 'stale');
      case 'stale-while-revalidate':
      case 'cache-and-network': {
        const stale = !d.freshness.fresh;
        env.emit({ type: 'cache-hit', method, url, tier, stale });
        const leg: NetworkLeg = { stored, conditional: d.conditional, fallback: false, background: stale ? 'stale' : 'fresh' };
        if (d.kind === 'cache-and-network') return concat(this.serve(stored as StoredResponse, now, stale), this.network(leg));
        return defer(() => concat(this.serve(stored as StoredResponse, now, stale), this.revalidateDetached(leg)));
      }
      case 'network':
        if (d.reason === 'miss') env.emit({ type: 'cache-miss', method, url });
        return this.network({ stored, conditional: d.conditional, fallback: d.fallback, background: 'none' });
      case 'unsatisfiable':
        env.emit({ type: 'cache-miss', method, url });
        return throwError(() => new CacheMissError(this.req));
    }
  }

  /** {@link memoryHit}: the served response when the decision is a plain hit, else `undefined`. */
  hitNow(stored: StoredResponse, now: number): ApiResponse | undefined {
    this.selected = stored;
    const d = decideCache(stored, this.req, now, this.policy, this.options);
    if (d.kind !== 'fresh' && d.kind !== 'stale') return undefined;
    this.ctx.env.emit({ type: 'cache-hit', method: this.req.method, url: this.req.url, tier: 'memory', stale: d.kind === 'stale' });
    return this.served(stored, now, d.kind === 'stale');
  }

  /** §5.1: a hit reports its current age; every other stored field, Date included, is kept. */
  private serve(stored: StoredResponse, now: number, stale: boolean): Observable<ApiResponse> {
    const response = this.served(stored, now, stale);
    const { entry } = stored;
    if (entry.status >= 400) return throwError(() => new HttpError(this.req, entry.status, response.headers, entry.body));
    return of(response);
  }

  private served(stored: StoredResponse, now: number, stale: boolean): ApiResponse {
    const { entry } = stored;
    const ageSeconds = Math.floor(currentAgeMs(entry, stored.facts, now) / 1000);
    // Within one second of age the served response is the same: reuse it (no header copy per hit).
    // Shared by every subscriber, so frozen: one screen cannot change what the next one reads.
    // A binary body is copied per hit (see stored-body.ts), so its response is never reused.
    let served = stored.served;
    const body = servedBody(entry.body);
    if (served === undefined || served.ageSeconds !== ageSeconds || served.response.stale !== stale || body !== entry.body) {
      const headers = Object.freeze({ ...entry.headers, age: String(ageSeconds) });
      const response = Object.freeze({ status: entry.status, headers, body, url: entry.url, fromCache: true, stale });
      served = { ageSeconds, response };
      if (body === entry.body) stored.served = served;
    }
    return served.response;
  }

  /**
   * RFC 5861 §3: the revalidation is the cache's own background work, not the caller's. It starts
   * now and runs to its end even when the caller leaves after the stale value (`firstValueFrom`,
   * `take(1)`, a view closed); otherwise such callers would read the same stale entry forever.
   * It is bounded by the timeout and retry budget below. A caller still subscribed receives a
   * changed body as the second value.
   */
  private revalidateDetached(leg: NetworkLeg): Observable<ApiResponse> {
    const result = new ReplaySubject<ApiResponse>();
    this.network(leg).subscribe(result);
    return result;
  }

  /**
   * `legStart` bounds request_time (§4.2.3) from below: the response's own {@link RequestTimed}
   * stamp, when the transport sets it, says when the final attempt went out (see {@link requestTimeOf}).
   */
  private network(leg: NetworkLeg): Observable<ApiResponse> {
    const { req } = this;
    const legStart = this.ctx.env.scheduler.now();
    const owned = withContext(req, ownedContext(req.context));
    const sent = leg.conditional && leg.stored ? withValidators(owned, leg.stored.entry.headers) : owned;
    // Never sent under another session than the one the read began in (auth would add its token).
    if (this.sessionChanged()) return throwError(() => new AuthError(req, 'session-changed'));
    // mergeMap(onResponse) and catchError(onFailure) in one subscriber (see mapCatch); what the
    // network itself failed with (`fromSource`) is looked at first: a 304 is an answer, and an
    // error status with explicit freshness is stored.
    return mapCatch(
      this.next(sent),
      (res) => this.onResponse(res, leg, legStart),
      (error: unknown, fromSource) => {
        if (fromSource && error instanceof HttpError) {
          if (error.status === 304) {
            const { requestTime } = error as RequestTimed;
            const notModified: ApiResponse & RequestTimed = {
              status: 304,
              headers: error.headers,
              body: error.body,
              url: req.url,
              fromCache: false,
              stale: false,
              requestTime,
            };
            return mapCatch(
              of(notModified),
              (res) => this.onResponse(res, leg, legStart),
              (failure: unknown) => this.onFailure(failure, leg),
            );
          }
          // RFC 9111 §3: an error status with explicit freshness is storable too (a 404, a 503 with
          // max-age). An unstorable server error evicts nothing: the stored response may still
          // serve stale; an unstorable 4xx is the resource's current state and replaces it.
          try {
            this.store(error, legStart, error.status < 500);
          } catch (thrown) {
            return this.onFailure(thrown, leg); // as a throwing catchError before onFailure's would
          }
        }
        return this.onFailure(error, leg);
      },
    );
  }

  /** The answer to a network response: the response itself in the common case (no inner subscription), else an Observable. */
  private onResponse(res: ApiResponse, leg: NetworkLeg, legStart: number): ApiResponse | Observable<ApiResponse> {
    const { env } = this.ctx;
    const { method, url } = this.req;
    if (res.status !== 304 || !leg.conditional || !leg.stored) {
      // A 304 to a request that carried no validators answers nothing: it is not a success with
      // an empty body (issue #7), but the protocol error it is.
      if (res.status === 304) return throwError(() => new HttpError(this.req, 304, res.headers, res.body));
      this.store(res, legStart);
      if (this.getVariant !== undefined && res.status === 200) this.freshenGet(this.getVariant, res, legStart);
      // After a cached value, an unchanged body (a server without validators) is no news: like a 304.
      const unchanged = leg.background !== 'none' && leg.stored !== undefined && sameRepresentation(leg.stored.entry, res);
      if (leg.conditional) env.emit({ type: 'revalidated', method, url, changed: !unchanged });
      return unchanged ? EMPTY : res;
    }
    if (!notModifiedMatches(leg.stored.entry.headers, res.headers)) {
      // §4.3.4: this 304 selects no stored response; ask again without validators.
      this.ctx.tiers.remove(leg.stored.entry.key);
      return this.network({ ...leg, stored: undefined, conditional: false });
    }
    const responseTime = env.scheduler.now();
    const merged = this.refreshed(leg.stored, res, requestTimeOf(res, legStart, responseTime), responseTime);
    env.emit({ type: 'revalidated', method, url, changed: false });
    return leg.background === 'none' ? this.serve(merged, responseTime, false) : EMPTY;
  }

  private onFailure(error: unknown, leg: NetworkLeg): Observable<ApiResponse> {
    const failure = failureKind(error);
    if (failure === undefined) return throwError(() => error);
    const { env } = this.ctx;
    const { method, url } = this.req;
    const reason = error instanceof Error ? error.name : 'failure';
    if (leg.background !== 'none') {
      // The cached value was emitted already; a failed revalidation leaves it as it is.
      if (leg.background === 'stale') env.emit({ type: 'stale-served', method, url, reason: `revalidation failed (${reason})` });
      return EMPTY;
    }
    if (!leg.fallback || !leg.stored) return throwError(() => error);
    const now = env.scheduler.now();
    const freshness = servableOnFailure(leg.stored, now, this.options, failure);
    if (!freshness) return throwError(() => error);
    env.emit(freshness.fresh ? { type: 'cache-hit', method, url, tier: 'memory', stale: false } : { type: 'stale-served', method, url, reason });
    return this.serve(leg.stored, now, !freshness.fresh);
  }

  /** Stores a network answer when RFC 9111 §3 allows it; otherwise the stored one is outdated and goes. */
  private store(res: Pick<ApiResponse, 'status' | 'headers' | 'body'> & { url?: string }, legStart: number, evictIfUnstorable = true): void {
    const { req, ctx } = this;
    if (this.sessionChanged()) return; // the session changed meanwhile: never file it under the next one
    const responseTime = ctx.env.scheduler.now();
    const requestTime = requestTimeOf(res, legStart, responseTime);
    // A response's no-store (§5.2.2.5) settles it before the full analysis, which an uncacheable
    // API pays on every response otherwise.
    const facts = noStoreResponse(responseHeader(res, 'cache-control'))
      ? undefined
      : analyzeResponse({ method: req.method, status: res.status, requestHeaders: req.headers, responseHeaders: res.headers, responseTime });
    if (!facts?.storable) {
      // A request's own no-store (§5.2.1.5) leaves the stored response alone.
      // Nothing stored for the URL (the common case of an uncacheable API): nothing to evict.
      if (
        evictIfUnstorable &&
        (this.selected !== undefined || ctx.tiers.holdsAny(this.key)) &&
        !parseCacheControl(req.headers['cache-control']).has('no-store')
      ) {
        const vary = parseVary(responseHeader(res, 'vary'));
        this.discard(variantKey(this.key, vary, selectVaryHeaders(vary, req.headers)));
      }
      return;
    }
    const headers = storedHeaders(res.headers, responseTime);
    const url = res.url || req.url;
    const own = ownBody(res.body);
    const ttlMs = ctx.config.ttlFor(req.url, this.options.requestTtlMs);
    const varyHeaders = selectVaryHeaders(facts.vary, req.headers);
    this.keep({
      v: 1,
      key: variantKey(this.key, facts.vary, varyHeaders),
      url,
      method: req.method,
      status: res.status,
      headers,
      body: own.body,
      storedAt: responseTime,
      requestTime,
      responseTime,
      ...(ttlMs === undefined ? {} : { ttlMs }),
      varyHeaders,
      size: estimateSize(own.size, headers, url),
    });
  }

  /** §4.3.4: a matching 304 refreshes the stored headers and timing; the stored body stays. */
  private refreshed(stored: StoredResponse, res: ApiResponse, requestTime: number, responseTime: number): StoredResponse {
    const entry = this.refreshedEntry(stored, res, requestTime, responseTime);
    return this.keep(entry) ?? hydrate(entry, this.ctx.config);
  }

  /** The stored entry with the header fields of `res` merged in (§3.2) and its timing restarted. */
  private refreshedEntry(stored: StoredResponse, res: Pick<ApiResponse, 'headers'>, requestTime: number, responseTime: number): CacheEntry {
    const ttlMs = this.ctx.config.ttlFor(this.req.url, this.options.requestTtlMs) ?? stored.entry.ttlMs;
    const { ttlMs: _previous, ...rest } = stored.entry;
    return {
      ...rest,
      headers: mergeNotModified(stored.entry.headers, storedHeaders(res.headers, responseTime)),
      storedAt: responseTime,
      requestTime,
      responseTime,
      ...(ttlMs === undefined ? {} : { ttlMs }),
    };
  }

  /**
   * §4.3.5: a 200 to HEAD updates the stored GET response it selected when the validators (and a
   * Content-Length) match ({@link headFreshens}): header fields merged as for a 304 (§3.2), timing
   * restarted, body kept. Otherwise that response is outdated: the RFC's "consider it stale" is
   * done by removing it, so it is never served again, not even as a stale fallback. A GET stored
   * or revalidated meanwhile is newer than this HEAD: left alone.
   */
  private freshenGet(get: StoredResponse, res: ApiResponse, legStart: number): void {
    const { tiers, env, config } = this.ctx;
    const responseTime = env.scheduler.now();
    const getKey = cacheKey(this.partition, 'GET', this.req.url);
    if (this.sessionChanged() || tiers.peek(getKey, this.req.headers, responseTime) !== get) return;
    if (!headFreshens(get.entry.headers, res.headers)) return tiers.remove(get.entry.key);
    const entry = this.refreshedEntry(get, res, requestTimeOf(res, legStart, responseTime), responseTime);
    const stored = hydrate(entry, config);
    if (stored.facts.storable && stored.expiresAt > responseTime) tiers.set(entry.key, stored);
    else tiers.remove(entry.key);
  }

  /** Files an entry if it is still of use and the partition is unchanged; returns what was kept. */
  private keep(entry: CacheEntry): StoredResponse | undefined {
    const { ctx } = this;
    const stored = hydrate(entry, ctx.config);
    if (!stored.facts.storable || stored.expiresAt <= entry.responseTime || this.sessionChanged()) {
      this.discard(entry.key);
      return undefined;
    }
    ctx.tiers.set(entry.key, stored);
    // The response this read selected is superseded for it, even under other Vary fields (the server changed its Vary).
    if (this.selected !== undefined && this.selected.entry.key !== entry.key) ctx.tiers.remove(this.selected.entry.key);
    this.selected = stored;
    return stored;
  }

  /**
   * A network answer that is not kept outdates what it would have replaced: the variant filed
   * under `key` (the same Vary fields and values) and the stored response this read selected.
   * Other variants of the URL answer other requests and stay (§4.1).
   */
  private discard(key: string): void {
    this.ctx.tiers.remove(key);
    if (this.selected !== undefined && this.selected.entry.key !== key) this.ctx.tiers.remove(this.selected.entry.key);
  }
}

/** Same status and a deep-equal body (JSON data; binary bodies only when identical). */
function sameRepresentation(stored: CacheEntry, res: ApiResponse): boolean {
  return stored.status === res.status && deepEqual(stored.body, res.body);
}

/**
 * The network "finally failed" (after the retries below): disconnected, timed out, or the server
 * erred (5xx, or asked to wait longer than allowed with a 5xx). A 4xx is an answer, not a failure.
 */
export function isNetworkFailure(error: unknown): boolean {
  return failureKind(error) !== undefined;
}

/** Which kind of final failure `error` is (see {@link FailureKind}), or `undefined` for an answer. */
export function failureKind(error: unknown): FailureKind | undefined {
  if (error instanceof NetworkError || error instanceof TimeoutError) return 'unreachable';
  if (error instanceof HttpError || error instanceof RetryAfterTooLongError) return error.status >= 500 ? 'server-error' : undefined;
  return undefined;
}
