import { isValidHeaderValue } from '../core/request-checks';

/** The credentials of one session. Never put into events, error messages, cache keys or logs. */
export interface AuthTokens {
  readonly accessToken: string;
  readonly refreshToken?: string;
}

/**
 * What a `TokenStore` keeps: the tokens, plus the session's own partition when the tokens
 * do not name the user (no JWT `sub`, no `userPartition` answer). Storing it keeps the user's
 * cached data theirs across an app restart; a stored value without it gets a fresh one.
 * Not a secret, but opaque: a custom store saves and loads it as it is.
 */
export interface StoredTokens extends AuthTokens {
  readonly partition?: string;
}

/**
 * Reads a value of unknown shape (a refresh response, a stored entry) as {@link AuthTokens}:
 * `undefined` unless `accessToken` is a non-empty string that can be sent as a header value, so
 * `Bearer undefined` (or a request fetch refuses) can never be sent.
 * A `refreshToken` that is not a non-empty string is dropped.
 *
 * @example
 * parseAuthTokens({ accessToken: 'a', refreshToken: 'r', extra: 1 }); // { accessToken: 'a', refreshToken: 'r' }
 * parseAuthTokens({});                                               // undefined
 */
export function parseAuthTokens(value: unknown): AuthTokens | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  // Own properties only: an inherited `accessToken` (a polluted prototype) is no answer.
  const accessToken = ownField(value, 'accessToken');
  const refreshToken = ownField(value, 'refreshToken');
  // A token fetch could not send as `Authorization: Bearer …` (a line break, a character outside
  // Latin-1) is no usable token: every request with it would fail before leaving.
  if (typeof accessToken !== 'string' || accessToken.length === 0 || !isValidHeaderValue(accessToken)) return undefined;
  return typeof refreshToken === 'string' && refreshToken.length > 0 ? { accessToken, refreshToken } : { accessToken };
}

/**
 * Reads a stored value as {@link StoredTokens}: like {@link parseAuthTokens}, and keeps a
 * `partition` that is a non-empty string. For custom token stores reading their entry back.
 *
 * @example
 * parseStoredTokens({ accessToken: 'a', partition: 'session:9f…' }); // { accessToken: 'a', partition: 'session:9f…' }
 * parseStoredTokens({ accessToken: 'a', partition: 7 });             // { accessToken: 'a' }
 */
export function parseStoredTokens(value: unknown): StoredTokens | undefined {
  const tokens = parseAuthTokens(value);
  if (tokens === undefined) return undefined;
  const partition = ownField(value as object, 'partition');
  return typeof partition === 'string' && partition.length > 0 ? { ...tokens, partition } : tokens;
}

function ownField(value: object, name: string): unknown {
  return Object.prototype.hasOwnProperty.call(value, name) ? (value as Record<string, unknown>)[name] : undefined;
}
