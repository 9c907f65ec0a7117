import { backoffDelay } from '../../lib/retry/backoff';
import { resolveRetryConfig } from '../../lib/retry/retry-config';

/** The defaults with exact waits: the default full jitter is covered by its own rows. */
const NO_JITTER = resolveRetryConfig({ jitter: 'none' });

const noRandom = (): number => {
  throw new Error('random() must not be called without jitter');
};

describe('backoffDelay', () => {
  describe('without jitter', () => {
    it.each([
      [1, 1000],
      [2, 2000],
      [3, 4000],
      [4, 8000],
      [5, 16000],
    ])('doubles from baseDelayMs: failed attempt %i waits %i ms (base·2^(n-1))', (failedAttempt, expected) => {
      expect(backoffDelay(failedAttempt, NO_JITTER, noRandom)).toBe(expected);
    });

    it.each([
      [6, 30_000],
      [7, 30_000],
      [100, 30_000],
      [5000, 30_000], // 2^4999 is Infinity: the cap still holds
    ])('caps at maxDelayMs: failed attempt %i waits %i ms', (failedAttempt, expected) => {
      expect(backoffDelay(failedAttempt, NO_JITTER, noRandom)).toBe(expected);
    });

    it.each([
      [{ baseDelayMs: 100, maxDelayMs: 250 }, 1, 100],
      [{ baseDelayMs: 100, maxDelayMs: 250 }, 2, 200],
      [{ baseDelayMs: 100, maxDelayMs: 250 }, 3, 250],
      [{ baseDelayMs: 0, maxDelayMs: 250 }, 3, 0],
    ])('follows the configured base and cap: %o, failed attempt %i waits %i ms', (partial, failedAttempt, expected) => {
      expect(backoffDelay(failedAttempt, resolveRetryConfig(partial, NO_JITTER), noRandom)).toBe(expected);
    });

    it.each([[0], [-3]])('treats failed attempt %i as the first', (failedAttempt) => {
      expect(backoffDelay(failedAttempt, NO_JITTER, noRandom)).toBe(1000);
    });
  });

  describe('with full jitter', () => {
    const full = resolveRetryConfig({ jitter: 'full' });

    it.each([
      [1, 0, 0],
      [1, 0.5, 500],
      [3, 0.25, 1000],
      [10, 0.5, 15_000], // random() scales the *capped* delay
      [2, 0.99999, 1999], // whole milliseconds, never the full cap
    ])('draws uniformly below the capped delay: failed attempt %i, random() = %d waits %i ms', (failedAttempt, r, expected) => {
      expect(backoffDelay(failedAttempt, full, () => r)).toBe(expected);
    });
  });
});
