import { CircuitOpenError, HttpError, NetworkError, RetryAfterTooLongError, TimeoutError } from '../core/errors';
import { isIdempotent, type ApiRequest } from '../core/request';
import { backoffDelay } from './backoff';
import { parseHttpDate } from '../core/http-date';
import { parseRetryAfter } from './retry-after';
import type { RetryConfig } from './retry-config';

/**
 * What to do after a failed attempt: wait `delayMs` and send again, or stop and hand `error`
 * (the failure itself, or a `RetryAfterTooLongError` wrapping it) to the subscriber.
 */
export type RetryDecision = { readonly kind: 'retry'; readonly delayMs: number; readonly reason: string } | { readonly kind: 'stop'; readonly error: unknown };

/**
 * Decides whether a failed attempt is sent again, and after how long. Pure: the clock (`now`)
 * and the random source are parameters, so every rule is a row in a table test.
 *
 * The rules, in the order they apply:
 * 1. Only failures that may go away are retried: `NetworkError`, `TimeoutError`, and an
 *    `HttpError` whose status is in `retryableStatuses`. Never another 4xx (401 belongs to the
 *    auth layer), a `ParseError`, `AuthError`, `OutcomeUnknownError`, or anything unknown.
 * 2. Only requests that may be repeated (RFC 9110 §9.2.2): not POST or PATCH, unless they
 *    carry an `idempotencyKey`, which lets the server recognise the repeat, or the failure proves
 *    the request never reached the server (a `NetworkError` with `outcome: 'not-sent'`: refused
 *    connection, DNS, offline), so repeating it cannot apply it twice.
 * 3. At most `maxAttempts` attempts in all; then the last error stops the request.
 * 4. A readable `Retry-After` wins over the backoff (under full jitter, a jittered backoff is
 *    added on top, so a fleet does not return in step); one above `maxRetryAfterMs` stops at once
 *    with `RetryAfterTooLongError` rather than keeping the caller waiting.
 * 5. A `CircuitOpenError` (the origin's breaker refused the attempt, nothing was sent) is retried
 *    like any failure, but not before the breaker's next probe is due; one due later than
 *    `maxRetryAfterMs` stops at once with the `CircuitOpenError` itself.
 *
 * @param failedAttempt the attempt that just failed, 1 for the first
 * @param now the scheduler clock, for a `Retry-After` HTTP-date
 * @example
 * const decision = decideRetry(req, error, 1, DEFAULT_RETRY_CONFIG, env.scheduler.now(), env.random);
 * if (decision.kind === 'retry') console.log(`again in ${decision.delayMs} ms (${decision.reason})`);
 */
export function decideRetry(req: ApiRequest, error: unknown, failedAttempt: number, config: RetryConfig, now: number, random: () => number): RetryDecision {
  const reason = retryableReason(error, config);
  if (reason === undefined || !mayRepeat(req, error) || failedAttempt >= config.maxAttempts) return { kind: 'stop', error };

  if (error instanceof CircuitOpenError) {
    const probeInMs = error.retryAfterMs ?? 0;
    if (probeInMs > config.maxRetryAfterMs) return { kind: 'stop', error };
    return { kind: 'retry', delayMs: Math.max(backoffDelay(failedAttempt, config, random), probeInMs), reason };
  }

  const retryAfterMs = error instanceof HttpError ? serverRetryAfter(error, now) : undefined;
  if (retryAfterMs === undefined) return { kind: 'retry', delayMs: backoffDelay(failedAttempt, config, random), reason };
  if (retryAfterMs > config.maxRetryAfterMs) {
    const { status } = error as HttpError; // only an HttpError carries Retry-After
    return { kind: 'stop', error: new RetryAfterTooLongError(req, retryAfterMs, status, error) };
  }
  // Under full jitter the server's wait is the earliest, and a jittered backoff comes on top: a
  // fleet told "come back in 20 s" must not come back in the same millisecond.
  const spread = config.jitter === 'full' ? backoffDelay(failedAttempt, config, random) : 0;
  return { kind: 'retry', delayMs: retryAfterMs + spread, reason: `${reason}, Retry-After` };
}

function mayRepeat(req: ApiRequest, error: unknown): boolean {
  // A breaker's refusal is never sent, whatever the method.
  return isIdempotent(req) || (error instanceof NetworkError && error.outcome === 'not-sent') || error instanceof CircuitOpenError;
}

/** Why the error is worth another attempt, or `undefined` when it is not. */
export function retryableReason(error: unknown, config: Pick<RetryConfig, 'retryableStatuses'>): string | undefined {
  if (error instanceof CircuitOpenError) return 'circuit open';
  if (error instanceof NetworkError) return 'network error';
  if (error instanceof TimeoutError) return 'timeout';
  if (error instanceof HttpError && config.retryableStatuses.has(error.status)) return `HTTP ${error.status}`;
  return undefined;
}

/**
 * The wait the server asked for. An HTTP-date is measured against the response's own `Date`
 * header when it has one: both come from the server's clock, so a phone whose clock is off by an
 * hour still waits the seconds the server meant. Without `Date`, against `now`.
 */
export function serverRetryAfter(error: HttpError, now: number): number | undefined {
  const value = error.headers['retry-after'];
  if (value === undefined) return undefined;
  const serverDate = error.headers['date'];
  const serverNow = serverDate === undefined ? undefined : parseHttpDate(serverDate.trim(), now);
  return parseRetryAfter(value, serverNow ?? now);
}
