import { CircuitOpenError, RetryBudgetExhaustedError } from '../core/errors';
import type { ApiRequest } from '../core/request';
import type { RetryDecision } from '../retry/retry-policy';

/** What the retry gate needs to know of the origin, at the moment of the decision. */
export interface OriginLimits {
  readonly retriesAllowed: boolean;
  /** Scheduler ms until which retries to the origin wait (server pushback); 0 when not paused. */
  readonly pausedUntil: number;
}

/**
 * Applies the origin's fleet limits to the retry layer's own decision. Pure.
 *
 * | decision | failure                 | origin                    | becomes |
 * | -------- | ----------------------- | ------------------------- | ------- |
 * | stop     | any                     | any                       | stop, unchanged |
 * | retry    | `CircuitOpenError`      | any budget                | retry: nothing was sent, so it costs no token |
 * | retry    | sent and failed         | budget spent              | stop with `RetryBudgetExhaustedError` (cause: the failure) |
 * | retry    | any                     | paused until later        | retry when the pause ends (+ its own backoff with `spread`, i.e. under jitter), if within `maxRetryAfterMs`, else stop |
 * | retry    | any                     | neither                   | retry, unchanged |
 *
 * @example
 * limitRetry({ kind: 'retry', delayMs: 1000, reason: 'HTTP 503' }, error, req, origin, { retriesAllowed: true, pausedUntil: now + 5000 }, now, 60_000);
 * // { kind: 'retry', delayMs: 5000, reason: 'HTTP 503, paused by Retry-After' }
 */
export function limitRetry(
  decision: RetryDecision,
  error: unknown,
  req: ApiRequest,
  origin: string,
  limits: OriginLimits,
  now: number,
  maxRetryAfterMs: number,
  spread = false,
): RetryDecision {
  if (decision.kind === 'stop') return decision;
  if (!(error instanceof CircuitOpenError) && !limits.retriesAllowed) return { kind: 'stop', error: new RetryBudgetExhaustedError(req, origin, error) };
  const pauseMs = limits.pausedUntil - now;
  if (pauseMs <= decision.delayMs) return decision;
  if (pauseMs > maxRetryAfterMs) return { kind: 'stop', error };
  // With jitter, the pause is the earliest: the request's own (jittered) backoff comes on top, so
  // the requests a pause held back do not all resend in the same millisecond when it ends.
  return { kind: 'retry', delayMs: spread ? pauseMs + decision.delayMs : pauseMs, reason: `${decision.reason}, paused by Retry-After` };
}
