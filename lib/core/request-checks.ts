/**
 * What fetch refuses before sending anything, checked before fetch is called: implementations
 * word these refusals differently, some reject them like a network failure (so a POST would be
 * reported "outcome unknown" when nothing left the device, and an idempotent request would be
 * retried in vain). Found here, they fail once, clearly, as a `RequestError`.
 */

/** setTimeout holds its delay in a signed 32-bit int: anything longer fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/; // RFC 9110 §5.1 token
// RFC 9110 §5.5 field-value: visible characters, space, tab and obs-text (0x80-0xFF). So no NUL, CR,
// LF (Fetch refuses those everywhere), no other control character (undici refuses them without
// sending, which would otherwise look like a network failure and be retried), and every code point
// a byte, since a ByteString cannot hold anything wider (WebIDL ByteString).
const HEADER_VALUE_FORBIDDEN = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * Why fetch would refuse these headers, or `undefined`. Own properties only: a header map built
 * from parsed JSON may have a `__proto__` key, and an inherited property is never a header.
 *
 * @example
 * invalidHeader({ 'x-name': 'Zoë' });   // undefined: ë is Latin-1
 * invalidHeader({ 'x-name': 'Zoë 🎉' }); // 'invalid value for header x-name (…)'
 */
export function invalidHeader(headers: Readonly<Record<string, string>>): string | undefined {
  for (const name of Object.keys(headers)) {
    if (!HEADER_NAME.test(name)) return `invalid header name ${JSON.stringify(name)}`;
    const value: unknown = headers[name];
    if (typeof value !== 'string') return `invalid value for header ${name} (not a string)`;
    if (HEADER_VALUE_FORBIDDEN.test(value)) return `invalid value for header ${name} (contains a control character or a character outside Latin-1)`;
  }
  return undefined;
}

/** Whether `value` can be sent as (part of) a header value, as fetch checks it. */
export function isValidHeaderValue(value: string): boolean {
  return !HEADER_VALUE_FORBIDDEN.test(value);
}

/**
 * Why fetch would refuse this request line, or `undefined`: a URL it cannot parse or that embeds
 * credentials (`https://user:pass@host`, Fetch §5.3 "new Request" step 7), a body on GET or HEAD.
 */
export function invalidRequestLine(method: string, url: string, hasBody: boolean): string | undefined {
  if (hasBody && (method === 'GET' || method === 'HEAD')) return `a ${method} request cannot have a body`;
  // The common case, without parsing: no '@' means no credentials.
  if (url.indexOf('@') < 0) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'the URL cannot be parsed';
  }
  return parsed.username !== '' || parsed.password !== '' ? 'the URL includes credentials (user:password@); send them in a header' : undefined;
}

/** A timeout as a timer can hold it: `Infinity` and `0` mean none; beyond 2³¹−1 ms, the longest a timer waits. */
export function timerDelay(timeoutMs: number): number | undefined {
  if (!(timeoutMs > 0) || timeoutMs === Infinity) return undefined;
  return Math.min(timeoutMs, MAX_TIMER_MS);
}

const RESPONSE_TYPES: ReadonlySet<unknown> = new Set(['auto', 'json', 'text', 'arraybuffer']);
const METHODS: ReadonlySet<unknown> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The per-request options every request has, as JavaScript callers may pass them. */
export interface CheckedOptions {
  readonly method?: unknown;
  readonly url?: unknown;
  readonly timeoutMs?: unknown;
  readonly responseType?: unknown;
  readonly idempotencyKey?: unknown;
  readonly headers?: unknown;
  readonly params?: unknown;
  readonly ttlMs?: unknown;
  readonly skipAuth?: unknown;
}

/**
 * Why these per-request options cannot work, or `undefined`. Checked when the request is built,
 * so the caller gets a `RequestError` on the Observable rather than a `TypeError` from a layer,
 * or a timeout of `'5000'` silently taken as none.
 *
 * @example
 * invalidOptions({ timeoutMs: -1 }); // 'timeoutMs must be a number ≥ 0 (0 or Infinity: no timeout), got -1'
 */
export function invalidOptions(options: CheckedOptions): string | undefined {
  const { method, url, timeoutMs, responseType, idempotencyKey, headers, params, ttlMs, skipAuth } = options;
  if (method !== undefined && !METHODS.has(method)) return `method must be one of ${[...METHODS].join(', ')}, got ${describe(method)}`;
  if (url !== undefined && typeof url !== 'string') return `url must be a string, got ${describe(url)}`;
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs >= 0)) {
    return `timeoutMs must be a number ≥ 0 (0 or Infinity: no timeout), got ${describe(timeoutMs)}`;
  }
  if (ttlMs !== undefined && !(typeof ttlMs === 'number' && ttlMs >= 0)) return `ttlMs must be a number ≥ 0, got ${describe(ttlMs)}`;
  if (responseType !== undefined && !RESPONSE_TYPES.has(responseType)) {
    return `responseType must be one of ${[...RESPONSE_TYPES].join(', ')}, got ${describe(responseType)}`;
  }
  if (idempotencyKey !== undefined && !(typeof idempotencyKey === 'string' && idempotencyKey.length > 0)) {
    return `idempotencyKey must be a non-empty string, got ${describe(idempotencyKey)}`;
  }
  if (skipAuth !== undefined && typeof skipAuth !== 'boolean') return `skipAuth must be a boolean, got ${describe(skipAuth)}`;
  if (headers !== undefined && (typeof headers !== 'object' || headers === null)) return `headers must be an object, got ${describe(headers)}`;
  if (params !== undefined && (typeof params !== 'object' || params === null)) return `params must be an object, got ${describe(params)}`;
  return undefined;
}

/** A value for a message: its type and, for primitives, the value (never an object's content, which may be personal). */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return typeof value;
}
