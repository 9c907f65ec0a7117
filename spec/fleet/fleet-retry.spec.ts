import { CircuitOpenError, HttpError, NetworkError, RetryBudgetExhaustedError } from '../../lib/core/errors';
import { limitRetry } from '../../lib/fleet/fleet-retry';
import type { RetryDecision } from '../../lib/retry/retry-policy';
import { request } from '../retry/fixtures';

const get = request('GET');
const ORIGIN = 'https://api.example.com';
const NOW = 10_000;
const retry: RetryDecision = { kind: 'retry', delayMs: 1000, reason: 'HTTP 503' };
const failure = new HttpError(get, 503, {}, null);
const open = new CircuitOpenError(get, ORIGIN, 'open', NOW + 3000, 3000);

describe('limitRetry (fleet limits over the retry decision)', () => {
  it.each<[string, RetryDecision, unknown, { retriesAllowed: boolean; pausedUntil: number }, RetryDecision | 'budget']>([
    ['a stop stays a stop', { kind: 'stop', error: failure }, failure, { retriesAllowed: false, pausedUntil: NOW + 9000 }, { kind: 'stop', error: failure }],
    ['budget left and no pause: unchanged', retry, failure, { retriesAllowed: true, pausedUntil: 0 }, retry],
    ['budget spent: stops with RetryBudgetExhaustedError', retry, failure, { retriesAllowed: false, pausedUntil: 0 }, 'budget'],
    ['budget spent, but the breaker refused the attempt (nothing was sent): still retried', retry, open, { retriesAllowed: false, pausedUntil: 0 }, retry],
    [
      'paused past the backoff: waits for the pause',
      retry,
      failure,
      { retriesAllowed: true, pausedUntil: NOW + 5000 },
      { kind: 'retry', delayMs: 5000, reason: 'HTTP 503, paused by Retry-After' },
    ],
    ['paused, but the backoff is longer: the backoff', retry, failure, { retriesAllowed: true, pausedUntil: NOW + 500 }, retry],
    [
      'paused longer than maxRetryAfterMs: stops with the failure',
      retry,
      failure,
      { retriesAllowed: true, pausedUntil: NOW + 120_000 },
      { kind: 'stop', error: failure },
    ],
  ])('%s', (_rule, decision, error, limits, expected) => {
    const result = limitRetry(decision, error, get, ORIGIN, limits, NOW, 60_000);
    if (expected === 'budget') {
      expect(result.kind).toBe('stop');
      const stopped = (result as { error: RetryBudgetExhaustedError }).error;
      expect(stopped).toBeInstanceOf(RetryBudgetExhaustedError);
      expect(stopped).toMatchObject({ kind: 'retry-budget', origin: ORIGIN, cause: failure, request: { method: 'GET', url: get.url } });
    } else {
      expect(result).toEqual(expected);
    }
  });

  it("under jitter (spread) the pause is the earliest and the request's own backoff comes on top", () => {
    expect(limitRetry(retry, failure, get, ORIGIN, { retriesAllowed: true, pausedUntil: NOW + 5000 }, NOW, 60_000, true)).toEqual({
      kind: 'retry',
      delayMs: 6000,
      reason: 'HTTP 503, paused by Retry-After',
    });
  });

  it('keeps the cause of a network failure so the app can tell it from a 503', () => {
    const network = new NetworkError(get, 'not-sent');
    const result = limitRetry(retry, network, get, ORIGIN, { retriesAllowed: false, pausedUntil: 0 }, NOW, 60_000);
    expect((result as { error: Error }).error.cause).toBe(network);
  });
});
