import type { RetryConfig } from './retry-config';

/**
 * How long to wait after a failed attempt: `baseDelayMs · 2^(n-1)`, capped by `maxDelayMs`.
 * With `jitter: 'full'` the wait is drawn uniformly below that (AWS "Exponential Backoff and
 * Jitter"), so clients that failed together do not come back together. Whole milliseconds, so
 * virtual-time marbles stay on integer frames. Pure: the random source is a parameter.
 *
 * ```
 * failed attempt   1      2      3      4      5 …
 * none           1 s    2 s    4 s    8 s   16 s … 30 s
 * full       [0,1) s [0,2) s [0,4) s …
 * ```
 *
 * @param failedAttempt the attempt that just failed, 1 for the first
 * @example
 * backoffDelay(3, DEFAULT_RETRY_CONFIG, Math.random);                       // 4000
 * backoffDelay(3, resolveRetryConfig({ jitter: 'full' }), () => 0.5);       // 2000
 */
export function backoffDelay(failedAttempt: number, config: Pick<RetryConfig, 'baseDelayMs' | 'maxDelayMs' | 'jitter'>, random: () => number): number {
  // 2 ** n overflows to Infinity for large n; Math.min still lands on the cap.
  const exponential = config.baseDelayMs * 2 ** Math.max(0, failedAttempt - 1);
  const capped = Math.min(config.maxDelayMs, exponential);
  return config.jitter === 'full' ? Math.floor(random() * capped) : capped;
}
