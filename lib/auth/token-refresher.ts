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
  share,
  tap,
  throwError,
} from 'rxjs';
import { isJsonContentType } from '../core/content-type';
import type { ApiEnv } from '../core/env';
import {
  AuthError,
  HttpError,
  NetworkError,
  OutcomeUnknownError,
  ParseError,
  RetryAfterTooLongError,
  TimeoutError,
  type AuthErrorReason,
} from '../core/errors';
import type { ApiRequest } from '../core/request';
import { parseAuthTokens, type AuthTokens, type RefreshFn, type RefreshWindow } from './auth-config';
import type { AuthSessionController } from './auth-session';

export type RefreshTrigger = 'expired' | 'unauthorized';

export interface TokenRefresherConfig {
  readonly session: AuthSessionController;
  readonly refresh: RefreshFn | undefined;
  readonly refreshWindow: RefreshWindow;
  readonly env: ApiEnv;
}

export interface TokenRefresher {
  /**
   * Joins the one refresh in flight, or starts it. Emits the new tokens once and completes.
   * Errors with `AuthError` for `req`: `'refresh-failed'` (rejected, garbage: the session has
   * ended), `'excessive-refresh'` (the refresh window is full: tokens kept), `'missing-credential'`.
   * A transient failure of the refresh call (network, timeout, 5xx, 408, 429, a captive portal's
   * page) is passed on as it is and keeps the session: being offline at the wrong moment must not
   * log the user out. See {@link isTransientRefreshError}.
   */
  refresh(req: Pick<ApiRequest, 'method' | 'url'>, trigger: RefreshTrigger): Observable<AuthTokens>;
  /** A refresh is running: new requests wait for it rather than send a token about to be replaced. */
  isRefreshing(): boolean;
  /**
   * True while the refresh function is being called and its result subscribed: a request made
   * from there is the refresh call itself, and waiting for the refresh would wait for itself.
   */
  isInsideRefreshCall(): boolean;
}

/**
 * Single-flight token refresh, after Alamofire's `AuthenticationInterceptor`:
 *
 * - **One refresh for any number of callers.** The refresh is `share`d through a
 *   `ReplaySubject(1)` and reset once it completes or fails, so the next expiry starts a new one.
 * - **Unsubscribing one caller leaves the refresh to the others; the last one leaving does not
 *   cancel it either.** A refresh token may be rotated (single use) by the server the moment it
 *   receives the call: dropping the answer would leave the client with a spent refresh token.
 * - **A refresh window** (`maxRefreshes` per `intervalMs`, measured on `env.scheduler`) stops
 *   loops against a server that rejects every new token.
 * - **Rotation:** a returned `refreshToken` replaces the old one; without one, the old is kept.
 * - **A rejected refresh ends the session** (tokens cleared, `session-expired`) and every waiting
 *   caller errors; a temporary failure errors the callers and keeps the session; a refresh that
 *   finishes after a logout or account switch changes nothing.
 *
 * ```
 * caller a: ^--------t|
 * caller b:    ^-----t|      joins the refresh in flight
 * refresh:  ^--------t|      one subscription
 * caller c:             ^--  after completion: a new refresh (if the window allows)
 * ```
 *
 * @example
 * const refresher = createTokenRefresher({ session, refresh: (rt) => api.refresh(rt), refreshWindow, env });
 * refresher.refresh(req, 'unauthorized').pipe(switchMap(() => next(withBearer(req))));
 */
export function createTokenRefresher(config: TokenRefresherConfig): TokenRefresher {
  const { session, env } = config;
  const starts: number[] = [];
  let insideCall = 0;
  let trigger: RefreshTrigger = 'unauthorized';
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
    if (!admitRefresh(starts, startedAt, config.refreshWindow)) return throwError(() => new RefreshFailure('excessive-refresh'));
    const { tokens, generation } = session.state();
    const refreshToken = tokens?.refreshToken;
    if (config.refresh === undefined || refreshToken === undefined || generation !== current.generation) {
      return throwError(() => new RefreshFailure('missing-credential'));
    }

    starts.push(startedAt);
    current.active = true;
    env.emit({ type: 'token-refresh-start', trigger });
    return callRefresh(config.refresh, refreshToken).pipe(
      // The first value is the answer; an Observable that completes empty is a failed refresh.
      first(),
      map((result) => {
        const fresh = parseAuthTokens(result);
        if (fresh === undefined) throw new Error('the refresh returned no usable access token');
        return fresh.refreshToken === undefined ? { accessToken: fresh.accessToken, refreshToken } : fresh;
      }),
      tap((fresh) => {
        // Cleared before the waiters hear of it: a request they start synchronously must not
        // join a refresh that is over.
        current.active = false;
        if (session.applyRefreshed(fresh, generation)) {
          env.emit({ type: 'token-refreshed', durationMs: env.scheduler.now() - startedAt });
        }
      }),
      catchError((cause: unknown) => {
        current.active = false;
        return throwError(() => failure(cause, generation));
      }),
      finalize(() => {
        current.active = false;
      }),
    );
  }

  function failure(cause: unknown, generation: number): unknown {
    if (isTransientRefreshError(cause)) return cause;
    // Only the session that asked for the refresh ends; one started since (login) is left alone.
    if (session.state().generation === generation) session.end('refresh-failed');
    return new RefreshFailure('refresh-failed', cause);
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
      }).pipe(
        catchError((error: unknown) =>
          throwError(() => (error instanceof RefreshFailure ? new AuthError(req, error.reason, { cause: error.cause }) : error)),
        ),
      ),
    isRefreshing: () => flight !== undefined && flight.active && flight.generation === session.state().generation,
    isInsideRefreshCall: () => insideCall > 0,
  };
}

interface Flight {
  readonly generation: number;
  /** The refresh function has been called and has not answered yet. */
  active: boolean;
  shared$: Observable<AuthTokens>;
}

/** Why the shared refresh failed, before it is turned into an `AuthError` for each caller's request. */
class RefreshFailure {
  constructor(
    readonly reason: AuthErrorReason,
    readonly cause?: unknown,
  ) {}
}

/**
 * Sliding refresh window: forgets starts older than `intervalMs`, then admits a new one if fewer
 * than `maxRefreshes` remain. `starts` is oldest first.
 */
function admitRefresh(starts: number[], now: number, window: RefreshWindow): boolean {
  while (starts.length > 0 && now - starts[0]! >= window.intervalMs) starts.shift();
  return starts.length < window.maxRefreshes;
}

/**
 * Failures that say nothing about the refresh token: the call did not get a verdict.
 *
 * | error                                       | session | why                                          |
 * | ------------------------------------------- | ------- | -------------------------------------------- |
 * | NetworkError, TimeoutError                  | kept    | offline or slow: try again with the next request |
 * | OutcomeUnknownError                         | kept    | the answer was lost; the token may be rotated, the next try says |
 * | HttpError 5xx, 408, 429                     | kept    | the server could not answer now              |
 * | RetryAfterTooLongError on 5xx, 408, 429     | kept    | the same, with a `Retry-After` beyond the cap |
 * | ParseError of a body not declared JSON      | kept    | someone else answered: a captive portal's HTML, a proxy |
 * | HttpError 400, 401, 403, other 4xx          | ended   | the refresh token was rejected               |
 * | ParseError of a body declared JSON          | ended   | the auth server itself answered garbage      |
 * | garbage, empty, any other error             | ended   | no usable token: never send `Bearer undefined` |
 */
export function isTransientRefreshError(error: unknown): boolean {
  if (error instanceof NetworkError || error instanceof TimeoutError || error instanceof OutcomeUnknownError) return true;
  if (error instanceof HttpError || error instanceof RetryAfterTooLongError) return isTransientStatus(error.status);
  return error instanceof ParseError && !isJsonContentType(error.contentType);
}

function isTransientStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
