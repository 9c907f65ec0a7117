import { jwtDecode } from 'jwt-decode';

/**
 * The claims the auth layer reads. Times are NumericDate: seconds since the epoch (RFC 7519 §2),
 * while `scheduler.now()` is milliseconds.
 */
export interface JwtClaims {
  /** Expiration time (RFC 7519 §4.1.4). */
  readonly exp?: number;
  /** Issued-at time (RFC 7519 §4.1.6). */
  readonly iat?: number;
  /** Subject: the user the token speaks for (RFC 7519 §4.1.2); partitions the cache. */
  readonly sub?: string;
}

/**
 * Reads the claims of a JWT without verifying it (the server does that; the client only needs to
 * know when to refresh and whose data it holds). Anything that is not a decodable JWT with an
 * object payload (an opaque token, garbage) gives `undefined`; a claim of the wrong type is left out.
 * Never throws.
 *
 * @example
 * readJwtClaims('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSIsImV4cCI6MTcwMDAwMDAwMH0.sig'); // { sub: 'u1', exp: 1700000000 }
 * readJwtClaims('opaque-token');                                                    // undefined
 */
export function readJwtClaims(token: string): JwtClaims | undefined {
  if (typeof token !== 'string') return undefined;
  let payload: unknown;
  try {
    payload = jwtDecode(token);
  } catch {
    return undefined;
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  const { exp, iat, sub } = payload as Record<string, unknown>;
  const claims: { -readonly [K in keyof JwtClaims]: JwtClaims[K] } = {};
  if (isNumericDate(exp)) claims.exp = exp;
  if (isNumericDate(iat)) claims.iat = iat;
  if (typeof sub === 'string' && sub.length > 0) claims.sub = sub;
  return claims;
}

/**
 * True when `token` is a JWT whose `exp` falls within `skewMs` of `now` (or has passed).
 * A token that is not a JWT, or has no `exp`, never expires as far as the client can tell.
 *
 * @example
 * const token = 'eyJhbGciOiJub25lIn0.eyJleHAiOjEwMH0.'; // { "exp": 100 }
 * expiresWithin(token, 75_000, 30_000);          // true: 25 s left, less than the 30 s skew
 * expiresWithin('opaque-token', 75_000, 30_000); // false: sent as it is
 */
export function expiresWithin(token: string, now: number, skewMs: number): boolean {
  const exp = readJwtClaims(token)?.exp;
  return exp !== undefined && exp * 1000 - now <= skewMs;
}

/**
 * How the client came by a token, which decides what its clock can say about the token:
 * - `'received'`: just now (a login, a refresh). Its life (`exp − iat`) is measured from now, so
 *   a device clock hours off the server's does not make every fresh token look expired.
 * - `'stored'`: read back from the token store. When it arrived is unknown, so `exp` is
 *   compared with the clock as it is.
 */
export type TokenReceipt = 'received' | 'stored';

/**
 * When (scheduler milliseconds) the auth layer should refresh a token proactively: `skewMs` before
 * it expires, but never earlier than half-way through the token's life. Without that clamp a token
 * that lives less than the skew (a 20 s token with the 30 s default) would be "expiring" the moment
 * it arrives and every request would refresh it. `undefined`: no `exp`, no proactive refresh.
 *
 * | receipt      | `iat` | due at                                              |
 * | ------------ | ----- | --------------------------------------------------- |
 * | `'received'` | yes   | `now + (exp − iat) − skew`: immune to clock skew    |
 * | any          | no    | `exp − skew`, the life counted from `now`           |
 * | `'stored'`   | yes   | `exp − skew`, the life counted from `iat`           |
 *
 * `now` is when the client got the token (for a stored token, when it was read back).
 *
 * @example
 * refreshDueAt({ exp: 3600 }, 30_000, 0);                          // 3_570_000: 30 s before expiry
 * refreshDueAt({ iat: 0, exp: 20 }, 30_000, 0);                    // 10_000: half-way through a 20 s token
 * refreshDueAt({ iat: -3600, exp: -2700 }, 30_000, 0, 'received'); // 870_000: the device clock is 1 h ahead
 */
export function refreshDueAt(claims: JwtClaims | undefined, skewMs: number, now: number, receipt: TokenReceipt = 'stored'): number | undefined {
  if (claims?.exp === undefined) return undefined;
  const expiresAt = claims.exp * 1000;
  if (receipt === 'received' && claims.iat !== undefined) {
    const lifeMs = expiresAt - claims.iat * 1000;
    return now + lifeMs - clampedSkew(skewMs, lifeMs);
  }
  const issuedAt = claims.iat !== undefined ? claims.iat * 1000 : now;
  return expiresAt - clampedSkew(skewMs, expiresAt - issuedAt);
}

/** The skew, but at most half the token's life, and never negative (a token expired at issue). */
function clampedSkew(skewMs: number, lifeMs: number): number {
  return Math.max(0, Math.min(skewMs, lifeMs / 2));
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
