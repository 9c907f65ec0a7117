import { DEFAULT_RETRY_CONFIG, resolveRetryConfig } from '../../lib/retry/retry-config';

describe('resolveRetryConfig', () => {
  it('defaults to 4 attempts waiting 1 s, 2 s, 4 s, capped at 30 s, full jitter (a fleet must not come back together), Retry-After up to 60 s', () => {
    expect(resolveRetryConfig(undefined)).toEqual({
      maxAttempts: 4,
      baseDelayMs: 1000,
      maxDelayMs: 30_000,
      jitter: 'full',
      maxRetryAfterMs: 60_000,
      retryableStatuses: new Set([408, 429, 500, 502, 503, 504]),
    });
    expect(resolveRetryConfig({})).toBe(DEFAULT_RETRY_CONFIG);
  });

  it('merges a partial over the base, ignoring undefined fields', () => {
    const layer = resolveRetryConfig({ maxAttempts: 6, jitter: 'full' });
    expect(resolveRetryConfig({ maxAttempts: 2, baseDelayMs: undefined }, layer)).toEqual({ ...layer, maxAttempts: 2 });
  });

  it.each([
    [{ maxAttempts: 0 }, /maxAttempts/],
    [{ maxAttempts: 2.5 }, /maxAttempts/],
    [{ baseDelayMs: -1 }, /baseDelayMs/],
    [{ maxDelayMs: Number.NaN }, /maxDelayMs/],
    [{ maxDelayMs: Number.POSITIVE_INFINITY }, /maxDelayMs/], // setTimeout would fire at once
    [{ maxRetryAfterMs: 2 ** 31 }, /maxRetryAfterMs/],
    [{ jitter: 'half' as never }, /jitter/],
  ])('rejects a config that cannot work: %o', (partial, message) => {
    expect(() => resolveRetryConfig(partial)).toThrow(message);
  });
});
