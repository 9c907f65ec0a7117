/**
 * The HTTP stacks the network benchmarks run side by side, each configured the way its docs
 * recommend for a mobile app's API client: Bearer auth with a shared refresh on 401, retries of
 * network errors / timeouts / 5xx on idempotent requests, and a per-attempt timeout. Every stack
 * gets the same attempt budget, the same backoff schedule and the same per-attempt timeout
 * ({@link StackConfig}); the benchmarks scale delays down the same way for everyone.
 *
 * | stack                  | auth                                                      | retry                                          |
 * | ---------------------- | --------------------------------------------------------- | ---------------------------------------------- |
 * | rxsync                 | `auth: { tokens, refresh }` (single flight, JWT `exp`)     | `retry: { maxAttempts, baseDelayMs, maxDelayMs }` |
 * | axios                  | request interceptor + axios-auth-refresh (`deduplicateRefresh: false`, see `axiosStack`) | axios-retry, `retryCondition` + timeouts, `shouldResetTimeout` |
 * | ky                     | `beforeRequest` + `afterResponse` 401 → `ky.retry()` (README), one shared refresh promise | `retry: { limit, delay, backoffLimit, retryOnTimeout }` |
 * | TanStack `query()`     | the ky hooks above                                        | TanStack `retry` / `retryDelay` (ky retry off) |
 * | Angular HttpClient     | functional interceptor, BehaviorSubject refresh gate      | functional interceptor with rxjs `retry`, request `timeout` |
 *
 * The refresh endpoint is the demo server's `POST /auth/refresh { refreshToken }` →
 * `{ accessToken, refreshToken }` (rotating refresh tokens: a second use revokes the session).
 */
import '@angular/compiler';
import {
  HttpBackend,
  HttpClient,
  HttpErrorResponse,
  type HttpInterceptorFn,
  type HttpRequest,
  provideHttpClient,
  withFetch,
  withInterceptors,
} from '@angular/common/http';
import { createEnvironmentInjector, type EnvironmentInjector, inject, Injector, provideZonelessChangeDetection, ɵINJECTOR_SCOPE } from '@angular/core';
import { QueryClient } from '@tanstack/query-core';
import axios, { type AxiosError, type InternalAxiosRequestConfig } from 'axios';
import createAuthRefresh from 'axios-auth-refresh';
import { setupCache } from 'axios-cache-interceptor';
import axiosRetry, { isNetworkOrIdempotentRequestError } from 'axios-retry';
import ky, { type KyInstance } from 'ky';
import { BehaviorSubject, catchError, filter, firstValueFrom, Observable, retry, switchMap, take, throwError, timer } from 'rxjs';
import type { Rxsync } from './cache-built';

export interface Tokens {
  readonly accessToken: string;
  readonly refreshToken: string;
}

/** What every stack is given: the same server, session, attempt budget, backoff and timeout. */
export interface StackConfig {
  readonly baseUrl: string;
  readonly tokens: Tokens;
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** Backoff: `baseDelayMs · 2^(n-1)` before retry n, capped at `maxDelayMs`, no jitter. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Per-attempt timeout. */
  readonly timeoutMs: number;
}

/** One stack, ready to send: `get` resolves with the parsed JSON body of a GET. */
export interface Stack {
  readonly name: string;
  /** `path` is relative to `baseUrl`, without a leading slash (ky's `prefixUrl` requires that). */
  get(path: string): Promise<unknown>;
  close(): void;
}

/** The wait before retry `n` (1 for the first retry), the same schedule for every stack. */
export const backoffMs = (config: StackConfig, n: number): number => Math.min(config.maxDelayMs, config.baseDelayMs * 2 ** (n - 1));

const refreshUrl = (config: StackConfig): string => `${config.baseUrl}/auth/refresh`;

/** The floor: `fetch` + `res.json()`, Bearer header, nothing else (no timeout, no retry, no refresh). */
export function rawFetch(config: StackConfig): Stack {
  const headers = { authorization: `Bearer ${config.tokens.accessToken}` };
  return {
    name: 'raw fetch + res.json() (floor)',
    get: async (path) => {
      const res = await fetch(`${config.baseUrl}/${path}`, { headers });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return res.json();
    },
    close: () => undefined,
  };
}

/**
 * Reference point, not a contestant: the smallest cancellable Observable over fetch (an
 * AbortController, aborted only while in flight), awaited with `firstValueFrom`. What any
 * Observable-based client pays at least; DESIGN.md §7 quotes ≈ 1.1× raw fetch for it.
 */
export function bareObservableFetch(config: StackConfig): Stack {
  const headers = { authorization: `Bearer ${config.tokens.accessToken}` };
  const get$ = (url: string): Observable<unknown> =>
    new Observable((subscriber) => {
      const controller = new AbortController();
      let settled = false;
      fetch(url, { headers, signal: controller.signal })
        .then((res) => res.json())
        .then(
          (body) => {
            settled = true;
            subscriber.next(body);
            subscriber.complete();
          },
          (error: unknown) => {
            settled = true;
            subscriber.error(error);
          },
        );
      return () => {
        if (!settled) controller.abort();
      };
    });
  return {
    name: 'bare cancellable Observable over fetch (reference)',
    get: (path) => firstValueFrom(get$(`${config.baseUrl}/${path}`)),
    close: () => undefined,
  };
}

/** The refresh call for stacks that have no HTTP client of their own to make it with. */
async function refreshWithFetch(config: StackConfig, refreshToken: string): Promise<Tokens> {
  const res = await fetch(refreshUrl(config), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken }),
  });
  if (!res.ok) throw new Error(`refresh rejected: HTTP ${res.status}`);
  return (await res.json()) as Tokens;
}

/**
 * rxsync `createApiClient` with its default layers: dedupe, memory cache, auth, retry, fetch
 * transport. `rxsync` is the library as it ships (`loadBuiltRxsync()` in `cache-built.ts`: the
 * peers run precompiled, so rxsync must not run through tsx's slower transform) or, for a
 * labelled extra row, `lib/` as TypeScript source.
 */
export function rxsyncStack(
  config: StackConfig,
  rxsync: Rxsync,
  name = 'rxsync createApiClient',
  extra: Partial<Parameters<Rxsync['createApiClient']>[0]> = {},
): Stack {
  const { createApiClient, memoryTokenStore } = rxsync;
  const client = createApiClient({
    ...extra,
    baseUrl: config.baseUrl,
    auth: { tokens: memoryTokenStore(config.tokens), refresh: (refreshToken) => refreshWithFetch(config, refreshToken) },
    retry: { maxAttempts: config.maxAttempts, baseDelayMs: config.baseDelayMs, maxDelayMs: config.maxDelayMs },
    timeoutMs: config.timeoutMs,
  });
  return { name, get: (path) => firstValueFrom(client.get(path)), close: () => undefined };
}

/**
 * axios + axios-cache-interceptor + axios-auth-refresh + axios-retry, each as its README shows:
 * `setupCache(instance)`; a request interceptor that reads the current token; `createAuthRefresh`
 * whose refresh logic stores the new tokens and patches the failed request; `axiosRetry` whose
 * `retryCondition` adds timeouts (`ECONNABORTED`) to the default network-or-idempotent-5xx rule,
 * with `shouldResetTimeout` so the timeout is per attempt.
 *
 * `deduplicateRefresh: false`, the known workaround: with the documented default (`true`),
 * axios-auth-refresh 5.0.2 rejects every 401 that arrives while the refresh runs instead of
 * queueing it (Flyrell/axios-auth-refresh#307, open), while `false` still shares one refresh
 * call. The auth-storm benchmark also shows the default, in a labelled extra row.
 */
export function axiosStack(config: StackConfig, options: { deduplicateRefresh?: boolean } = {}): Stack {
  let tokens = config.tokens;
  const api = setupCache(axios.create({ baseURL: config.baseUrl, timeout: config.timeoutMs }));
  api.interceptors.request.use((request: InternalAxiosRequestConfig) => {
    request.headers.set('Authorization', `Bearer ${tokens.accessToken}`);
    return request;
  });
  createAuthRefresh(
    api,
    async (failed: AxiosError) => {
      const res = await axios.post<Tokens>(refreshUrl(config), { refreshToken: tokens.refreshToken });
      tokens = res.data;
      failed.response!.config.headers.set('Authorization', `Bearer ${tokens.accessToken}`);
    },
    { deduplicateRefresh: options.deduplicateRefresh ?? false },
  );
  axiosRetry(api, {
    retries: config.maxAttempts - 1,
    retryDelay: (retryCount) => backoffMs(config, retryCount),
    retryCondition: (error) => isNetworkOrIdempotentRequestError(error) || error.code === 'ECONNABORTED',
    shouldResetTimeout: true,
  });
  return { name: 'axios + retry + auth-refresh + cache-interceptor', get: async (path) => (await api.get(path)).data, close: () => undefined };
}

/**
 * A ky instance with Bearer auth: `beforeRequest` sets the current token; `afterResponse` answers
 * a 401 with a refresh and `ky.retry({ request })`, as the ky README shows, the refresh shared by
 * every request that waits for it (one promise in flight: the usual single-flight idiom).
 * `retries: false` leaves retrying to someone else (TanStack) but still allows the one re-send.
 */
function kyWithAuth(config: StackConfig, retries: boolean): KyInstance {
  let tokens = config.tokens;
  let refreshing: Promise<string> | undefined;
  const refreshOnce = (): Promise<string> =>
    (refreshing ??= ky
      .post(refreshUrl(config), { json: { refreshToken: tokens.refreshToken }, retry: 0 })
      .json<Tokens>()
      .then((fresh) => {
        tokens = fresh;
        return fresh.accessToken;
      })
      .finally(() => {
        refreshing = undefined;
      }));
  return ky.create({
    prefixUrl: config.baseUrl,
    timeout: config.timeoutMs,
    retry: retries
      ? {
          limit: config.maxAttempts - 1,
          delay: (attemptCount) => backoffMs(config, attemptCount),
          backoffLimit: config.maxDelayMs,
          retryOnTimeout: true,
        }
      : { limit: 1, shouldRetry: () => false },
    hooks: {
      beforeRequest: [(request) => request.headers.set('authorization', `Bearer ${tokens.accessToken}`)],
      afterResponse: [
        async (request, _options, response, state) => {
          if (response.status !== 401 || state.retryCount !== 0) return undefined;
          const token = await refreshOnce();
          const headers = new Headers(request.headers);
          headers.set('authorization', `Bearer ${token}`);
          return ky.retry({ request: new Request(request, { headers }), code: 'TOKEN_REFRESHED', delay: 0 });
        },
      ],
    },
  });
}

/** ky alone: its own retry and timeout, auth through hooks. */
export function kyStack(config: StackConfig): Stack {
  const api = kyWithAuth(config, true);
  return { name: 'ky (retry, auth hooks)', get: (path) => api.get(path).json(), close: () => undefined };
}

/**
 * ky under TanStack Query: `queryClient.query()` (the non-deprecated `fetchQuery`) with the
 * default `staleTime: 0`, one key per URL, so every call fetches through and concurrent calls of
 * one key share a fetch. TanStack owns retrying (`retry`, `retryDelay`; `query()` does not retry
 * unless told to). ky's own retry is off so attempts are not multiplied (6 × 6), but it keeps the
 * one re-send after a refresh. The query's `signal` goes to ky, so cancelling a query aborts it.
 */
export function kyTanstackStack(config: StackConfig): Stack {
  const api = kyWithAuth(config, false);
  const queryClient = new QueryClient();
  return {
    name: 'ky + TanStack query() (TanStack retry)',
    get: (path) =>
      queryClient.query({
        queryKey: ['GET', path],
        queryFn: ({ signal }) => api.get(path, { signal }).json(),
        retry: config.maxAttempts - 1,
        retryDelay: (failureCount) => backoffMs(config, failureCount + 1),
      }),
    close: () => queryClient.clear(),
  };
}

/** Angular's `HttpClient` (`withFetch`, zoneless) in a standalone environment injector, as an app bootstraps it. */
export function angularStack(config: StackConfig): Stack {
  let tokens = config.tokens;
  // The common refresh gate: the first 401 refreshes, later ones wait for the subject to carry a token.
  let refreshing = false;
  const refreshed$ = new BehaviorSubject<string | null>(null);
  const withToken = (req: HttpRequest<unknown>, token: string): HttpRequest<unknown> => req.clone({ setHeaders: { Authorization: `Bearer ${token}` } });

  const authInterceptor: HttpInterceptorFn = (req, next) => {
    // Interceptors run in an injection context; the refresh call goes through HttpBackend
    // (no interceptors), the usual way to keep it out of its own 401 handling.
    const backend = inject(HttpBackend);
    return next(withToken(req, tokens.accessToken)).pipe(
      catchError((error: unknown) => {
        if (!(error instanceof HttpErrorResponse) || error.status !== 401) return throwError(() => error);
        if (refreshing) {
          return refreshed$.pipe(
            filter((token): token is string => token !== null),
            take(1),
            switchMap((token) => next(withToken(req, token))),
          );
        }
        refreshing = true;
        refreshed$.next(null);
        return new HttpClient(backend).post<Tokens>(refreshUrl(config), { refreshToken: tokens.refreshToken }).pipe(
          switchMap((fresh) => {
            tokens = fresh;
            refreshing = false;
            refreshed$.next(fresh.accessToken);
            return next(withToken(req, fresh.accessToken));
          }),
          catchError((refreshError: unknown) => {
            refreshing = false;
            return throwError(() => refreshError);
          }),
        );
      }),
    );
  };

  const idempotent = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
  const retryable = (error: unknown): boolean =>
    error instanceof HttpErrorResponse && (error.status === 0 || error.status === 408 || error.status === 429 || error.status >= 500);
  const retryInterceptor: HttpInterceptorFn = (req, next) =>
    next(req.clone({ timeout: config.timeoutMs })).pipe(
      retry({
        count: idempotent.has(req.method) ? config.maxAttempts - 1 : 0,
        delay: (error: unknown, retryCount: number) => (retryable(error) ? timer(backoffMs(config, retryCount)) : throwError(() => error)),
      }),
    );

  const injector = createEnvironmentInjector(
    [
      // What bootstrapApplication gives the app injector: the 'root' scope, for providedIn: 'root' services.
      { provide: ɵINJECTOR_SCOPE, useValue: 'root' },
      provideZonelessChangeDetection(),
      provideHttpClient(withFetch(), withInterceptors([authInterceptor, retryInterceptor])),
    ],
    Injector.NULL as EnvironmentInjector,
  );
  const http = injector.get(HttpClient);
  return {
    name: 'Angular HttpClient (withFetch, interceptors)',
    get: (path) => firstValueFrom(http.get(`${config.baseUrl}/${path}`)),
    close: () => injector.destroy(),
  };
}
