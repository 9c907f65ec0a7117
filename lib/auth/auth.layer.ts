import { catchError, filter, type Observable, switchMap, takeUntil, throwError, throwIfEmpty } from 'rxjs';
import { SKIP_AUTH } from '../core/context-tokens';
import type { ApiEnv } from '../core/env';
import { AuthError } from '../core/errors';
import type { Handler, Layer } from '../core/layer';
import { withHeader, type ApiRequest } from '../core/request';
import type { ApiResponse } from '../core/response';
import { originOf } from '../core/url';
import { resolveAuthConfig, type AuthConfig, type ResolvedAuthConfig } from './auth-config';
import { createAuthSession, type AuthSession, type AuthSessionController, type SessionState } from './auth-session';
import { createTokenRefresher, type TokenRefresher } from './token-refresher';

export interface AuthSetup {
  /** The pipeline stage; goes between cache and retry. */
  readonly layer: Layer;
  /** The session, exposed as `client.auth`. */
  readonly session: AuthSession;
  /**
   * Who is asking, for the dedupe layer: the partition plus the session generation, which a
   * login, a logout and an account switch bump and a refresh does not. Requests may share one
   * response only when their keys are equal, so user B never joins user A's request in flight,
   * nor does a user join their own request from before a re-login. Compare it; never parse it.
   */
  sessionKey(): string;
  /**
   * `undefined` once the token store has been read (the hot path: one boolean check); before
   * that, an Observable that emits once, then completes, when it has been. `userPartition()` says
   * `'anonymous'` until then, so the cache waits on this before reading it.
   */
  whenReady(): Observable<void> | undefined;
}

/**
 * The auth stage: adds `authorization: Bearer <token>` to requests for the API's own origins,
 * refreshes before a JWT expires, and answers auth challenges (401, GraphQL `UNAUTHENTICATED`)
 * with one shared refresh.
 *
 * | request                                          | what happens                                             |
 * | ------------------------------------------------ | -------------------------------------------------------- |
 * | other origin, `SKIP_AUTH`, own `authorization`   | passes untouched; its 401 is the caller's                |
 * | a refresh is running                             | waits for it, then goes with the new token               |
 * | JWT `exp` within `refreshSkewMs`, can refresh    | joins the refresh first: no expired token is sent        |
 * | no token                                         | goes without one (public endpoints work logged out)      |
 * | challenge, sent in an earlier session            | `AuthError('session-changed')`: never re-sent with the next user's token |
 * | waiting for a refresh, and another user logs in  | `AuthError('session-changed')` at once (after a logout: once the refresh answers) |
 * | challenge, sent with an older token than now     | replayed with the current one, no refresh (`token-replayed`) |
 * | challenge, sent with the current token           | joins the one shared refresh, re-sent once               |
 * | challenge, and no refresh token or function      | `AuthError('missing-credential')`, session ended         |
 * | challenge, no token at all                       | `AuthError('missing-credential')`                        |
 * | challenge after the one re-send or a refresh     | `AuthError('unauthorized')`; the session is kept         |
 *
 * Why a second challenge keeps the session: the token was fresh and the refresh worked, so the
 * endpoint itself refuses it (a misconfigured service, a downstream 401). Logging the user out of
 * everything for one endpoint would be worse; requests elsewhere keep working.
 *
 * A request belongs to the session (generation) it entered in: after a logout or an account
 * switch, its 401 says nothing the new session could fix, and a re-send with the new token would
 * hand the old session's subscriber the new user's data.
 *
 * Retry sits below this layer, so a 401 arrives here at once, and the re-send goes through
 * retry again with a fresh attempt budget.
 *
 * ```
 * a (token t1):  ^--401 ········ re-send(t2) --r|
 * b (token t1):  ^----401 ····· re-send(t2) --r|
 * refresh:          ^------t2|                  one refresh for both
 * ```
 *
 * @example
 * const auth = createAuth({ tokens, refresh }, env, 'https://api.example.com');
 * const cache = createCacheLayer(cfg, env, { partition: auth.session.userPartition, partitionChanges$: auth.session.partition$, whenReady: auth.whenReady });
 * const handler = chain([dedupeLayer(env, { sessionKey: auth.sessionKey }), cache.layer, auth.layer, retryLayer(cfg, env)], transport);
 */
export function createAuth(config: AuthConfig, env: ApiEnv, defaultOrigin: string): AuthSetup {
  const resolved = resolveAuthConfig(config, defaultOrigin);
  const session = createAuthSession({ store: resolved.tokens, refreshSkewMs: resolved.refreshSkewMs, userPartition: resolved.userPartition, env });
  const refresher = createTokenRefresher({ session, refresh: resolved.refresh, refreshWindow: resolved.refreshWindow, env });
  const isOwnOrigin = originMatcher(resolved.origins);
  const authorize = authorizer(session, refresher, resolved, env);

  const layer: Layer = (req, next) => {
    if (
      req.context.get(SKIP_AUTH) ||
      // An explicit Authorization (another scheme, a signed URL's key) is the caller's choice.
      req.headers['authorization'] !== undefined ||
      // The refresh call itself, made through the client: it must not wait for itself.
      refresher.isInsideRefreshCall() ||
      !isOwnOrigin(req.url)
    ) {
      return next(req);
    }
    if (session.state().hydrated) return authorize(req, next);
    return session.hydrated$.pipe(switchMap(() => authorize(req, next)));
  };

  return { layer, session: session.session, sessionKey: () => session.state().key, whenReady: session.whenReady };
}

/** What one request has used up: at most one re-send after a challenge, at most one refresh. */
interface Attempt {
  /** The session the request belongs to. */
  readonly generation: number;
  refreshed: boolean;
  resent: boolean;
}

function authorizer(
  session: AuthSessionController,
  refresher: TokenRefresher,
  config: ResolvedAuthConfig,
  env: ApiEnv,
): (req: ApiRequest, next: Handler) => Observable<ApiResponse> {
  const canRefresh = (state: SessionState): boolean => config.refresh !== undefined && state.tokens?.refreshToken !== undefined;

  const refreshDue = (state: SessionState): boolean =>
    state.refreshDueAt !== undefined && env.scheduler.now() >= state.refreshDueAt && canRefresh(state);

  /** The request's session has ended (logout, account switch): it is not the next session's to send. */
  const sessionChanged = (req: ApiRequest, cause?: unknown): Observable<never> =>
    throwError(() => new AuthError(req, 'session-changed', cause === undefined ? undefined : { cause }));

  /** Sends with the token current at subscribe time, and handles the challenge that may come back. */
  const send = (req: ApiRequest, next: Handler, attempt: Attempt): Observable<ApiResponse> => {
    const state = session.state();
    if (state.generation !== attempt.generation) return sessionChanged(req);
    const token = state.tokens?.accessToken;
    const sent = token === undefined ? req : withHeader(req, 'authorization', `Bearer ${token}`);
    return next(sent).pipe(catchError((error: unknown) => onChallenge(error, token, req, next, attempt)));
  };

  const sendAfterRefresh = (req: ApiRequest, next: Handler, attempt: Attempt, trigger: 'expired' | 'unauthorized'): Observable<ApiResponse> => {
    attempt.refreshed = true;
    return refresher.refresh(req, trigger).pipe(
      // Another user logged in meanwhile: fail now rather than wait for the old session's refresh.
      // (A logout or a failed refresh leaves the refresh to answer: `send` then refuses, or the
      // refresh's own error says why.)
      takeUntil(session.states$.pipe(filter((s) => s.generation !== attempt.generation && s.tokens !== null))),
      throwIfEmpty(() => new AuthError(req, 'session-changed')),
      switchMap(() => send(req, next, attempt)),
    );
  };

  const onChallenge = (
    error: unknown,
    sentToken: string | undefined,
    req: ApiRequest,
    next: Handler,
    attempt: Attempt,
  ): Observable<ApiResponse> => {
    if (!config.isAuthChallenge(error)) return throwError(() => error);
    if (session.state().generation !== attempt.generation) return sessionChanged(req, error);
    if (attempt.resent) return throwError(() => new AuthError(req, 'unauthorized', { cause: error }));
    const state = session.state();
    const current = state.tokens?.accessToken;
    attempt.resent = true;
    if (current !== undefined && current !== sentToken) {
      // Sent with a token that has been replaced since (by a refresh or a login): the answer
      // says nothing about the current one, so try that before refreshing anything.
      env.emit({ type: 'token-replayed', method: req.method, url: req.url });
      return send(req, next, attempt);
    }
    if (attempt.refreshed) return throwError(() => new AuthError(req, 'unauthorized', { cause: error }));
    if (current === undefined) return throwError(() => new AuthError(req, 'missing-credential', { cause: error }));
    if (!refresher.isRefreshing() && !canRefresh(state)) {
      session.end('missing-credential');
      return throwError(() => new AuthError(req, 'missing-credential', { cause: error }));
    }
    return sendAfterRefresh(req, next, attempt, 'unauthorized');
  };

  return (req, next) => {
    const state = session.state();
    const attempt: Attempt = { generation: state.generation, refreshed: false, resent: false };
    // Waiting for a refresh in flight spares a request the server would reject anyway.
    if (refresher.isRefreshing() || refreshDue(state)) return sendAfterRefresh(req, next, attempt, 'expired');
    return send(req, next, attempt);
  };
}

/**
 * Whether a URL belongs to one of the API's own origins. The common case (`https://api…/path`)
 * is a prefix test; anything else is parsed, the way fetch would read it, so `https://api…@evil`
 * or `https://api….evil.com` never match.
 */
function originMatcher(origins: ReadonlySet<string>): (url: string) => boolean {
  const prefixes = [...origins].map((origin) => `${origin}/`);
  return (url) => {
    for (const prefix of prefixes) if (url.startsWith(prefix)) return true;
    const origin = originOf(url);
    return origin !== undefined && origins.has(origin);
  };
}
