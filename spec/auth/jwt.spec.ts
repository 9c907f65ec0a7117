import { SignJWT } from 'jose';
import { expiresWithin, readJwtClaims, refreshDueAt } from '../../lib/auth/jwt';
import { unsignedJwt } from './auth-fixtures';

describe('readJwtClaims', () => {
  it.each([
    ['reads exp, iat and sub', unsignedJwt({ sub: 'u1', exp: 1_700_000_000, iat: 1_699_990_000 }), { sub: 'u1', exp: 1_700_000_000, iat: 1_699_990_000 }],
    ['ignores claims it does not use', unsignedJwt({ sub: 'u1', scope: 'read', aud: 'api' }), { sub: 'u1' }],
    ['drops an exp that is not a number (RFC 7519 §2 NumericDate)', unsignedJwt({ exp: '1700000000' }), {}],
    ['drops an exp that is not finite', unsignedJwt({ exp: null }), {}],
    ['keeps exp 0 (expired at the epoch), not as "no exp"', unsignedJwt({ exp: 0 }), { exp: 0 }],
    ['drops a sub that is not a string', unsignedJwt({ sub: 42 }), {}],
    ['drops an empty sub', unsignedJwt({ sub: '' }), {}],
    ['gives no claims for an opaque token', 'c2VjcmV0LW9wYXF1ZS10b2tlbg', undefined],
    ['gives no claims for an empty string', '', undefined],
    ['gives no claims for a payload that is not base64url JSON', 'abc.def.ghi', undefined],
    ['gives no claims for a payload that is an array', `e30.${Buffer.from('[1,2]').toString('base64url')}.`, undefined],
    ['gives no claims for a payload that is a JSON string', `e30.${Buffer.from('"x"').toString('base64url')}.`, undefined],
  ])('%s', (_rule, token, expected) => {
    expect(readJwtClaims(token)).toEqual(expected);
  });

  it('never throws, whatever it is given', () => {
    for (const garbage of [undefined, null, 42, {}, [], 'a.b', '..', '.....']) {
      expect(() => readJwtClaims(garbage as string)).not.toThrow();
    }
  });

  it('reads a signed JWT without verifying it (the server does that)', async () => {
    const token = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(1_700_000_000)
      .setExpirationTime(1_700_003_600)
      .sign(new TextEncoder().encode('a-secret-the-client-never-has-0123456789'));
    expect(readJwtClaims(token)).toEqual({ sub: 'alice', iat: 1_700_000_000, exp: 1_700_003_600 });
  });
});

describe('expiresWithin (exp is seconds, now and skew are milliseconds)', () => {
  const exp100 = unsignedJwt({ exp: 100 });
  it.each([
    ['far from exp: not expiring', exp100, 0, 30_000, false],
    ['one millisecond before the skew starts: not expiring', exp100, 69_999, 30_000, false],
    ['exactly at the skew: expiring', exp100, 70_000, 30_000, true],
    ['inside the skew: expiring', exp100, 90_000, 30_000, true],
    ['past exp: expiring', exp100, 200_000, 30_000, true],
    ['zero skew, exactly at exp: expiring', exp100, 100_000, 0, true],
    ['zero skew, just before exp: not expiring', exp100, 99_999, 0, false],
    ['no exp claim: never expiring', unsignedJwt({ sub: 'u1' }), 10 ** 15, 30_000, false],
    ['an opaque token: never expiring (sent as it is)', 'opaque-token', 10 ** 15, 30_000, false],
  ])('%s', (_rule, token, now, skewMs, expected) => {
    expect(expiresWithin(token, now, skewMs)).toBe(expected);
  });
});

describe('refreshDueAt', () => {
  it.each([
    ['no claims: never', undefined, 30_000, 0, undefined],
    ['no exp: never', { sub: 'u1' }, 30_000, 0, undefined],
    ['a long-lived token: skew before exp', { iat: 0, exp: 3600 }, 30_000, 0, 3_570_000],
    ['a token shorter than twice the skew: half-way through its life from iat', { iat: 0, exp: 20 }, 30_000, 0, 10_000],
    ['no iat: its life starts when the client received it', { exp: 20 }, 30_000, 4_000, 12_000],
    ['iat wins over the receipt time', { iat: 0, exp: 3600 }, 30_000, 3_000_000, 3_570_000],
    ['an already expired token: due at once (never later than exp)', { exp: 10 }, 30_000, 50_000, 10_000],
    ['zero skew: due at exp', { iat: 0, exp: 60 }, 0, 0, 60_000],
  ])('%s', (_rule, claims, skewMs, receivedAt, expected) => {
    expect(refreshDueAt(claims, skewMs, receivedAt)).toBe(expected);
  });
});

describe('refreshDueAt for a token just received (login, refresh): its life counts from receipt, not from the device clock', () => {
  it.each([
    ['with iat: receipt + (exp − iat) − skew, however far the clock is ahead', { iat: -3600, exp: -2700 }, 30_000, 5_000, 875_000],
    ['with iat, a token shorter than twice the skew: half its life after receipt', { iat: 100, exp: 120 }, 30_000, 5_000, 15_000],
    ['with iat, the clock behind the server: still receipt-relative', { iat: 1_000_000, exp: 1_000_900 }, 30_000, 0, 870_000],
    ['without iat: the exp rule, nothing else to go by', { exp: 3600 }, 30_000, 1_000, 3_570_000],
    ['without exp: never', { iat: 0 }, 30_000, 0, undefined],
  ])('%s', (_rule, claims, skewMs, now, expected) => {
    expect(refreshDueAt(claims, skewMs, now, 'received')).toBe(expected);
  });

  it('keeps the exp rule for a stored token (when it arrived is unknown)', () => {
    expect(refreshDueAt({ iat: -3600, exp: -2700 }, 30_000, 5_000, 'stored')).toBe(-2_730_000);
  });
});
