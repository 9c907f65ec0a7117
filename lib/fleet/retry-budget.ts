import type { RetryBudgetConfig } from './fleet-config';

/**
 * The retry budget's arithmetic, gRFC A6 "retry throttling", as pure functions of the token
 * count (so each rule is a row of a table test). A6 counts every attempt, first or retry:
 *
 * ```
 * attempt failed (retryable: network, timeout, 408/429/5xx)   tokens − 1        (not below 0)
 * attempt answered otherwise (2xx, 4xx…)                       tokens + ratio    (not above max)
 * may a failed request be retried?                             tokens > max / 2
 * ```
 *
 * In a total outage a full bucket of 10 allows 5 failures, then no retry at all until answers
 * refill it: 1 / ratio answers per failure (1 with the default ratio 1).
 *
 * @example
 * let tokens = DEFAULT_RETRY_BUDGET.maxTokens;
 * tokens = tokensAfter(tokens, 'failure', DEFAULT_RETRY_BUDGET); // 9
 * retriesAllowed(tokens, DEFAULT_RETRY_BUDGET);                   // true
 */
export function tokensAfter(tokens: number, outcome: 'success' | 'failure', config: RetryBudgetConfig): number {
  // Rounded to 1/1000 so that ten times 0.1 is 1, not 0.9999999999999999.
  const next = outcome === 'failure' ? tokens - 1 : tokens + config.tokenRatio;
  return Math.round(Math.min(config.maxTokens, Math.max(0, next)) * 1000) / 1000;
}

/** True while the bucket holds more than half its size: a retry may go out. */
export function retriesAllowed(tokens: number, config: RetryBudgetConfig): boolean {
  return tokens > config.maxTokens / 2;
}
