import { Observable, of, throwError, type Subscription } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { RequestContext } from '../../lib/core/context';
import { createEnv } from '../../lib/core/env';
import { HttpError } from '../../lib/core/errors';
import type { ClientEvent } from '../../lib/core/events';
import { normalizeHeaders, type HeadersInit } from '../../lib/core/headers';
import { chain, type Handler } from '../../lib/core/layer';
import type { ApiRequest, HttpMethod } from '../../lib/core/request';
import type { ApiResponse } from '../../lib/core/response';
import { CACHE_TTL, FETCH_POLICY, type CacheConfig, type FetchPolicy } from '../../lib/cache/cache-config';
import { createCacheLayer, type CacheControls } from '../../lib/cache/cache.layer';
import { createPersistentTier } from '../../lib/cache/persistent-tier';
import { httpDate } from '../../lib/cache/freshness';
import { createApiClient } from '../../lib/client';
import { createTestScheduler } from '../helpers/marbles';

/** 2025-01-01T00:00:00Z: a realistic clock start, so HTTP dates before "now" are ordinary dates. */
export const T0 = Date.UTC(2025, 0, 1);
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

export const URL_A = 'https://api.example.com/items/1';

/** What the fake backend answers: a response, or an error for the failure paths. */
export type Reply = { status: number; headers?: HeadersInit; body?: unknown; url?: string } | Error | Observable<ApiResponse>;

export interface ReadOptions {
  readonly method?: HttpMethod;
  readonly headers?: HeadersInit;
  readonly policy?: FetchPolicy;
  readonly ttlMs?: number;
  readonly body?: unknown;
}

export interface ReadResult {
  readonly values: ApiResponse[];
  error: unknown;
  completed: boolean;
  /** Whether the stream completed before `subscribe` returned (a synchronous memory hit). */
  readonly completedSynchronously: boolean;
  readonly subscription: Subscription;
}

/**
 * A cache layer in front of a fake backend, on a TestScheduler clock used outside `run()`:
 * `advance(ms)` moves virtual time (and runs what is due by then); requests reaching the backend
 * are recorded; replies are queued with `respond()` and served in order.
 */
export interface CacheHarness {
  readonly rx: TestScheduler;
  readonly events: ClientEvent[];
  readonly requests: ApiRequest[];
  readonly cache: CacheControls;
  readonly handler: Handler;
  /** The cold response stream of a read, for marble tests. */
  request(url: string, options?: ReadOptions): Observable<ApiResponse>;
  respond(...replies: Reply[]): void;
  read(url: string, options?: ReadOptions): ReadResult;
  advance(ms: number): void;
  now(): number;
  /** An HTTP-date `offsetMs` from virtual now. */
  date(offsetMs?: number): string;
  setPartition(partition: string): void;
}

export function createCacheHarness(
  config: CacheConfig = {},
  options: {
    partition?: string;
    partitionChanges$?: Observable<string>;
    /** Passed on as {@link CacheLayerDeps.whenReady} (the session's "tokens loaded"). */
    whenReady?: () => Observable<unknown> | undefined;
    rx?: TestScheduler;
    /** `'client'`: the reads go through the real `createApiClient` (every layer, no retry) instead of the cache layer alone. */
    through?: 'layer' | 'client';
  } = {},
): CacheHarness {
  const rx = options.rx ?? createTestScheduler();
  if (!options.rx) {
    rx.frame = T0;
    rx.maxFrames = Number.POSITIVE_INFINITY;
  }
  const events: ClientEvent[] = [];
  const requests: ApiRequest[] = [];
  const replies: Reply[] = [];
  let partition = options.partition ?? 'user-a';
  const backend: Handler = (req) => {
    requests.push(req);
    const reply = replies.shift();
    if (reply === undefined) return throwError(() => new Error(`unexpected request ${req.method} ${req.url} (no reply queued)`));
    if (reply instanceof Error) return throwError(() => reply);
    if (reply instanceof Observable) return reply;
    const headers = normalizeHeaders(reply.headers);
    if (reply.status >= 400) return throwError(() => new HttpError(req, reply.status, headers, reply.body));
    return of({ status: reply.status, headers, body: reply.body, url: reply.url ?? req.url, fromCache: false, stale: false });
  };
  let handler: Handler;
  let controls: CacheControls;
  if (options.through === 'client') {
    const client = createApiClient({ baseUrl: 'https://api.example.com', scheduler: rx, transport: backend, retry: false, cache: config });
    client.events$.subscribe((e) => events.push(e));
    controls = client.cache;
    handler = (req) => client.request({ ...req, headers: req.headers });
  } else {
    const { env, events$ } = createEnv({ scheduler: rx });
    events$.subscribe((e) => events.push(e));
    const { layer, cache } = createCacheLayer(config, env, {
      partition: () => partition,
      persistentTier: createPersistentTier,
      ...(options.partitionChanges$ ? { partitionChanges$: options.partitionChanges$ } : {}),
      ...(options.whenReady ? { whenReady: options.whenReady } : {}),
    });
    controls = cache;
    handler = chain([layer], backend);
  }

  return {
    rx,
    events,
    requests,
    cache: controls,
    handler,
    respond: (...more) => void replies.push(...more),
    request: (url, o = {}) => handler(buildRequest(url, o)),
    read(url, o = {}) {
      const req = buildRequest(url, o);
      const values: ApiResponse[] = [];
      const result = {
        values,
        error: undefined as unknown,
        completed: false,
        completedSynchronously: false,
        subscription: undefined as unknown as Subscription,
      };
      result.subscription = handler(req).subscribe({
        next: (v) => values.push(v),
        error: (e: unknown) => (result.error = e),
        complete: () => (result.completed = true),
      });
      result.completedSynchronously = result.completed;
      return result;
    },
    advance(ms) {
      // Runs only what is due by then (a write or read taking longer stays in progress).
      const until = rx.now() + ms;
      const maxFrames = rx.maxFrames;
      rx.schedule(() => undefined, ms);
      rx.maxFrames = Math.min(maxFrames, until);
      try {
        rx.flush();
      } finally {
        rx.maxFrames = maxFrames;
      }
    },
    now: () => rx.now(),
    date: (offsetMs = 0) => httpDate(rx.now() + offsetMs),
    setPartition: (p) => void (partition = p),
  };
}

export function buildRequest(url: string, o: ReadOptions = {}): ApiRequest {
  let context = RequestContext.empty();
  if (o.policy) context = context.set(FETCH_POLICY, o.policy);
  if (o.ttlMs !== undefined) context = context.set(CACHE_TTL, o.ttlMs);
  return { method: o.method ?? 'GET', url, headers: normalizeHeaders(o.headers), body: o.body, responseType: 'auto', context };
}

/** `body:cache|net:stale|fresh`, to keep marble value maps short. */
export function summary(res: ApiResponse): string {
  return `${String(res.body)}:${res.fromCache ? 'cache' : 'net'}:${res.stale ? 'stale' : 'fresh'}`;
}

// ---------------------------------------------------------------------------------------------
// The three outcomes of a read, after OkHttp's CacheTest (assertFullyCached / assertConditionallyCached / assertNotCached).

const VALIDATORS = ['if-none-match', 'if-modified-since'];

/** The read is answered from the cache with no network request; returns the response. */
export function expectFullyCached(h: CacheHarness, url: string, options?: ReadOptions): ApiResponse {
  const before = h.requests.length;
  const result = h.read(url, options);
  expect(result.error).toBeUndefined();
  expect(h.requests.slice(before).map(describe)).toEqual([]);
  expect(result.values).toHaveLength(1);
  expect(result.values[0]?.fromCache).toBe(true);
  expect(result.completed).toBe(true);
  return result.values[0];
}

/**
 * The read sends one conditional request; the backend answers 304 (with `notModifiedHeaders`) and
 * the stored body (`storedBody`, default the {@link prime} default `'A'`) is served. Returns the revalidation request, so a test can check its validators.
 */
export function expectConditionallyCached(
  h: CacheHarness,
  url: string,
  options?: ReadOptions & { notModifiedHeaders?: HeadersInit; storedBody?: unknown },
): ApiRequest {
  const before = h.requests.length;
  const stored = options && 'storedBody' in options ? options.storedBody : 'A';
  h.respond({ status: 304, headers: options?.notModifiedHeaders ?? {} });
  const result = h.read(url, options);
  expect(result.error).toBeUndefined();
  const sent = h.requests.slice(before);
  expect(sent).toHaveLength(1);
  const request = sent[0];
  expect(VALIDATORS.filter((name) => request.headers[name] !== undefined)).not.toEqual([]);
  expect(result.values.map((v) => [v.fromCache, v.body])).toEqual([[true, stored]]);
  return request;
}

/** The read goes to the network without validators, and the new body is served. */
export function expectNotCached(h: CacheHarness, url: string, options?: ReadOptions): ApiRequest {
  const before = h.requests.length;
  const body = `fresh body ${before}`;
  h.respond({ status: 200, body });
  const result = h.read(url, options);
  expect(result.error).toBeUndefined();
  const sent = h.requests.slice(before);
  expect(sent).toHaveLength(1);
  const request = sent[0];
  expect(VALIDATORS.filter((name) => request.headers[name] !== undefined)).toEqual([]);
  expect(result.values.map((v) => [v.fromCache, v.body])).toEqual([[false, body]]);
  return request;
}

/** Primes the cache: one network read of `url` answered with `headers` and `body`. */
export function prime(h: CacheHarness, url: string, headers: HeadersInit, body: unknown = 'A', status = 200): ApiResponse | unknown {
  h.respond({ status, headers, body });
  const result = h.read(url);
  return result.error ?? result.values[0];
}

function describe(req: ApiRequest): string {
  return `${req.method} ${req.url}`;
}
