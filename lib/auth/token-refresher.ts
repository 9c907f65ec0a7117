import {
  catchError,
  defer,
  EMPTY,
  finalize,
  first,
  from,
  isObservable,
  map,
  Observable,
  of,
  ReplaySubject,
  retry,
  share,
  tap,
  throwError,
  timeout,
  timer,
} from 'rxjs';
import type { ApiEnv } from '../core/env';
import { AuthError, TimeoutError, type AuthErrorReason } from '../core/errors';
import type { ApiRequest } from '../core/request';
import {
  DEFAULT_REFRESH_RETRY,
  DEFAULT_REFRESH_TIMEOUT_MS,
  parseAuthTokens,
  type AuthTokens,
  type RefreshFn,
  type RefreshRetry,
  type RefreshWindow,
} from './auth-config';
import type { AuthSessionController } from './auth-session';
import { RefreshTimedOut, refreshVerdict, scrubRefreshError } from './refresh-failure';
import type { TabSync } from './tab-sync';

export type RefreshTrigger = 'expired' | 'unauthorized';

export interface TokenRefresherConfig {
  readonly session: AuthSessionController;
  readonly refresh: RefreshFn | undefined;
  readonly refreshWindow: RefreshWindow;
  /** Default {@link DEFAULT_REFRESH_RETRY}. */
  readonly refreshRetry?: RefreshRetry;
  /** Default {@link DEFAULT_REFRESH_TIMEOUT_MS}. */
  readonly refreshTimeoutMs?: number;
  readonly env: ApiEnv;
  /** Several tabs: one of them calls the refresh endpoint, the others take its answer. */
  readonly tabs?: TabSync;
}

/** A failed refresh as the requests of its storm see it (see {@link TokenRefresher.failureFor}). */
export interface RefreshFailureRecord {
  readonly reason: AuthErrorReason;
  readonly cause?: unknown;
}

export interface TokenRefresher {
  /**
   * Joins the one refresh in flight, or starts it. Emits the new tokens once and completes.
   * Errors with an `AuthError` for `req` (the caller's own request, never the refresh call):
   * - `'refresh-failed'`: rejected, or no usable token: the session has ended;
   * - `'refresh-unavailable'`: no verdict after every retry (5xx, network, timeout, a captive
   *   portal): the session is kept, `cause` says what the refresh call got;
   * - `'excessive-refresh'`: the refresh window is full (tokens kept); `'missing-credential'`.
   */
  refresh(req: Pick<ApiRequest, 'method' | 'url'>, trigger: RefreshTrigger): Observable<AuthTokens>;
  /** A refresh is running: new requests wait for it rather than send a token about to be replaced. */
  isRefreshing(): boolean;
  /**
   * True while the refresh function is being called and its result subscribed: a request made
   * from there is the refresh call itself, and waiting for the refresh would wait for itself.
   */
  isInsideRefreshCall(): boolean;
  /** How many refreshes have settled so far: a request notes it when it is sent. */
  settledCount(): number;
  /**
   * The failure of a refresh of `token` that settled after a request sent with it at
   * `sentAtCount` (a {@link settledCount}): that request is part of the same storm, and its 401
   * gets the storm's answer instead of starting another refresh.
   */
  failureFor(token: string | undefined, sentAtCount: number): RefreshFailureRecord | undefined;
}

/**
 * Single-flight token refresh, after Alamofire's `AuthenticationInterceptor`:
 *
 * - **One refresh per storm, whatever the refresh endpoint answers.** The refresh is `share`d
 *   through a `ReplaySubject(1)`; when it fails, a 401 that comes back afterwards for a request
 *   sent with the same token before the failure gets that failure, and starts nothing.
 * - **The refresh call is retried**, when it got no verdict, `refreshRetry.maxAttempts` times with
 *   exponential backoff on `env.scheduler`; every waiter waits for those retries together.
 * - **Each call is bounded** by `refreshTimeoutMs`: one that never settles counts as unanswered.
 * - **Unsubscribing one caller leaves the refresh to the others; the last one leaving does not
 *   cancel it either.** A refresh token may be rotated (single use) by the server the moment it
 *   receives the call: dropping the answer would leave the client with a spent refresh token.
 * - **A refresh window** (`maxRefreshes` per `intervalMs`) stops loops against a server that
 *   rejects every new token. It counts only refreshes a challenge (401) asked for: the proactive
 *   refresh of a short-lived token before it expires is no loop.
 * - **Rotation:** a returned `refreshToken` replaces the old one; without one, the old is kept.
 * - **What a failure means** is {@link refreshVerdict}'s table: rejected ends the session,
 *   unavailable keeps it. A refresh that finishes after a logout or account switch changes nothing.
 * - **No secret in errors:** the cause handed to callers went through {@link scrubRefreshError}.
 *
 * ```
 * caller a: ^--------t|
 * caller b:    ^-----t|      joins the refresh in flight
 * refresh:  ^--#-1s-t|       one flight; its retry after a 503 is shared
 * caller c:              ^-- after completion: a new refresh (if the window allows)
 * ```
 *
 * @example
 * const refresher = createTokenRefresher({ session, refresh: (rt) => api.refresh(rt), refreshWindow, refreshRetry, refreshTimeoutMs, env });
 * refresher.refresh(req, 'unauthorized').pipe(switchMap(() => next(withBearer(req))));
 */
export function createTokenRefresher(config: TokenRefresherConfig): TokenRefresher {
  const { session, env } = config;
  const starts: number[] = [];
  let insideCall = 0;
  let trigger: RefreshTrigger = 'unauthorized';
  let settled = 0;
  let lastFailure: { generation: number; token: string | undefined; settledAt: number; record: RefreshFailureRecord } | undefined;
  // One flight per session generation: after a logout or an account switch, the new session
  // never joins (nor fails with) a refresh the previous one started.
  let flight: Flight | undefined;

  function flightFor(generation: number): Flight {
    if (flight?.generation !== generation) {
      const created: Flight = { generation, active: false, shared$: EMPTY };
      created.shared$ = defer(() => run(created)).pipe(
        share({
          connector: () => new ReplaySubject<AuthTokens>(1),
          resetOnComplete: true,
          resetOnError: true,
          resetOnRefCountZero: false,
        }),
      );
      flight = created;
    }
    return flight;
  }

  function run(current: Flight): Observable<AuthTokens> {
    const startedAt = env.scheduler.now();
    // Only a challenge can loop (401 → refresh → 401 …); a proactive refresh happens once per token life.
    if (trigger === 'unauthorized' && !admitRefresh(starts, startedAt, config.refreshWindow)) {
      return throwError(() => new RefreshFailure('excessive-refresh'));
    }
    const { tokens, generation } = session.state();
    const refreshToken = tokens?.refreshToken;
    const refresh = config.refresh;
    if (refresh === undefined || refreshToken === undefined || generation !== current.generation) {
      return throwError(() => new RefreshFailure('missing-credential'));
    }

    if (trigger === 'unauthorized') starts.push(startedAt);
    current.active = true;
    env.emit({ type: 'token-refresh-start', trigger });
    const secrets = [refreshToken, tokens?.accessToken ?? ''];
    const { maxAttempts, baseDelayMs } = config.refreshRetry ?? DEFAULT_REFRESH_RETRY;
    const calls = defer(() => callOnce(refresh, refreshToken)).pipe(
      retry({
        count: maxAttempts - 1,
        delay: (error: unknown, retryCount: number) => {
          // A verdict is final; a generation that moved on (logout) has nothing left to refresh.
          if (refreshVerdict(error) === 'rejected' || session.state().generation !== generation) return throwError(() => error);
          const delayMs = Math.min(baseDelayMs * 2 ** (retryCount - 1), 2 ** 31 - 1);
          env.emit({ type: 'token-refresh-retry', attempt: retryCount, delayMs });
          return timer(delayMs, env.scheduler);
        },
      }),
    );
    // With tabs, the whole refresh (its retries included) runs in at most one tab per refresh token.
    return (config.tabs ? config.tabs.coordinate(refreshToken, calls) : calls).pipe(
      tap((fresh) => {
        // Cleared before the waiters hear of it: a request they start synchronously must not
        // join a refresh that is over.
        current.active = false;
        settled++;
        if (session.applyRefreshed(fresh, generation)) {
          env.emit({ type: 'token-refreshed', durationMs: env.scheduler.now() - startedAt });
        }
      }),
      catchError((cause: unknown) => {
        current.active = false;
        settled++;
        return throwError(() => failure(cause, generation, tokens?.accessToken, secrets));
      }),
      finalize(() => {
        current.active = false;
      }),
    );
  }

  /** One call of the refresh function: its first value, validated, within `refreshTimeoutMs`. */
  function callOnce(refresh: RefreshFn, refreshToken: string): Observable<AuthTokens> {
    const timeoutMs = Math.min(config.refreshTimeoutMs ?? DEFAULT_REFRESH_TIMEOUT_MS, 2 ** 31 - 1);
    return callRefresh(refresh, refreshToken).pipe(
      // The first value is the answer; an Observable that completes empty is a failed refresh.
      first(),
      timeout({ first: timeoutMs, scheduler: env.scheduler, with: () => throwError(() => new RefreshTimedOut(timeoutMs)) }),
      map((result) => {
        const fresh = parseAuthTokens(result);
        if (fresh === undefined) throw new Error('the refresh returned no usable access token');
        return fresh.refreshToken === undefined ? { accessToken: fresh.accessToken, refreshToken } : fresh;
      }),
    );
  }

  function failure(cause: unknown, generation: number, token: string | undefined, secrets: readonly string[]): RefreshFailure {
    const verdict = refreshVerdict(cause);
    const clean = cause instanceof RefreshTimedOut ? cause : scrubRefreshError(cause, secrets);
    const reason: AuthErrorReason = verdict === 'unavailable' ? 'refresh-unavailable' : 'refresh-failed';
    env.emit({ type: 'token-refresh-failed', reason, sessionKept: verdict === 'unavailable' });
    // Only the session that asked for the refresh ends; one started since (login) is left alone.
    if (verdict === 'rejected' && session.state().generation === generation) session.end('refresh-failed');
    const result = new RefreshFailure(reason, clean);
    lastFailure = { generation, token, settledAt: settled, record: result };
    return result;
  }

  function callRefresh(refresh: RefreshFn, refreshToken: string): Observable<unknown> {
    return new Observable<unknown>((subscriber) => {
      // The window covers the call and the subscription, and closes as soon as an answer
      // arrives, so requests the waiters start from a synchronous answer are treated normally.
      let inside = true;
      insideCall++;
      const leave = (): void => {
        if (inside) {
          inside = false;
          insideCall--;
        }
      };
      try {
        const result = refresh(refreshToken);
        // Lenient about a plain value returned by mistake: it is validated like any answer.
        return (isObservable(result) || isPromiseLike(result) ? from(result) : of(result)).subscribe({
          next: (value) => {
            leave();
            subscriber.next(value);
          },
          error: (error: unknown) => {
            leave();
            subscriber.error(error);
          },
          complete: () => {
            leave();
            subscriber.complete();
          },
        });
      } catch (error) {
        leave();
        subscriber.error(error);
        return undefined;
      } finally {
        leave();
      }
    });
  }

  return {
    refresh: (req, requestedBy) =>
      defer(() => {
        const current = flightFor(session.state().generation);
        if (!current.active) trigger = requestedBy;
        return current.shared$;
      }).pipe(catchError((error: unknown) => throwError(() => (error instanceof RefreshFailure ? error.toAuthError(req) : error)))),
    isRefreshing: () => flight !== undefined && flight.active && flight.generation === session.state().generation,
    isInsideRefreshCall: () => insideCall > 0,
    settledCount: () => settled,
    failureFor: (token, sentAtCount) => {
      if (lastFailure === undefined || lastFailure.token !== token || lastFailure.settledAt <= sentAtCount) return undefined;
      return lastFailure.generation === session.state().generation ? lastFailure.record : undefined;
    },
  };
}

interface Flight {
  readonly generation: number;
  /** The refresh function has been called and has not answered yet. */
  active: boolean;
  shared$: Observable<AuthTokens>;
}

/** Why the shared refresh failed, before it is turned into an `AuthError` for each caller's request. */
class RefreshFailure implements RefreshFailureRecord {
  constructor(
    readonly reason: AuthErrorReason,
    readonly cause?: unknown,
  ) {}

  toAuthError(req: Pick<ApiRequest, 'method' | 'url'>): AuthError {
    return refreshAuthError(req, this);
  }
}

/** The `AuthError` a request gets for a failed refresh: its own request, the scrubbed cause. */
export function refreshAuthError(req: Pick<ApiRequest, 'method' | 'url'>, record: RefreshFailureRecord): AuthError {
  const cause = record.cause instanceof RefreshTimedOut ? new TimeoutError(req, record.cause.timeoutMs) : record.cause;
  return new AuthError(req, record.reason, cause === undefined ? undefined : { cause });
}

/**
 * Sliding refresh window: forgets starts older than `intervalMs`, then admits a new one if fewer
 * than `maxRefreshes` remain. `starts` is oldest first.
 */
function admitRefresh(starts: number[], now: number, window: RefreshWindow): boolean {
  while (starts.length > 0 && now - starts[0] >= window.intervalMs) starts.shift();
  return starts.length < window.maxRefreshes;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
