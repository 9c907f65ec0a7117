import { RequestContext } from './context';
import { REPEATABLE } from './context-tokens';
import { type HeaderMap, normalizeHeaders, type HeadersInit } from './headers';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/**
 * How the transport reads the body. `'auto'` follows the response's `Content-Type`
 * (JSON, text, otherwise binary); `'json'` insists on JSON and turns anything else
 * (an HTML captive-portal page, an empty 200) into a `ParseError`.
 */
export type ResponseType = 'auto' | 'json' | 'text' | 'arraybuffer';

/**
 * One logical request as it travels the layers. Immutable: a layer that changes it
 * (adds a header, a validator) makes a copy with {@link withHeaders} or a spread.
 */
export interface ApiRequest {
  readonly method: HttpMethod;
  /** Absolute URL: the client resolves paths against `baseUrl` before the first layer. */
  readonly url: string;
  readonly headers: HeaderMap;
  /** Plain objects and arrays are sent as JSON; strings, `FormData`, `Blob`, buffers as they are. */
  readonly body?: unknown;
  readonly responseType: ResponseType;
  /** Makes a POST/PATCH retryable: sent as `Idempotency-Key`, the same value on every attempt. */
  readonly idempotencyKey?: string;
  /** Per-attempt timeout; falls back to the client's `timeoutMs`. */
  readonly timeoutMs?: number;
  readonly context: RequestContext;
}

/** Methods whose repetition has the same effect as one call (RFC 9110 §9.2.2). */
const IDEMPOTENT_METHODS: ReadonlySet<HttpMethod> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/**
 * Whether sending the request twice is harmless: an idempotent method, an `idempotencyKey` the
 * server deduplicates by, or a request its sender marked {@link REPEATABLE} (a GraphQL query
 * sent as POST).
 */
export function isIdempotent(req: ApiRequest): boolean {
  return IDEMPOTENT_METHODS.has(req.method) || req.idempotencyKey !== undefined || req.context.get(REPEATABLE);
}

/** Safe methods never change server state (RFC 9110 §9.2.1); the cache invalidates on the others. */
export function isSafeMethod(method: HttpMethod): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
}

export function withHeaders(req: ApiRequest, headers: HeadersInit): ApiRequest {
  return rebuild(req, { ...req.headers, ...normalizeHeaders(headers) }, req.context);
}

/** The request with one header set; `name` must be lower-case. The cheapest copy, for hot paths. */
export function withHeader(req: ApiRequest, name: string, value: string): ApiRequest {
  return withHeaderAndContext(req, name, value, req.context);
}

/** {@link withHeader} and {@link withContext} in one copy (auth sets both on every request it sends). */
export function withHeaderAndContext(req: ApiRequest, name: string, value: string, context: RequestContext): ApiRequest {
  const headers: Record<string, string> = { ...req.headers };
  headers[name] = value;
  return rebuild(req, headers, context);
}

/** The request with `headers` (already normalized) and `context` in place of its own, in one copy. */
export function withHeaderMapAndContext(req: ApiRequest, headers: HeaderMap, context: RequestContext): ApiRequest {
  return rebuild(req, headers, context);
}

export function withContext(req: ApiRequest, context: RequestContext): ApiRequest {
  return rebuild(req, req.headers, context);
}

/**
 * Copies field by field: on Node 20, `{ ...req, headers }` (a spread followed by more properties)
 * takes V8's slow path, about a microsecond a copy, and layers copy requests on every call.
 */
function rebuild(req: ApiRequest, headers: HeaderMap, context: RequestContext): ApiRequest {
  return {
    method: req.method,
    url: req.url,
    headers,
    body: req.body,
    responseType: req.responseType,
    idempotencyKey: req.idempotencyKey,
    timeoutMs: req.timeoutMs,
    context,
  };
}

/** `GET https://api.example.com/items` — for messages and events; never includes headers. */
export function describeRequest(req: Pick<ApiRequest, 'method' | 'url'>): string {
  return `${req.method} ${req.url}`;
}

/** What is needed to build an {@link ApiRequest}; everything but method and URL has a default. */
export interface ApiRequestInit {
  readonly method?: HttpMethod;
  readonly url: string;
  readonly headers?: HeadersInit;
  readonly body?: unknown;
  readonly responseType?: ResponseType;
  readonly idempotencyKey?: string;
  readonly timeoutMs?: number;
  readonly context?: RequestContext;
}

export function createRequest(init: ApiRequestInit): ApiRequest {
  return requestWithHeaders(init, normalizeHeaders(init.headers));
}

/**
 * {@link createRequest} for headers the caller has normalized already (the client's defaults,
 * merged once): no second copy per request. `headers` is shared, never written to, unless an
 * idempotency key must be added (then it is copied first).
 */
export function requestWithHeaders(init: Omit<ApiRequestInit, 'headers'>, normalized: Readonly<Record<string, string>>): ApiRequest {
  // Built once here, so every attempt and every replay carries the same key (and with retry off too).
  const headers = init.idempotencyKey === undefined ? normalized : { ...normalized, 'idempotency-key': init.idempotencyKey };
  const req: { -readonly [K in keyof ApiRequest]: ApiRequest[K] } = {
    method: init.method ?? 'GET',
    url: init.url,
    headers,
    responseType: init.responseType ?? 'json',
    context: init.context ?? RequestContext.empty(),
  };
  if (init.body !== undefined) req.body = init.body;
  if (init.idempotencyKey !== undefined) req.idempotencyKey = init.idempotencyKey;
  if (init.timeoutMs !== undefined) req.timeoutMs = init.timeoutMs;
  return req;
}
