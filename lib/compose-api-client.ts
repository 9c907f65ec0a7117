import { EMPTY, Observable, of, throwError, type Subscriber } from 'rxjs';
import type { ApiClient, ApiRequestSpec } from './api-client';
import type { AuthSetup } from './auth/auth.layer';
import { CACHE_TTL, FETCH_POLICY, STALE_FALLBACK } from './cache/cache-config';
import type { CacheControls } from './cache/cache.layer';
import type { ApiClientConfig, RequestOptions } from './client-config';
import { RequestContext } from './core/context';
import { SKIP_AUTH } from './core/context-tokens';
import { createEnv } from './core/env';
import { isApiError, OutboxError, RequestError } from './core/errors';
import { invalidOptions } from './core/request-checks';
import { normalizeHeaders } from './core/headers';
import { chain, type Handler, type Layer } from './core/layer';
import { isSafeMethod, requestWithHeaders, type ApiRequest, type HttpMethod } from './core/request';
import type { ApiResponse } from './core/response';
import { originOf, urlResolver } from './core/url';
import { dedupeLayer } from './dedupe/dedupe.layer';
import type { FleetControls } from './fleet/fleet-guard';
import type { GraphQLClient } from './graphql/graphql-config';
import type { AnyClientFeature, ClientFeature, FleetParts } from './features/client-feature';
import { OFFLINE_READ } from './offline/offline.layers';
import type { OfflineMutationMode, OfflineRuntime } from './offline/offline';
import { disabledOutbox } from './offline/disabled-outbox';
import { resolveRetryConfig, RETRY } from './retry/retry-config';
import { retryLayer } from './retry/retry.layer';
import { fetchTransport } from './transport/fetch.transport';
import { Relay, type RelayHandlers } from './core/relay';

/**
 * A client with only the parts you pass: the same pipeline, config and `ApiClient` as
 * {@link createApiClient}, but each optional part (auth, the HTTP cache, fleet safety, offline,
 * GraphQL) exists only with its `withX()` feature, so a bundler leaves out the code of the rest.
 * Always there: dedupe, retry with backoff, timeouts, the fetch transport, typed errors, events.
 * Config for a part that was not passed (`auth` without `withAuth()`) throws at creation:
 * silently ignoring it would, for instance, send requests without their token.
 *
 * @example
 * import { composeApiClient, withFleet, withHttpCache } from 'rxsync';
 * const client = composeApiClient({ baseUrl: 'https://api.example.com', cache: { maxEntries: 200 } }, withHttpCache(), withFleet());
 */
export function composeApiClient(config: ApiClientConfig, ...features: ClientFeature[]): ApiClient {
  const parts = featuresByKind(features as AnyClientFeature[]);
  const { env, events$ } = createEnv({ scheduler: config.scheduler, random: config.random });
  // Shared by every request without headers of its own, so frozen: no layer may write to it.
  const defaultHeaders = Object.freeze(normalizeHeaders(config.headers));
  const resolve = urlResolver(config.baseUrl);
  const apiOrigin = originOf(config.baseUrl);
  if (apiOrigin === undefined) throw new Error(`RXSYNC-1001: baseUrl must be an absolute URL, got ${JSON.stringify(config.baseUrl)}`);
  requireFeature(config.auth !== undefined, parts.auth, 'auth', 'withAuth()');
  requireFeature(config.cache !== undefined && config.cache !== false, parts['http-cache'], 'cache', 'withHttpCache()');
  requireFeature(parts['persistent-cache'] !== undefined, parts['http-cache'], 'cache', 'withHttpCache() (withPersistentCache() is its tier)');
  requireFeature(config.fleet !== undefined && config.fleet !== false, parts.fleet, 'fleet', 'withFleet()');
  requireFeature(config.offline !== undefined, parts.offline, 'offline', 'withOffline()');
  requireFeature(config.graphql !== undefined, parts.graphql, 'graphql', 'withGraphQL()');

  const auth: AuthSetup | undefined = config.auth && parts.auth ? parts.auth.ɵcreate(config.auth, env, apiOrigin) : undefined;
  const cacheFeature = config.cache === false ? undefined : parts['http-cache'];
  const cache = cacheFeature?.ɵcreate(config.cache || undefined, env, {
    partition: () => auth?.session.userPartition() ?? 'anonymous',
    partitionChanges$: auth?.session.partition$ ?? EMPTY,
    // Until an async token store has loaded, the partition is not known yet.
    whenReady: auth?.whenReady,
    sessionKey: auth?.sessionKey,
    localforageStore: cacheFeature.ɵlocalforageStore,
    persistentTier: parts['persistent-cache']?.ɵcreateTier,
  });
  const retryableStatuses = (config.retry !== false && config.retry?.retryableStatuses) || undefined;
  const fleet: FleetParts | undefined = config.fleet === false ? undefined : parts.fleet?.ɵcreate(config.fleet, env, retryableStatuses, config.timeoutMs);
  const offline: OfflineRuntime = parts.offline
    ? parts.offline.ɵcreate(config.offline, env, {
        partition: () => auth?.session.userPartition() ?? 'anonymous',
        partitionChanges$: auth?.session.partition$,
        whenReady: auth?.whenReady,
      })
    : NO_OFFLINE;

  // The one place that knows the order of the layers, and why:
  // - dedupe first: identical concurrent GETs share everything below, cache lookups included.
  // - the cache before auth: a fresh hit never touches auth or retry, so offline reads work with an
  //   expired token, and cache keys never contain tokens (entries are partitioned by user instead).
  //   Revalidations go through auth and retry like any request.
  // - auth outside retry: retry never sees a 401 as retryable; it goes up to auth, which refreshes
  //   once and replays the request through retry with a fresh attempt budget.
  // - GraphQL errors below auth, so a 200 carrying UNAUTHENTICATED is a challenge auth can answer
  //   with a refresh; above retry, so GraphQL errors are never retried; below the cache, so an
  //   errored result is never stored.
  // - the offline gate (with `offline` config) right below the cache: the cache has answered what
  //   it could (its stale fallback catches the gate's OfflineError); nothing below runs for a
  //   request that cannot go out (no refresh while offline).
  // - retry innermost, right above the transport: each attempt is one fetch with its own timeout.
  //   Offline failures pause it without spending attempts (offline.pause).
  // - the fleet stage (breaker, budget, pushback per origin) below retry: it sees every attempt,
  //   refuses those an open breaker holds back, and counts each outcome once.
  // - connectivity evidence last, on the transport: every attempt's outcome (any HTTP answer, or a
  //   not-sent failure) feeds online$.
  // Each stage runs inside `defer` (see `chain`), so a replay re-runs every stage below it.
  const layers: Layer[] = [
    ...(config.layers?.outer ?? []),
    ...(config.dedupe === false ? [] : [dedupeLayer(env, { sessionKey: auth?.sessionKey })]),
    ...(cache ? [cache.layer] : []),
    ...(offline.gate ? [offline.gate] : []),
    ...(config.layers?.network ?? []),
    ...(auth ? [auth.layer] : []),
    ...(parts.graphql ? [parts.graphql.ɵerrorsLayer()] : []),
    ...(config.retry === false ? [] : [retryLayer(config.retry, env, fleet?.retryGate, { pause: offline.pause })]),
    // Below retry: an attempt of a session that has ended (logout, account switch, a rejected
    // refresh) is refused before it is sent or counted by the fleet layer, so a retry waiting
    // in backoff never re-sends the old token.
    ...(auth ? [auth.attemptGuard] : []),
    ...(fleet ? [fleet.layer] : []),
    ...(config.layers?.attempt ?? []),
    ...(offline.evidence ? [offline.evidence] : []),
  ];
  const transport =
    config.transport ??
    config.createTransport?.({ scheduler: env.scheduler, emit: env.emit, timeoutMs: config.timeoutMs ?? 10_000 }) ??
    fetchTransport(env, { fetch: config.fetch, timeoutMs: config.timeoutMs });
  const send: Handler = chain(layers, transport);
  offline.connect(send);

  // Built field by field: on Node 20 a spread followed by more properties takes V8's slow path
  // (about 1 µs a request, a sixth of a memory cache hit).
  const buildRequest = (method: HttpMethod, url: string, options: RequestOptions, body: unknown): ApiRequest =>
    requestWithHeaders(
      {
        method,
        url: resolve(url, options.params),
        body,
        responseType: options.responseType,
        idempotencyKey: options.idempotencyKey,
        timeoutMs: options.timeoutMs,
        context: contextFor(options),
      },
      options.headers === undefined ? defaultHeaders : { ...defaultHeaders, ...normalizeHeaders(options.headers) },
    );

  const reportFailure = (req: ApiRequest, error: unknown): void =>
    env.emit({
      type: 'request-failed',
      method: req.method,
      url: req.url,
      errorKind: isApiError(error) ? error.kind : 'unknown',
      attempts: isApiError(error) ? error.attempts : 1,
      message: error instanceof Error ? error.message : String(error),
    });

  // A memory hit is answered here when no layer of the app's runs above the cache: the cache
  // layer would give the same synchronous answer through four subscriptions (see `memoryHit`).
  const memoryHit = cache && (config.layers?.outer ?? []).length === 0 ? cache.hit : undefined;

  /** Runs a handler and projects each response; one subscriber in between instead of two operators. */
  const run = <R>(handler: Handler, req: ApiRequest, project: (res: ApiResponse) => R): Observable<R> =>
    new Observable<R>((subscriber) => {
      const hit = handler === send && memoryHit !== undefined ? memoryHit(req) : undefined;
      if (hit !== undefined) {
        subscriber.next(project(hit));
        subscriber.complete();
        return undefined;
      }
      return handler(req).subscribe(new Relay(new Projection(subscriber, req, project, reportFailure)));
    });

  // A mutation with an offline mode goes through the outbox (queued, or queued on failure).
  const runMaybeQueued = <R>(req: ApiRequest, options: RequestOptions, project: (res: ApiResponse) => R): Observable<R> => {
    const mode: OfflineMutationMode | undefined = options.offline ?? offline.defaultMutationMode;
    if (mode === undefined || isSafeMethod(req.method)) return run(send, req, project);
    return run((r) => offline.mutate(r, mode, options.outbox, send), req, project);
  };

  // The request is built at call time (immutable, so every subscription may share it); nothing
  // is sent before subscribe.
  // An invalid option fails the Observable with a RequestError, like every other failure.
  const request = <T>(spec: ApiRequestSpec): Observable<ApiResponse<T>> => {
    const invalid = invalidRequestOptions(spec);
    if (invalid !== undefined) return rejectRequest(spec.method ?? 'GET', spec.url, invalid);
    return runMaybeQueued(buildRequest(spec.method ?? 'GET', spec.url, spec, spec.body), spec, (res) => res as ApiResponse<T>);
  };
  const bodyOf = <T>(method: HttpMethod, url: string, options: RequestOptions | undefined, payload?: unknown): Observable<T> => {
    const invalid = typeof url !== 'string' ? `url must be a string, got ${typeof url}` : options === undefined ? undefined : invalidRequestOptions(options);
    if (invalid !== undefined) return rejectRequest(method, url, invalid);
    return runMaybeQueued(buildRequest(method, url, options ?? NO_OPTIONS, payload), options ?? NO_OPTIONS, (res) => res.body as T);
  };
  const rejectRequest = (method: HttpMethod, url: unknown, detail: string): Observable<never> => {
    const req = { method, url: typeof url === 'string' ? url : String(url) };
    return new Observable<never>((subscriber) => {
      const error = new RequestError(req, detail);
      reportFailure(req as ApiRequest, error);
      subscriber.error(error);
    });
  };

  return {
    request,
    get: (url, options) => bodyOf('GET', url, options),
    post: (url, payload, options) => bodyOf('POST', url, options, payload),
    put: (url, payload, options) => bodyOf('PUT', url, options, payload),
    patch: (url, payload, options) => bodyOf('PATCH', url, options, payload),
    delete: (url, options) => bodyOf('DELETE', url, options),
    graphql: parts.graphql ? parts.graphql.ɵclient(request, config.graphql) : noGraphQL(config.baseUrl),
    events$,
    auth: auth?.session,
    cache: cache?.cache ?? NO_CACHE,
    fleet: fleet?.controls ?? NO_FLEET,
    online$: offline.connectivity?.online$ ?? ALWAYS_ONLINE,
    outbox: offline.outbox,
    close: () => {
      offline.close();
      auth?.close();
    },
  };
}

type FeatureMap = { [K in AnyClientFeature['ɵkind']]?: Extract<AnyClientFeature, { ɵkind: K }> };

/** One of each kind; a second is a mistake (two caches?), said at creation. */
function featuresByKind(features: readonly AnyClientFeature[]): FeatureMap {
  const map: Record<string, AnyClientFeature> = {};
  for (const feature of features) {
    if (typeof feature !== 'object' || feature === null || typeof feature.ɵkind !== 'string') {
      throw new Error('RXSYNC-1005: composeApiClient takes features made by withX() functions (withAuth(), withHttpCache(), …)');
    }
    if (map[feature.ɵkind] !== undefined) throw new Error(`RXSYNC-1005: composeApiClient got the '${feature.ɵkind}' feature twice`);
    map[feature.ɵkind] = feature;
  }
  return map;
}

function requireFeature(configured: boolean, feature: AnyClientFeature | undefined, option: string, withFn: string): void {
  if (configured && feature === undefined) throw new Error(`RXSYNC-1006: config.${option} needs ${withFn} among composeApiClient's features`);
}

const NO_OPTIONS: RequestOptions = {};
const ALWAYS_ONLINE = of(true);

/** `cache: false`: the controls exist and do nothing, so app code need not check. */
const NO_CACHE: CacheControls = { invalidate: () => of(undefined), clear: () => of(undefined), flush: () => of(undefined) };

/** `fleet: false`: every origin is always available. */
const NO_FLEET: FleetControls = {
  state: (origin) => ({ origin, circuit: 'closed', nextProbeAt: undefined, failures: 0, tokens: Infinity, retriesAllowed: true, pausedUntil: 0 }),
  changes$: EMPTY,
  available$: () => of(true),
  reset: () => undefined,
};

/** No `withOffline()`: no connectivity, nothing gated or paused, no outbox; mutations go straight out. */
const NO_OFFLINE: OfflineRuntime = {
  connectivity: undefined,
  gate: undefined,
  evidence: undefined,
  pause: undefined,
  outbox: disabledOutbox(),
  defaultMutationMode: undefined,
  connect: () => undefined,
  mutate: (req) => throwError(() => new OutboxError(req, 'disabled', { detail: 'offline mutations need withOffline()' })),
  close: () => undefined,
};

function noGraphQL(baseUrl: string): GraphQLClient {
  return () => throwError(() => new RequestError({ method: 'POST', url: baseUrl }, 'client.graphql needs withGraphQL() among composeApiClient features'));
}

const FETCH_POLICIES: ReadonlySet<unknown> = new Set(['cache-first', 'network-first', 'cache-only', 'network-only', 'cache-and-network']);

/** Why these options cannot work (see `invalidOptions`), plus the options of the cache and retry. */
function invalidRequestOptions(options: RequestOptions & Partial<Pick<ApiRequestSpec, 'method' | 'url'>>): string | undefined {
  const core = invalidOptions(options);
  if (core !== undefined) return core;
  if (options.fetchPolicy !== undefined && !FETCH_POLICIES.has(options.fetchPolicy)) {
    return `fetchPolicy must be one of ${[...FETCH_POLICIES].join(', ')}, got ${String(options.fetchPolicy)}`;
  }
  if (options.retry !== undefined && options.retry !== false) {
    if (typeof options.retry !== 'object' || options.retry === null) return `retry must be false or an object, got ${typeof options.retry}`;
    try {
      resolveRetryConfig(options.retry);
    } catch (error) {
      return error instanceof Error ? error.message : 'invalid retry option';
    }
  }
  if (options.context !== undefined && !(options.context instanceof RequestContext)) return 'context must be a RequestContext';
  return undefined;
}

/** Folds the per-request options into the typed context the layers read. */
function contextFor(options: RequestOptions): RequestContext {
  let context = options.context ?? RequestContext.empty();
  if (options.fetchPolicy !== undefined) context = context.set(FETCH_POLICY, options.fetchPolicy);
  if (options.ttlMs !== undefined) context = context.set(CACHE_TTL, options.ttlMs);
  if (options.staleFallback !== undefined) context = context.set(STALE_FALLBACK, options.staleFallback);
  if (options.retry !== undefined) context = context.set(RETRY, options.retry);
  if (options.skipAuth) context = context.set(SKIP_AUTH, true);
  if (options.offlineRead !== undefined) context = context.set(OFFLINE_READ, options.offlineRead);
  return context;
}

/** Hands each response to the caller as `project` makes it, and reports a failure on its way (one object per request, no closures). */
class Projection<R> implements RelayHandlers<ApiResponse> {
  constructor(
    private readonly subscriber: Subscriber<R>,
    private readonly req: ApiRequest,
    private readonly project: (res: ApiResponse) => R,
    private readonly reportFailure: (req: ApiRequest, error: unknown) => void,
  ) {}

  next(res: ApiResponse): void {
    this.subscriber.next(this.project(res));
  }

  error(error: unknown): void {
    this.reportFailure(this.req, error);
    this.subscriber.error(error);
  }

  complete(): void {
    this.subscriber.complete();
  }
}
