import {
  HttpContext,
  HttpContextToken,
  HttpErrorResponse,
  HttpHeaders,
  HttpResponse,
  type HttpEvent,
  type HttpHandlerFn,
  type HttpInterceptorFn,
} from '@angular/common/http';
import { inject } from '@angular/core';
import { catchError, map, throwError } from 'rxjs';
import type { RequestOptions } from '../client-config';
import { ContextToken, RequestContext } from '../core/context';
import { HttpError, isApiError } from '../core/errors';
import type { HttpMethod, ResponseType } from '../core/request';
import type { ApiResponse } from '../core/response';
import { RXSYNC_CLIENT, RXSYNC_CONFIG } from './tokens';

/**
 * Per-request rxsync options for `HttpClient` calls, read by {@link rxsyncInterceptor}. `false`
 * lets the request pass untouched (no cache, auth or retry of rxsync).
 */
export type RxsyncHttpOptions = Pick<RequestOptions, 'fetchPolicy' | 'ttlMs' | 'retry' | 'skipAuth' | 'idempotencyKey' | 'timeoutMs'>;

/**
 * The `HttpContextToken` {@link rxsyncInterceptor} reads; set it with {@link withRxsync}.
 *
 * @example
 * http.get('/api/items', { context: new HttpContext().set(RXSYNC, { fetchPolicy: 'network-only' }) });
 */
export const RXSYNC = new HttpContextToken<RxsyncHttpOptions | false>(() => ({}));

/**
 * An `HttpContext` carrying rxsync options, for `HttpClient` calls.
 *
 * @example
 * ```ts
 * http.post('/api/orders', order, { context: withRxsync({ idempotencyKey: crypto.randomUUID() }) });
 * http.get('/api/items', { context: withRxsync({ fetchPolicy: 'cache-and-network', ttlMs: 60_000 }) });
 * http.get('https://other.example/x', { context: withRxsync(false) });   // untouched by rxsync
 * ```
 */
export function withRxsync(options: RxsyncHttpOptions | false, context: HttpContext = new HttpContext()): HttpContext {
  return context.set(RXSYNC, options);
}

/** Where an intercepted request continues: the rest of Angular's interceptor chain and its backend. */
export const ANGULAR_NEXT = /* @__PURE__ */ new ContextToken<HttpHandlerFn | undefined>('angular-next', () => undefined);

const RESPONSE_TYPES: Readonly<Record<string, ResponseType>> = { json: 'json', text: 'text', arraybuffer: 'arraybuffer' };

/**
 * rxsync's dedupe, cache, auth and retry as one `HttpInterceptorFn`, for apps that keep
 * `HttpClient` as their API. Requests under the configured `baseUrl` run through the client that
 * `provideRxsync` created (the same cache, tokens and single-flight refresh as `client.get`) and
 * continue down Angular's chain (later interceptors, the backend, `HttpTestingController`).
 * Other URLs, `blob` responses and requests with `withRxsync(false)` pass untouched.
 *
 * It is one interceptor, not three, because the layers only work in rxsync's order (a cache hit
 * must not wait for a token; a 401 must go to auth, not to retry) and share one state.
 *
 * Failures reach `HttpClient` callers as `HttpErrorResponse`: an HTTP status keeps its status and
 * body; any other rxsync error (network, timeout, session ended) has status 0 and the typed
 * rxsync error as `error`.
 *
 * @example
 * ```ts
 * providers: [
 *   provideHttpClient(withInterceptors([rxsyncInterceptor])),
 *   provideRxsync({ baseUrl: 'https://api.example.com', auth: { tokens, refresh } }),
 * ]
 * ```
 */
export const rxsyncInterceptor: HttpInterceptorFn = (req, next) => {
  const options = req.context.get(RXSYNC);
  const responseType = RESPONSE_TYPES[req.responseType];
  if (options === false || responseType === undefined) return next(req);
  const { baseUrl } = inject(RXSYNC_CONFIG);
  const url = absoluteUrl(req.urlWithParams, baseUrl);
  if (!url.startsWith(baseUrl)) return next(req);
  const client = inject(RXSYNC_CLIENT);
  return client
    .request({
      method: req.method as HttpMethod,
      url,
      headers: headersOf(req.headers),
      body: req.body ?? undefined,
      responseType,
      ...options,
      context: RequestContext.empty().set(ANGULAR_NEXT, next),
    })
    .pipe(
      map((res): HttpEvent<unknown> => toHttpResponse(res)),
      catchError((error: unknown) => throwError(() => toHttpErrorResponse(error, url))),
    );
};

function absoluteUrl(url: string, baseUrl: string): string {
  const doc = (globalThis as { document?: { baseURI?: string } }).document;
  try {
    return new URL(url, doc?.baseURI ?? baseUrl).href;
  } catch {
    return url;
  }
}

function headersOf(headers: HttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of headers.keys()) out[name.toLowerCase()] = (headers.getAll(name) ?? []).join(', ');
  return out;
}

function toHttpResponse(res: ApiResponse): HttpResponse<unknown> {
  return new HttpResponse({ body: res.body, headers: new HttpHeaders(res.headers), status: res.status, url: res.url });
}

function toHttpErrorResponse(error: unknown, url: string): unknown {
  if (error instanceof HttpError) {
    return new HttpErrorResponse({ error: error.body, headers: new HttpHeaders(error.headers), status: error.status, url });
  }
  if (isApiError(error)) return new HttpErrorResponse({ error, status: 0, statusText: error.kind, url });
  return error;
}
