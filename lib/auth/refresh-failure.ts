import { isJsonContentType } from '../core/content-type';
import { HttpError, NetworkError, OutcomeUnknownError, ParseError, RetryAfterTooLongError, TimeoutError } from '../core/errors';

/**
 * What a failed refresh call means for the session, decided from the call's error alone.
 *
 * | error of the refresh call                              | verdict       | session | why                                             |
 * | ------------------------------------------------------ | ------------- | ------- | ----------------------------------------------- |
 * | NetworkError, TimeoutError, OutcomeUnknownError         | `unavailable` | kept    | offline or slow: no verdict on the refresh token |
 * | HttpError or RetryAfterTooLongError 5xx, 408, 429       | `unavailable` | kept    | the server could not answer now                 |
 * | the refresh did not answer within `refreshTimeoutMs`    | `unavailable` | kept    | the same, bounded                               |
 * | ParseError of a body neither declared nor shaped JSON   | `unavailable` | kept    | someone else answered: a captive portal's HTML  |
 * | HttpError 400, 401, 403, any other 4xx                  | `rejected`    | ended   | the refresh token was refused                   |
 * | ParseError of a body declared JSON, or shaped like JSON | `rejected`    | ended   | the auth server answered (and may have rotated the refresh token) in a form the client cannot use |
 * | no usable access token, one that cannot be a header     | `rejected`    | ended   | never send `Bearer undefined`                   |
 * | any other error                                         | `rejected`    | ended   |                                                 |
 *
 * "Shaped like JSON" (the body starts with `{` or `[`): an auth server that answers 200 with its
 * tokens as `text/plain` has most likely rotated the refresh token already, so keeping the session
 * would only keep a spent refresh token; an HTML portal page starts with `<`.
 */
export type RefreshVerdict = 'rejected' | 'unavailable';

export function refreshVerdict(error: unknown): RefreshVerdict {
  if (error instanceof TabRefreshFailed) return error.verdict;
  if (error instanceof RefreshTimedOut) return 'unavailable';
  if (error instanceof NetworkError || error instanceof TimeoutError || error instanceof OutcomeUnknownError) return 'unavailable';
  if (error instanceof HttpError || error instanceof RetryAfterTooLongError) return isTransientStatus(error.status) ? 'unavailable' : 'rejected';
  if (error instanceof ParseError) return isJsonContentType(error.contentType) || looksLikeJson(error.raw) ? 'rejected' : 'unavailable';
  return 'rejected';
}

function isTransientStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

function looksLikeJson(raw: string): boolean {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c <= 32) continue;
    return c === 123 /* { */ || c === 91; /* [ */
  }
  return false;
}

/** The refresh function did not answer within the configured time. */
export class RefreshTimedOut {
  constructor(readonly timeoutMs: number) {}
}

/** The fields of an OAuth error answer (RFC 6749 §5.2): what a rejected refresh may keep of its body. */
const OAUTH_ERROR_FIELDS = ['error', 'error_description', 'error_uri'] as const;

/**
 * The refresh call's error as it may travel to the app, as an `AuthError`'s cause: nothing of the
 * auth response that could hold a token, the refresh token or a session cookie survives.
 *
 * - a `ParseError` loses its raw text and its cause (a `SyntaxError` quotes the text it choked on);
 * - an `HttpError` keeps its status and the OAuth error fields of its body, nothing else;
 * - a `RetryAfterTooLongError` or `OutcomeUnknownError` has its cause cleaned the same way;
 * - any other error whose message holds one of `secrets` gets it replaced by `[redacted]`;
 *   a `SyntaxError` (from `res.json()`) is replaced by one that quotes nothing.
 *
 * @example
 * scrubRefreshError(new ParseError(req, '{"accessToken":"eyJ…"}', 'text/plain', 'expected JSON'), []).raw; // ''
 */
export function scrubRefreshError(error: unknown, secrets: readonly string[]): unknown {
  if (error instanceof ParseError) {
    const clean = new ParseError(error.request, '', error.contentType, detailOf(error.message));
    clean.attempts = error.attempts;
    return clean;
  }
  if (error instanceof HttpError) {
    const clean = new HttpError(error.request, error.status, error.headers, oauthErrorFields(error.body), error.responseUrl);
    clean.attempts = error.attempts;
    return clean;
  }
  if (error instanceof RetryAfterTooLongError) {
    const clean = new RetryAfterTooLongError(error.request, error.retryAfterMs, error.status, scrubRefreshError(error.cause, secrets));
    clean.attempts = error.attempts;
    return clean;
  }
  if (error instanceof OutcomeUnknownError || error instanceof NetworkError || error instanceof TimeoutError) return error;
  if (error instanceof SyntaxError) return new SyntaxError('the refresh answer is not valid JSON');
  if (error instanceof Error && secrets.some((secret) => secret.length > 0 && error.message.includes(secret))) {
    let message = error.message;
    for (const secret of secrets) if (secret.length > 0) message = message.split(secret).join('[redacted]');
    const clean = new Error(message);
    clean.name = error.name;
    return clean;
  }
  return error;
}

/** `unexpected response body for POST …: malformed JSON` → `malformed JSON`. */
function detailOf(message: string): string {
  const at = message.lastIndexOf(': ');
  return at >= 0 ? message.slice(at + 2) : message;
}

function oauthErrorFields(body: unknown): Record<string, string> | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const kept: Record<string, string> = {};
  for (const field of OAUTH_ERROR_FIELDS) {
    const value: unknown = Object.prototype.hasOwnProperty.call(body, field) ? (body as Record<string, unknown>)[field] : undefined;
    if (typeof value === 'string') kept[field] = value.length > 200 ? `${value.slice(0, 200)}…` : value;
  }
  return Object.keys(kept).length > 0 ? kept : null;
}

/** Another tab's refresh failed, or no tab answered within `tabSync.waitMs`: mapped like a refresh of this tab's own. */
export class TabRefreshFailed extends Error {
  override readonly name = 'TabRefreshFailed';
  constructor(
    readonly verdict: RefreshVerdict,
    detail: string,
  ) {
    super(`another tab's refresh: ${detail}`);
  }
}
