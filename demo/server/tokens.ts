import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import type { TokenPair } from './types';

interface RefreshRecord {
  readonly sub: string;
  /** Every token descended from one login shares a family, so reuse can revoke the whole line. */
  readonly family: string;
  used: boolean;
}

interface VerifiedAccess {
  readonly sub: string;
  /** Seconds since the epoch, as in the JWT. */
  readonly exp: number;
}

const VERIFIED_CACHE_LIMIT = 10_000;

/**
 * Issues HS256 access JWTs (readable `exp`, so clients can refresh before expiry) and opaque,
 * rotating refresh tokens. The signing secret is random per server: tokens from another run or
 * another instance are invalid, as they would be against a real backend.
 */
export class TokenService {
  private readonly secret = randomBytes(32);
  private readonly refreshTokens = new Map<string, RefreshRecord>();
  private readonly revokedFamilies = new Set<string>();
  /**
   * Signature checks are memoized per token string: benchmarks compare client overheads over
   * loopback, and an async HMAC verify on every request would add server noise to every contestant.
   * `exp` is still checked on every use.
   */
  private readonly verified = new Map<string, VerifiedAccess>();

  constructor(private readonly defaultTtlSec: number) {}

  async issue(sub: string, ttlSec = this.defaultTtlSec, family: string = randomUUID()): Promise<TokenPair> {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + ttlSec;
    const accessToken = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(sub)
      // An already-expired test token still has iat < exp.
      .setIssuedAt(Math.min(now, exp - 1))
      .setExpirationTime(exp)
      // jti makes two tokens issued in the same second distinct, so "sent with an old token" is observable.
      .setJti(randomUUID())
      .sign(this.secret);
    const refreshToken = `rt_${randomBytes(24).toString('base64url')}`;
    this.refreshTokens.set(refreshToken, { sub, family, used: false });
    return { accessToken, refreshToken };
  }

  /** The `sub` of a valid, unexpired access token, else undefined. */
  async verifyAccess(token: string | undefined): Promise<string | undefined> {
    if (!token) return undefined;
    const nowSec = Date.now() / 1000;
    const known = this.verified.get(token);
    if (known) return known.exp > nowSec ? known.sub : undefined;
    try {
      const { payload } = await jwtVerify(token, this.secret, { algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') return undefined;
      if (this.verified.size >= VERIFIED_CACHE_LIMIT) this.verified.clear();
      this.verified.set(token, { sub: payload.sub, exp: payload.exp });
      return payload.sub;
    } catch {
      return undefined; // bad signature, malformed or expired: all the same 401 to the client
    }
  }

  /**
   * Rotation: a refresh token works once. Reusing one (a stolen copy, or a client that refreshed
   * twice) revokes its whole family, as OAuth 2.0 Security BCP (RFC 9700 §4.14.2) recommends,
   * so the client must have shared a single refresh to stay signed in.
   */
  async rotate(refreshToken: unknown): Promise<TokenPair | undefined> {
    if (typeof refreshToken !== 'string') return undefined;
    const record = this.refreshTokens.get(refreshToken);
    if (!record || this.revokedFamilies.has(record.family)) return undefined;
    if (record.used) {
      this.revokedFamilies.add(record.family);
      return undefined;
    }
    record.used = true;
    return this.issue(record.sub, this.defaultTtlSec, record.family);
  }
}

/** The token of an `Authorization: Bearer …` header. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return match?.[1];
}
