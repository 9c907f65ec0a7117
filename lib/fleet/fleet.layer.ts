import { defer, filter, Observable, switchMap, take, throwError, timeout, type Subscriber, type Subscription, type TeardownLogic } from 'rxjs';
import type { ApiEnv } from '../core/env';
import { CircuitOpenError, HttpError } from '../core/errors';
import { lazyLayer, type Layer } from '../core/layer';
import type { ApiRequest } from '../core/request';
import type { ApiResponse } from '../core/response';
import { originOf } from '../core/url';
import { DEFAULT_RETRYABLE_STATUSES } from '../retry/retry-config';
import { retryableReason, serverRetryAfter } from '../retry/retry-policy';
import type { RetryGate } from '../retry/retry.layer';
import type { FleetGuard } from './fleet-guard';
import { limitRetry } from './fleet-retry';
import { Relay, type RelayHandlers } from '../core/relay';

/**
 * The fleet stage, one per attempt, right below retry: asks the origin's breaker whether the
 * attempt may go out, then reports how it ended. Refused by an open breaker, the attempt fails
 * fast with `CircuitOpenError` saying when the probe is due (nothing sent; the retry layer waits
 * until then). Refused while half-open (another request is the probe), it waits for the probe's
 * verdict, at most its own timeout (`timeoutMs` of the request, else the client's), and asks
 * again: the probe's success sends it at once, its failure fails it fast with the next probe's
 * time, a cancelled probe makes one waiter the new probe; no verdict in time fails it with
 * `CircuitOpenError` (`half-open`). A request arriving as the origin recovers so costs no
 * attempt and is not turned away while the probe proves the recovery.
 *
 * How an attempt ended: a retryable failure (network, timeout, a status in `retryableStatuses`) counts against
 * breaker and budget; any other answer, a 404 included, proves the origin is up. A 503 or 429
 * with `Retry-After` pauses every retry to the origin. A probe cancelled before its answer frees
 * the probe slot at once, so an unsubscribe never leaves the breaker stuck half-open.
 *
 * While a configured store loads (bounded by `storeTimeoutMs`), attempts wait for it: a
 * restarted app learns that its origin was down before it sends anything.
 *
 * @example
 * const guard = createFleetGuard(resolveFleetConfig({}), env);
 * const send = chain([retryLayer({}, env, fleetRetryGate(guard, env)), fleetLayer(guard, env)], transport);
 */
export function fleetLayer(guard: FleetGuard, env: ApiEnv, retryableStatuses: ReadonlySet<number> = DEFAULT_RETRYABLE_STATUSES, timeoutMs = 10_000): Layer {
  const statuses = { retryableStatuses };
  type Next = (req: ApiRequest) => Observable<ApiResponse>;
  /** `deadline`: when a request waiting for a half-open verdict stops waiting (set by its first wait). */
  // Admission happens on subscribe (a replay asks the breaker again), inside the one Observable
  // of the attempt: no `defer` around the stage (see `lazyLayer`).
  const attempt = (req: ApiRequest, origin: string, next: Next, deadline?: number): Observable<ApiResponse> =>
    new Observable<ApiResponse>((subscriber) => {
      if (!guard.ready) return guard.ready$.pipe(switchMap(() => attempt(req, origin, next, deadline))).subscribe(subscriber);
      const admission = guard.admit(origin);
      if (admission.verdict === 'reject') {
        if (admission.state === 'half-open')
          return awaitVerdict(req, origin, next, deadline ?? env.scheduler.now() + (req.timeoutMs ?? timeoutMs)).subscribe(subscriber);
        const { nextProbeAt } = admission;
        const retryAfterMs = nextProbeAt === undefined ? undefined : Math.max(0, nextProbeAt - env.scheduler.now());
        subscriber.error(new CircuitOpenError(req, origin, admission.state, nextProbeAt, retryAfterMs));
        return undefined;
      }
      return send(subscriber, req, origin, next, admission.verdict === 'probe');
    });
  // The probe's verdict is any change of the origin that leaves half-open (closed, open again,
  // probe cancelled, reset); then the breaker is asked again, so only one waiter can become a new probe.
  const awaitVerdict = (req: ApiRequest, origin: string, next: Next, deadline: number): Observable<ApiResponse> =>
    defer(() => {
      const noVerdict = () => new CircuitOpenError(req, origin, 'half-open', undefined, undefined);
      const waitMs = deadline - env.scheduler.now();
      if (waitMs <= 0) return throwError(noVerdict);
      return guard.changes$.pipe(
        filter((s) => s.origin === origin && s.circuit !== 'half-open'),
        take(1),
        // `first`: only the wait is bounded here; the attempt it lets out has its own timeout.
        timeout({ first: waitMs, scheduler: env.scheduler, with: () => throwError(noVerdict) }),
        switchMap(() => attempt(req, origin, next, deadline)),
      );
    });
  /** Sends one admitted attempt to `subscriber` and records how it ended; returns its teardown. */
  const send = (subscriber: Subscriber<ApiResponse>, req: ApiRequest, origin: string, next: Next, probe: boolean): TeardownLogic => {
    const outcome = new AttemptOutcome(subscriber, guard, env, statuses, origin, probe);
    outcome.subscription = next(req).subscribe(new Relay(outcome));
    return outcome;
  };
  return lazyLayer((req, next) => {
    const origin = fastOrigin(req.url);
    return origin === undefined ? next(req) : attempt(req, origin, next);
  });
}

/**
 * The retry layer's gate: the origin's budget and pushback applied to each retry decision
 * (see {@link limitRetry}).
 */
export function fleetRetryGate(guard: FleetGuard, env: ApiEnv): RetryGate {
  return (req, error, decision, config) => {
    if (decision.kind === 'stop') return decision;
    const origin = fastOrigin(req.url);
    if (origin === undefined) return decision;
    const state = guard.state(origin);
    return limitRetry(decision, error, req, origin, state, env.scheduler.now(), config.maxRetryAfterMs, config.jitter === 'full');
  };
}

// `new URL()` per attempt costs about a microsecond; the scheme-and-authority prefix of a URL
// maps to one origin, so it is parsed once per prefix.
const origins = new Map<string, string | undefined>();
let lastUrl: string | undefined;
let lastOrigin: string | undefined;

/** The origin of an absolute URL, memoized by its `scheme://authority` prefix. */
export function fastOrigin(url: string): string | undefined {
  // Most attempts go to the URL before them (often the very same, memoized string).
  if (url === lastUrl) return lastOrigin;
  const origin = originByPrefix(url);
  lastUrl = url;
  lastOrigin = origin;
  return origin;
}

function originByPrefix(url: string): string | undefined {
  const scheme = url.indexOf('://');
  if (scheme < 0) return originOf(url);
  let end = scheme + 3;
  while (end < url.length) {
    const c = url.charCodeAt(end);
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) break;
    end++;
  }
  const prefix = url.slice(0, end);
  let origin = origins.get(prefix);
  if (origin === undefined && !origins.has(prefix)) {
    origin = originOf(prefix);
    if (origins.size > 1000) origins.clear(); // bounded: an app talks to a handful of origins
    origins.set(prefix, origin);
  }
  return origin;
}

/**
 * Records how one admitted attempt ended, once: an answer (or a failure not worth retrying) is a
 * success, a retryable failure a failure, an unsubscribe before either "abandoned". It observes
 * the attempt and is its teardown: one object per attempt, no closures.
 */
class AttemptOutcome implements RelayHandlers<ApiResponse> {
  subscription: Subscription | undefined;
  private settled = false;

  constructor(
    private readonly subscriber: Subscriber<ApiResponse>,
    private readonly guard: FleetGuard,
    private readonly env: ApiEnv,
    private readonly statuses: { readonly retryableStatuses: ReadonlySet<number> },
    private readonly origin: string,
    private readonly probe: boolean,
  ) {}

  next(res: ApiResponse): void {
    this.settle('success');
    this.subscriber.next(res);
  }

  error(error: unknown): void {
    if (error instanceof HttpError && (error.status === 503 || error.status === 429)) {
      const wait = serverRetryAfter(error, this.env.scheduler.now());
      if (wait !== undefined && wait > 0) this.guard.pushback(this.origin, wait, error.status);
    }
    this.settle(retryableReason(error, this.statuses) === undefined ? 'success' : 'failure');
    this.subscriber.error(error);
  }

  complete(): void {
    this.settle('success');
    this.subscriber.complete();
  }

  unsubscribe(): void {
    this.subscription?.unsubscribe();
    this.settle('abandoned');
  }

  private settle(outcome: 'success' | 'failure' | 'abandoned'): void {
    if (this.settled) return;
    this.settled = true;
    this.guard.record(this.origin, outcome, this.probe);
  }
}
