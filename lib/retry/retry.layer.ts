import { Observable, take, throwError, timer, type Subscriber, type Subscription } from 'rxjs';
import type { ApiEnv } from '../core/env';
import { ApiError } from '../core/errors';
import { lazyLayer, type Handler, type Layer } from '../core/layer';
import type { ApiRequest } from '../core/request';
import type { ApiResponse } from '../core/response';
import { RETRY, resolveRetryConfig, type RetryConfig } from './retry-config';
import { decideRetry, type RetryDecision } from './retry-policy';
import { Relay, type RelayHandlers } from '../core/relay';

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
  // Lazy: its call only reads the request's own options; the retrying happens on subscribe.
  return lazyLayer((req, next) => {
    const override = req.context.get(RETRY);
    const effective = override === undefined ? layerConfig : override === false ? undefined : resolveRetryConfig(override, layerConfig);
    // Nothing to retry: hand back next(req) itself, so a disabled layer costs one map lookup.
    if (effective === undefined || effective.maxAttempts <= 1) return next(req);
    return withRetries(req, next, effective, env, gate, hooks.pause);
  });
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
  // Failures that paused instead of counting, per subscription (`attempts` makes one counter per
  // subscription); rxjs's error count includes them, the attempt number must not.
  return attempts(req, next, config, env, gate, () => {
    let paused = 0;
    return (error, errorCount) => {
      // Only an error worth retrying at all may pause: a POST without a key whose answer was lost
      // stays an error, however offline the device.
      const waitForResume = pause?.(error);
      if (waitForResume !== undefined && decideRetry(req, error, 1, config, env.scheduler.now(), env.random).kind === 'retry') {
        paused++;
        return { resume: waitForResume.pipe(take(1)) };
      }
      return { failedAttempt: errorCount - paused };
    };
  });
}

function attempts(
  req: ApiRequest,
  next: Handler,
  config: RetryConfig,
  env: ApiEnv,
  gate: RetryGate | undefined,
  newCounter: () => (error: unknown, errorCount: number) => { resume: Observable<unknown> } | { failedAttempt: number },
): Observable<ApiResponse> {
  const waitAfter = (counted: ReturnType<typeof newCounter>, error: unknown, errorCount: number): Observable<unknown> => {
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
    env.emit({ type: 'retry-scheduled', method: req.method, url: req.url, attempt: failedAttempt, delayMs: decision.delayMs, reason: decision.reason });
    return timer(decision.delayMs, env.scheduler);
  };
  return resubscribeOnError(
    () => next(req),
    () => {
      const counted = newCounter();
      return (error, errorCount) => waitAfter(counted, error, errorCount);
    },
  );
}

/**
 * `retry({ delay })` of rxjs, as one Observable: every attempt calls `attempt()` anew (the transport
 * below may start work when called, not when subscribed), and after its error `waitAfter` names
 * the wait (`newWaits` makes the namer once per subscription, at its first failure): its first value starts the next attempt, its error ends everything with that error,
 * completing without a value completes. Why not the operator: on the hot path (an attempt that
 * succeeds) the operator and the two `defer`s it needs cost three subscriptions per request; this
 * is one. Unsubscribing cancels the running attempt or the wait.
 */
function resubscribeOnError<T>(attempt: () => Observable<T>, newWaits: () => (error: unknown, errorCount: number) => Observable<unknown>): Observable<T> {
  return new Observable<T>((subscriber) => new Resubscription(subscriber, attempt, newWaits).run());
}

/**
 * One subscription of {@link resubscribeOnError}. Its state is in fields, and it observes every
 * attempt itself (one attempt runs at a time, and a failed attempt's Relay is closed), so a
 * request that succeeds at once allocates nothing beyond this object and the attempt's Relay.
 */
class Resubscription<T> implements RelayHandlers<T> {
  private errorCount = 0;
  private waitAfter: ((error: unknown, errorCount: number) => Observable<unknown>) | undefined;
  private current: Subscription | undefined;
  // An attempt may fail synchronously inside its own subscribe(), before its Subscription exists:
  // the failure is then handled right after, so `current` is never stale.
  private subscribing = false;
  private failedEarly = false;
  private earlyError: unknown;

  constructor(
    private readonly subscriber: Subscriber<T>,
    private readonly attempt: () => Observable<T>,
    private readonly newWaits: () => (error: unknown, errorCount: number) => Observable<unknown>,
  ) {}

  /** Starts an attempt; returns itself, the subscription's teardown. */
  run(): this {
    this.subscribing = true;
    try {
      this.current = this.attempt().subscribe(new Relay(this));
    } catch (error) {
      // As `defer` would: a throwing attempt is a failed attempt, and may be retried.
      // An error it sent before throwing (its teardown threw inside subscribe) is the same failure.
      this.subscribing = false;
      this.failedEarly = false;
      this.earlyError = undefined;
      this.wait(error);
      return this;
    }
    this.subscribing = false;
    if (this.failedEarly) {
      this.failedEarly = false;
      const error = this.earlyError;
      this.earlyError = undefined;
      this.wait(error);
    }
    return this;
  }

  unsubscribe(): void {
    this.current?.unsubscribe();
  }

  next(value: T): void {
    this.subscriber.next(value);
  }

  error(error: unknown): void {
    if (!this.subscribing) {
      this.wait(error);
      return;
    }
    this.failedEarly = true;
    this.earlyError = error;
  }

  complete(): void {
    this.subscriber.complete();
  }

  private wait(error: unknown): void {
    const { subscriber } = this;
    if (subscriber.closed) return;
    let wait$: Observable<unknown>;
    try {
      // Made at the first failure: a request that succeeds at once never builds it.
      wait$ = (this.waitAfter ??= this.newWaits())(error, ++this.errorCount);
    } catch (thrown) {
      subscriber.error(thrown);
      return;
    }
    let fired = false;
    let started = false;
    let waiting: Subscription | undefined;
    const fire = (): void => {
      waiting?.unsubscribe();
      if (!subscriber.closed) this.run();
    };
    waiting = wait$.subscribe(
      new Relay({
        next: () => {
          if (fired) return;
          fired = true;
          if (started) fire();
        },
        error: (thrown: unknown) => subscriber.error(thrown),
        complete: () => {
          if (!fired) subscriber.complete();
        },
      }),
    );
    this.current = waiting;
    started = true;
    if (fired) fire();
  }
}
