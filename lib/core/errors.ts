import type { HeaderMap } from './headers';
import { describeRequest, type ApiRequest } from './request';

/**
 * The literal `kind` survives serialization (logs, the outbox) and narrows in a `switch`;
 * `instanceof` works too. Whether an error is retried is decided by the retry policy, not here.
 */
export type ApiErrorKind =
  | 'http'
  | 'request'
  | 'network'
  | 'timeout'
  | 'outcome-unknown'
  | 'parse'
  | 'auth'
  | 'retry-after'
  | 'graphql'
  | 'cache'
  | 'circuit-open'
  | 'retry-budget'
  | 'outbox';

/** Where a failed request stands with the server. */
export type RequestOutcome =
  /** The request never reached the server (connection refused, DNS, offline): safe to resend. */
  | 'not-sent'
  /** The request may have been received and applied; only the answer is missing. */
  | 'unknown';

/**
 * Marks rxsync's errors. `Symbol.for` gives every copy of rxsync loaded in one process the same key:
 * an app (or its dependencies) that both `import`s and `require`s rxsync gets the ESM and the CJS
 * build, two copies of these classes, and `instanceof` / `isApiError` must hold across them.
 */
const API_ERROR_BRAND = Symbol.for('rxsync.ApiError');

/** Base of every error rxsync emits. Keeps the request (never its Authorization header) and the cause. */
export abstract class ApiError extends Error {
  /**
   * `error instanceof HttpError` is true for an HttpError of any copy of rxsync: same class by the
   * prototype chain first, else by the brand and the class names along the error's prototype chain
   * (both copies come from one build, so their classes carry the same names).
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (typeof value !== 'object' || value === null || !(API_ERROR_BRAND in value)) return false;
    if (this === ApiError) return true;
    const prototypeOf = (of: object): { constructor?: { name?: unknown } } | null => Object.getPrototypeOf(of) as { constructor?: { name?: unknown } } | null;
    for (let proto = prototypeOf(value); proto !== null && proto !== Object.prototype; proto = prototypeOf(proto)) {
      if (proto.constructor?.name === this.name) return true;
    }
    return false;
  }

  abstract readonly kind: ApiErrorKind;
  abstract override readonly name: string;
  /** How many attempts were made before this error reached the subscriber (set by the retry layer). */
  attempts = 1;
  readonly request: Pick<ApiRequest, 'method' | 'url'>;

  constructor(message: string, request: Pick<ApiRequest, 'method' | 'url'>, options?: { cause?: unknown }) {
    super(message, options);
    // Keep only what identifies the request: headers may carry a token, bodies personal data.
    this.request = { method: request.method, url: request.url };
  }
}

/**
 * Response header fields that carry credentials: never kept on an error, which apps log and
 * report (a `Set-Cookie` holds the session cookie, `Authentication-Info` and `Proxy-Authentication-Info`
 * may carry a next nonce or token). `WWW-Authenticate` stays: it says why, not with what.
 */
const CREDENTIAL_RESPONSE_HEADERS: ReadonlySet<string> = new Set([
  'set-cookie',
  'set-cookie2',
  'authentication-info',
  'proxy-authentication-info',
  'authorization',
  'cookie',
]);

/** `headers` without the credential fields, as an own-properties-only copy (no prototype to read from). */
export function withoutCredentialHeaders(headers: HeaderMap): HeaderMap {
  let out: Record<string, string> | undefined;
  for (const name of Object.keys(headers)) {
    if (CREDENTIAL_RESPONSE_HEADERS.has(name)) {
      out ??= { ...headers };
      delete out[name];
    }
  }
  return out ?? headers;
}

/**
 * A non-2xx response. `body` is parsed like a success body when possible, else the raw text
 * (an `ArrayBuffer` when the body is not text). `headers` leaves out `Set-Cookie` and the other
 * credential fields: an error is logged and reported, a session cookie must not go with it.
 */
export class HttpError extends ApiError {
  override readonly name = 'HttpError';
  readonly kind = 'http' as const;
  readonly headers: HeaderMap;

  /**
   * The URL that answered, after redirects; `undefined` when it is the request's own. The auth
   * layer reads it: a 401 from another origin reached through a redirect is not a challenge
   * for the API's token.
   */
  readonly responseUrl: string | undefined;

  constructor(
    request: Pick<ApiRequest, 'method' | 'url'>,
    readonly status: number,
    headers: HeaderMap,
    readonly body: unknown,
    responseUrl?: string,
  ) {
    super(`HTTP ${status} for ${describeRequest(request)}`, request);
    this.headers = withoutCredentialHeaders(headers);
    this.responseUrl = responseUrl === undefined || responseUrl === '' || responseUrl === request.url ? undefined : responseUrl;
  }
}

/**
 * The request could not be built, so it was never sent: an invalid header name or value, a body
 * that cannot be serialized (circular, BigInt). Never retried: repeating it cannot help.
 */
export class RequestError extends ApiError {
  override readonly name = 'RequestError';
  readonly kind = 'request' as const;

  constructor(request: Pick<ApiRequest, 'method' | 'url'>, detail: string, options?: { cause?: unknown }) {
    super(`invalid request ${describeRequest(request)}: ${detail}`, request, options);
  }
}

/** The network failed: offline, DNS, refused or reset connection, a body cut off mid-transfer. */
export class NetworkError extends ApiError {
  // `string`, not the literal: OfflineError narrows it.
  override readonly name: string = 'NetworkError';
  readonly kind = 'network' as const;

  constructor(
    request: Pick<ApiRequest, 'method' | 'url'>,
    readonly outcome: RequestOutcome,
    options?: { cause?: unknown; detail?: string },
  ) {
    super(`network error for ${describeRequest(request)}${options?.detail ? `: ${options.detail}` : ''}`, request, options);
  }
}

/**
 * Not sent because the client believes it is offline (a connectivity hint said so, or the API's
 * origin stopped answering). A {@link NetworkError} with outcome `'not-sent'`, so everything that
 * handles network failures (the cache serving stale, the outbox backing off) handles it too.
 * `reason` says where the belief came from.
 */
export class OfflineError extends NetworkError {
  override readonly name = 'OfflineError';

  constructor(
    request: Pick<ApiRequest, 'method' | 'url'>,
    readonly reason: 'offline' | 'unreachable',
  ) {
    super(request, 'not-sent', { detail: reason === 'offline' ? 'the device is offline' : 'the API is unreachable' });
  }
}

/** Why an outbox operation failed; `not-queued` reasons mean the mutation was NOT stored. */
export type OutboxErrorReason =
  /** The storage refused the write (quota exceeded, IndexedDB lost): the mutation was not queued. */
  | 'storage-failed'
  /** The storage did not answer within the outbox's `storageTimeoutMs`: the mutation was not queued. */
  | 'storage-timeout'
  /** The body cannot be stored (circular, a function, BigInt): the mutation was not queued. */
  | 'unserializable'
  /** The client has no outbox configured (`offline.outbox`). */
  | 'disabled'
  /** The entry ended as a dead letter; `cause` is the server's answer (e.g. an `HttpError` 422). */
  | 'dead'
  /** The entry was discarded (by `outbox.discard(id)`, a conflict handler, or a logout that discards). */
  | 'discarded'
  /**
   * Another tab or process sent the entry and removed it, but its answer did not reach this one
   * (no tab channel, or no word within `storageTimeoutMs`). It was queued and is not lost.
   */
  | 'settled-elsewhere';

/**
 * An outbox failure. For `storage-failed`, `storage-timeout`, `unserializable` and `disabled` the
 * mutation was **not** queued (`queued === false`): nothing will send it, the app must keep it.
 */
export class OutboxError extends ApiError {
  override readonly name = 'OutboxError';
  readonly kind = 'outbox' as const;
  readonly queued: boolean;

  constructor(
    request: Pick<ApiRequest, 'method' | 'url'>,
    readonly reason: OutboxErrorReason,
    options?: { cause?: unknown; detail?: string },
  ) {
    const queued = reason === 'dead' || reason === 'discarded' || reason === 'settled-elsewhere';
    super(
      `outbox: ${reason}${queued ? '' : ' (the mutation was NOT queued)'} for ${describeRequest(request)}${options?.detail ? `: ${options.detail}` : ''}`,
      request,
      options,
    );
    this.queued = queued;
  }
}

/** One attempt took longer than its `timeoutMs`; the fetch was aborted. */
export class TimeoutError extends ApiError {
  override readonly name = 'TimeoutError';
  readonly kind = 'timeout' as const;
  readonly outcome: RequestOutcome = 'unknown';

  constructor(
    request: Pick<ApiRequest, 'method' | 'url'>,
    readonly timeoutMs: number,
  ) {
    super(`no response within ${timeoutMs} ms for ${describeRequest(request)}`, request);
  }
}

/**
 * A non-idempotent request (POST/PATCH without an idempotency key) went out, but its response
 * was lost: the write may or may not have happened, and rxsync will not guess by resending it.
 * `cause` is the underlying {@link NetworkError} or {@link TimeoutError}.
 */
export class OutcomeUnknownError extends ApiError {
  override readonly name = 'OutcomeUnknownError';
  readonly kind = 'outcome-unknown' as const;

  constructor(request: Pick<ApiRequest, 'method' | 'url'>, cause: NetworkError | TimeoutError) {
    super(
      `outcome unknown for ${describeRequest(request)}: the request was sent but its response was lost, ` +
        'so the server may have applied it; give it an idempotencyKey to make it safely retryable',
      request,
      { cause },
    );
  }
}

/** A body that does not match what was expected. `raw` is the text received (for diagnosis). */
export class ParseError extends ApiError {
  override readonly name = 'ParseError';
  readonly kind = 'parse' as const;

  constructor(
    request: Pick<ApiRequest, 'method' | 'url'>,
    readonly raw: string,
    readonly contentType: string | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`unexpected response body for ${describeRequest(request)}: ${detail}`, request, options);
  }
}

export type AuthErrorReason =
  /** No access token and no way to get one. */
  | 'missing-credential'
  /**
   * The refresh was rejected (400/401/4xx) or returned no usable token: the session ended. Every
   * request of that session gets this reason, whether it waited for the refresh, had its 401
   * come back afterwards, or was waiting in a retry backoff.
   */
  | 'refresh-failed'
  /**
   * The refresh call got no verdict after its retries (5xx, 408, 429, network failure, timeout, a
   * captive portal's page): the session is kept, and the next request refreshes again. `cause`
   * is what the refresh call got, with nothing of the auth response that could hold a secret.
   */
  | 'refresh-unavailable'
  /** More refreshes than the refresh window allows: a loop was stopped. */
  | 'excessive-refresh'
  /** The server still answered 401 after a refresh and one replay. */
  | 'unauthorized'
  /**
   * The session the request belonged to ended while it was in flight (logout, account switch):
   * it is not re-sent with the next user's token.
   */
  | 'session-changed';

/** The session ended or cannot be established; tokens have been cleared where `reason` says so. */
export class AuthError extends ApiError {
  override readonly name = 'AuthError';
  readonly kind = 'auth' as const;

  constructor(
    request: Pick<ApiRequest, 'method' | 'url'>,
    readonly reason: AuthErrorReason,
    options?: { cause?: unknown },
  ) {
    super(`authentication failed (${reason}) for ${describeRequest(request)}`, request, options);
  }
}

/**
 * The server asked to wait (`Retry-After`) longer than the client's cap: rather than hold the
 * caller for minutes, the request fails at once and says when the server will take it again.
 */
export class RetryAfterTooLongError extends ApiError {
  override readonly name = 'RetryAfterTooLongError';
  readonly kind = 'retry-after' as const;

  constructor(
    request: Pick<ApiRequest, 'method' | 'url'>,
    readonly retryAfterMs: number,
    readonly status: number,
    cause: unknown,
  ) {
    super(`server asked to retry ${describeRequest(request)} after ${Math.round(retryAfterMs / 1000)} s (HTTP ${status})`, request, {
      cause,
    });
  }
}

/**
 * The circuit breaker of the request's origin is open (or half-open with its one probe in
 * flight): the request was not sent. `nextProbeAt` (scheduler time, ms) is when the breaker lets
 * its next probe through; `undefined` while a probe is in flight (it closes or re-opens the
 * breaker when it settles). The retry layer treats it like a `Retry-After`: it waits until then
 * (costing no retry budget and no server request) while attempts remain.
 */
export class CircuitOpenError extends ApiError {
  override readonly name = 'CircuitOpenError';
  readonly kind = 'circuit-open' as const;

  constructor(
    request: Pick<ApiRequest, 'method' | 'url'>,
    readonly origin: string,
    readonly state: 'open' | 'half-open',
    readonly nextProbeAt: number | undefined,
    readonly retryAfterMs: number | undefined,
  ) {
    super(
      state === 'open'
        ? `circuit open for ${origin}: ${describeRequest(request)} not sent, next probe in ${retryAfterMs ?? 0} ms`
        : `circuit half-open for ${origin}: ${describeRequest(request)} not sent while the probe is in flight`,
      request,
    );
  }
}

/**
 * A retryable failure that was not retried because the origin's retry budget is spent: too many
 * recent attempts to this origin failed (gRFC A6 retry throttling). `cause` is the failure itself,
 * so the app can still tell a 503 from a network error.
 */
export class RetryBudgetExhaustedError extends ApiError {
  override readonly name = 'RetryBudgetExhaustedError';
  readonly kind = 'retry-budget' as const;

  constructor(
    request: Pick<ApiRequest, 'method' | 'url'>,
    readonly origin: string,
    cause: unknown,
  ) {
    super(
      `retry budget of ${origin} is spent: ${describeRequest(request)} failed without a retry (${cause instanceof Error ? cause.message : String(cause)})`,
      request,
      {
        cause,
      },
    );
  }
}

/** One entry of a GraphQL response's `errors` array (GraphQL spec §7.1.2). */
export interface GraphQLErrorEntry {
  readonly message: string;
  readonly path?: ReadonlyArray<string | number>;
  readonly locations?: ReadonlyArray<{ line: number; column: number }>;
  readonly extensions?: Readonly<Record<string, unknown>>;
}

/** A GraphQL response with `errors`; partial `data` is kept. */
export class GraphQLError extends ApiError {
  override readonly name = 'GraphQLError';
  readonly kind = 'graphql' as const;

  constructor(
    request: Pick<ApiRequest, 'method' | 'url'>,
    readonly errors: readonly GraphQLErrorEntry[],
    readonly data: unknown,
  ) {
    super(`GraphQL error for ${describeRequest(request)}: ${errors.map((e) => e.message).join('; ')}`, request);
  }
}

/** `cache-only` with no usable entry (OkHttp answers a synthetic 504 here). */
export class CacheMissError extends ApiError {
  override readonly name = 'CacheMissError';
  readonly kind = 'cache' as const;

  constructor(request: Pick<ApiRequest, 'method' | 'url'>) {
    super(`no usable cached response for ${describeRequest(request)} (cache-only)`, request);
  }
}

/**
 * Every error rxsync emits, as a discriminated union on `kind`: a `switch` narrows it.
 *
 * @example
 * client.get('/items').subscribe({
 *   error: (e: AnyApiError) => {
 *     switch (e.kind) {
 *       case 'http': return show(`server said ${e.status}`);
 *       case 'auth': return e.reason === 'refresh-failed' ? toLogin() : retryLater();
 *       case 'network': return e.outcome === 'not-sent' ? retryNow() : askUser();
 *     }
 *   },
 * });
 */
export type AnyApiError =
  | HttpError
  | RequestError
  | NetworkError
  | TimeoutError
  | OutcomeUnknownError
  | ParseError
  | AuthError
  | RetryAfterTooLongError
  | GraphQLError
  | CacheMissError
  | CircuitOpenError
  | RetryBudgetExhaustedError
  | OutboxError;

// On the prototype, not enumerable: it never shows in logs, `toEqual` or JSON.
Object.defineProperty(ApiError.prototype, API_ERROR_BRAND, { value: true });

/** True for an error emitted by rxsync (by any copy of it: the ESM and the CJS build alike). */
export function isApiError(error: unknown): error is AnyApiError {
  return error instanceof ApiError;
}

// Whoever adds a kind adds its class to the union, or this line stops compiling.
const everyKindInTheUnion: Exclude<ApiErrorKind, AnyApiError['kind']> extends never ? true : never = true;
void everyKindInTheUnion;
