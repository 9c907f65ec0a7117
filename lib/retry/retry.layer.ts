import { defer, retry, take, throwError, timer, type Observable } from 'rxjs';
import type { ApiEnv } from '../core/env';
import { ApiError } from '../core/errors';
import type { Handler, Layer } from '../core/layer';
import type { ApiRequest } from '../core/request';
import type { ApiResponse } from '../core/response';
import { RETRY, resolveRetryConfig, type RetryConfig } from './retry-config';
import { decideRetry, type RetryDecision } from './retry-policy';

/**
 * Adjusts a retry decision with what the layer alone cannot know: the fleet's per-origin retry
 * budget and server pushback (see `fleetRetryGate`). Called after every failed attempt.
 */
export type RetryGate = (req: ApiRequest, error: unknown, decision: RetryDecision, config: Pick<RetryConfig, 'maxRetryAfterMs' | 'jitter'>) => RetryDecision;

/**
 * The retry stage: sends a failed request again after a backoff, as {@link decideRetry} rules
 * (network errors, timeouts, 408/429/5xx; idempotent requests only; `Retry-After` wins), then
 * gives up with the last error, its `attempts` set to the number of attempts made.
 *
 * It is the innermost layer, just above the transport: every attempt carries the same
 * `Authorization`, and a 401 is never retried here but goes up to auth, which refreshes once and
 * replays through this layer with a fresh attempt budget.
 *
 * All waits run on `env.scheduler`, so virtual time proves them exactly; unsubscribing during a
 * wait cancels it and no further attempt starts. Each wait is announced as a `retry-scheduled`
 * event. A request with an `idempotencyKey` carries the header `Idempotency-Key` (set once, when
 * the request is built), so every attempt sends the same value. Per request, the {@link RETRY} context token overrides the config
 * (`false` turns retrying off). With a `gate` (the client passes the fleet's), every retry also
 * needs the origin's retry budget and waits out its server pushback.
 *
 * ```
 * attempt 1  -#                     (503)
 * attempt 2     1000ms -#           (502)
 * attempt 3              2000ms -r|
 * result     ----------------------r|
 * ```
 *
 * @example
 * const send = chain([retryLayer({ maxAttempts: 3 }, env)], fetchTransport);
 * send(req).subscribe({ error: (e: ApiError) => console.log(`gave up after ${e.attempts} attempts`) });
 */
export function retryLayer(config: Partial<RetryConfig> | undefined, env: ApiEnv, gate?: RetryGate, hooks: RetryHooks = {}): Layer {
  const layerConfig = resolveRetryConfig(config);
  return (req, next) => {
    const override = req.context.get(RETRY);
    const effective = override === undefined ? layerConfig : override === false ? undefined : resolveRetryConfig(override, layerConfig);
    // Nothing to retry: hand back next(req) itself, so a disabled layer costs one map lookup.
    if (effective === undefined || effective.maxAttempts <= 1) return next(req);
    return withRetries(req, next, effective, env, gate, hooks.pause);
  };
}

/** Extension points of the retry layer, wired by the client. */
export interface RetryHooks {
  /**
   * Asked after each failure, before the retry decision: an Observable means "pause until it
   * emits, then send again", and that failure does not count against `maxAttempts` (the offline
   * outbox and connectivity use it: a failure because the device is offline burns no attempt).
   */
  readonly pause?: (error: unknown) => Observable<unknown> | undefined;
}

function withRetries(
  req: ApiRequest,
  next: Handler,
  config: RetryConfig,
  env: ApiEnv,
  gate: RetryGate | undefined,
  pause: RetryHooks['pause'],
): Observable<ApiResponse> {
  return defer(() => {
    // Failures that paused instead of counting (per subscription); rxjs counts them, we must not.
    let paused = 0;
    return attempts(req, next, config, env, gate, (error, errorCount) => {
      // Only an error worth retrying at all may pause: a POST without a key whose answer was lost
      // stays an error, however offline the device.
      const waitForResume = pause?.(error);
      if (waitForResume !== undefined && decideRetry(req, error, 1, config, env.scheduler.now(), env.random).kind === 'retry') {
        paused++;
        return { resume: waitForResume.pipe(take(1)) };
      }
      return { failedAttempt: errorCount - paused };
    });
  });
}

function attempts(
  req: ApiRequest,
  next: Handler,
  config: RetryConfig,
  env: ApiEnv,
  gate: RetryGate | undefined,
  counted: (error: unknown, errorCount: number) => { resume: Observable<unknown> } | { failedAttempt: number },
): Observable<ApiResponse> {
  // `defer` calls next anew per attempt: `chain` defers the stages, but the transport below us is
  // called directly, and one that starts work when called (not when subscribed) must be re-run.
  return defer(() => next(req)).pipe(
    retry({
      // The function form, never `delay: number`: the numeric form ignores env.scheduler.
      // rxjs passes the count of errors so far; minus the paused ones, the attempt that just failed.
      delay: (error: unknown, errorCount: number) => {
        const count = counted(error, errorCount);
        if ('resume' in count) return count.resume;
        const failedAttempt = count.failedAttempt;
        const own = decideRetry(req, error, failedAttempt, config, env.scheduler.now(), env.random);
        const decision = gate ? gate(req, error, own, config) : own;
        if (decision.kind === 'stop') {
          // Annotated, not wrapped: the subscriber sees what went wrong, and how often.
          if (decision.error instanceof ApiError) decision.error.attempts = failedAttempt;
          return throwError(() => decision.error);
        }
        env.emit({
          type: 'retry-scheduled',
          method: req.method,
          url: req.url,
          attempt: failedAttempt,
          delayMs: decision.delayMs,
          reason: decision.reason,
        });
        return timer(decision.delayMs, env.scheduler);
      },
    }),
  );
}
