import { filter, identity, type Observable, switchMap, takeUntil, throwError, throwIfEmpty } from 'rxjs';
import { ContextToken, type RequestContext } from '../core/context';
import { SKIP_AUTH } from '../core/context-tokens';
import type { ApiEnv } from '../core/env';
import { mapCatch } from '../core/map-catch';
import { AuthError, HttpError } from '../core/errors';
import type { Handler, Layer } from '../core/layer';
import { withHeaderMapAndContext, type ApiRequest } from '../core/request';
import type { ApiResponse } from '../core/response';
import type { HeaderMap } from '../core/headers';
import { originOf } from '../core/url';
import { resolveAuthConfig, type AuthConfig, type ResolvedAuthConfig } from './auth-config';
import { createAuthSession, type AuthSession, type AuthSessionController, type SessionState } from './auth-session';
import { createTokenRefresher, refreshAuthError, type TokenRefresher } from './token-refresher';
import { createTabSync, defaultTabChannel, defaultTabLocks, fingerprint, type TabSync } from './tab-sync';

export interface AuthSetup {
  /** Stops sharing the session with other tabs (closes the channel); the session itself goes on. */
  close(): void;
  /** The pipeline stage; goes between cache and retry. */
  readonly layer: Layer;
  /** Goes below retry, above the transport: refuses an attempt whose session has ended. */
  readonly attemptGuard: Layer;
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
  let tabs: TabSync | undefined;
  const session = createAuthSession({
    store: resolved.tokens,
    refreshSkewMs: resolved.refreshSkewMs,
    userPartition: resolved.userPartition,
    env,
    loadTimeoutMs: resolved.tokenStoreTimeoutMs,
    onLocalChange: (change) => tabs?.announce(change),
  });
  tabs = tabSyncFor(config, resolved, env, defaultOrigin, session);
  const refresher = createTokenRefresher({
    session,
    refresh: resolved.refresh,
    refreshWindow: resolved.refreshWindow,
    refreshRetry: resolved.refreshRetry,
    refreshTimeoutMs: resolved.refreshTimeoutMs,
    env,
    tabs,
  });
  const isOwnOrigin = originMatcher(resolved.origins);
  const authorize = authorizer(session, refresher, resolved, env, isOwnOrigin);

  // Below retry: every attempt of a request sent with a token checks its session is still the
  // current one, so a retry waiting in backoff during a logout is never re-sent with the old token.
  const attemptGuard: Layer = (req, next) => {
    const generation = req.context.get(SENT_IN_GENERATION);
    if (generation === undefined || generation === session.state().generation) return next(req);
    return throwError(() => sessionLostError(session, req, generation));
  };

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

  return { layer, attemptGuard, session: session.session, sessionKey: () => session.state().key, whenReady: session.whenReady, close: () => tabs?.close() };
}

/**
 * The generation a request's token belongs to, set by the auth layer on what it sends with a
 * token; read by {@link AuthSetup.attemptGuard}. Not public: only the auth stages use it.
 */
const SENT_IN_GENERATION = /* @__PURE__ */ new ContextToken<number | undefined>('auth-sent-in-generation', () => undefined);

/**
 * `context` marked with the generation it is sent in. One marked copy per context and generation
 * (most requests share one context, and a generation lasts a session): no Map copy per request.
 */
function sentInGeneration(context: RequestContext, generation: number): RequestContext {
  const known = markedContexts.get(context);
  if (known !== undefined && known.generation === generation) return known.marked;
  const marked = context.set(SENT_IN_GENERATION, generation);
  markedContexts.set(context, { generation, marked });
  return marked;
}
const markedContexts = new WeakMap<RequestContext, { readonly generation: number; readonly marked: RequestContext }>();

/**
 * The error of a request whose session is over: the reason the session ended when it ended by
 * force (`refresh-failed`, `missing-credential`), so every request of that session gets the same
 * one; `session-changed` after a logout or an account switch.
 */
function sessionLostError(session: AuthSessionController, req: Pick<ApiRequest, 'method' | 'url'>, generation: number, cause?: unknown): AuthError {
  const reason = session.endReason(generation) ?? 'session-changed';
  return new AuthError(req, reason, cause === undefined ? undefined : { cause });
}

/**
 * The request's headers with `authorization: Bearer <token>`. Most requests carry the client's
 * default header map (frozen) and one token for a whole session, so the authorized map is made
 * once per session state and reused, frozen: the dedupe key, the transport's header check and
 * fetch then see the same map and the same flat Bearer string each time, instead of a fresh copy
 * and a fresh concatenation of a token of a kilobyte or so per request. A map that is not frozen
 * may still be changed by whoever made it, so it is copied every time. Kept beside the session
 * state it was made for (a new state comes with every token change, a logout included), so it
 * never outlives that state's token.
 */
function authorizedHeaders(state: SessionState, source: HeaderMap, token: string): HeaderMap {
  const known = authorizedByState.get(state);
  if (known !== undefined && known.source === source && known.token === token) return known.headers;
  const headers: Record<string, string> = { ...source };
  headers.authorization = `Bearer ${token}`;
  if (!Object.isFrozen(source)) return headers;
  authorizedByState.set(state, { source, token, headers: Object.freeze(headers) });
  return headers;
}
const authorizedByState = new WeakMap<SessionState, { readonly source: HeaderMap; readonly token: string; readonly headers: HeaderMap }>();

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
  isOwnOrigin: (url: string) => boolean,
): (req: ApiRequest, next: Handler) => Observable<ApiResponse> {
  const canRefresh = (state: SessionState): boolean => config.refresh !== undefined && state.tokens?.refreshToken !== undefined;

  const refreshDue = (state: SessionState): boolean => state.refreshDueAt !== undefined && env.scheduler.now() >= state.refreshDueAt && canRefresh(state);

  /** The request's session has ended (logout, account switch): it is not the next session's to send. */
  const sessionChanged = (req: ApiRequest, generation: number, cause?: unknown): Observable<never> =>
    throwError(() => sessionLostError(session, req, generation, cause));

  /**
   * Sends with the token current at subscribe time, and handles the challenge that may come back.
   * A response that arrives after the session it was sent in has ended is not delivered: the
   * subscriber belongs to a session that is over (and the cache above must not store it).
   */
  const send = (req: ApiRequest, next: Handler, attempt: Attempt): Observable<ApiResponse> => {
    const state = session.state();
    if (state.generation !== attempt.generation) return sessionChanged(req, attempt.generation);
    const token = state.tokens?.accessToken;
    if (token === undefined) return mapCatch(next(req), identity, (error: unknown) => onChallenge(error, token, req, next, attempt, refresher.settledCount()));
    const sent = withHeaderMapAndContext(req, authorizedHeaders(state, req.headers, token), sentInGeneration(req.context, attempt.generation));
    const sentAt = refresher.settledCount();
    return mapCatch(
      next(sent),
      (response) => {
        if (session.state().generation !== attempt.generation) throw sessionLostError(session, req, attempt.generation);
        return response;
      },
      (error: unknown) => (error instanceof AuthError ? throwError(() => error) : onChallenge(error, token, req, next, attempt, sentAt)),
    );
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
    sentAt: number,
  ): Observable<ApiResponse> => {
    if (!config.isAuthChallenge(error)) return throwError(() => error);
    // A 401 from another origin, reached through a redirect, says nothing about the API's token.
    if (error instanceof HttpError && error.responseUrl !== undefined && !isOwnOrigin(error.responseUrl)) return throwError(() => error);
    if (session.state().generation !== attempt.generation) return sessionChanged(req, attempt.generation, error);
    if (attempt.resent) return throwError(() => new AuthError(req, 'unauthorized', { cause: error }));
    // Sent before a refresh of this very token failed: same storm, same answer, no second refresh.
    const stormFailure = refresher.failureFor(sentToken, sentAt);
    if (stormFailure !== undefined) return throwError(() => refreshAuthError(req, stormFailure));
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

/**
 * `auth.tabSync`: the coordinator over a BroadcastChannel named after the API origin (two clients
 * of different APIs never mix), Web Locks where the platform has them. Without a channel (no
 * `BroadcastChannel`), tabs cannot hear each other and the client works as one tab.
 */
function tabSyncFor(config: AuthConfig, resolved: ResolvedAuthConfig, env: ApiEnv, origin: string, session: AuthSessionController): TabSync | undefined {
  const option = config.tabSync;
  if (option === undefined || option === false) return undefined;
  const settings = option === true ? {} : option;
  const channel = settings.channel ?? defaultTabChannel(`rxsync-auth:${origin}`);
  if (channel === undefined) return undefined;
  const electionMs = settings.electionMs ?? 100;
  const { maxAttempts, baseDelayMs } = resolved.refreshRetry;
  // Long enough for the leader's every attempt and backoff: a waiting tab never gives up on a refresh still running.
  let backoffMs = 0;
  for (let n = 1; n < maxAttempts; n++) backoffMs += baseDelayMs * 2 ** (n - 1);
  const waitMs = settings.waitMs ?? Math.min(electionMs + resolved.refreshTimeoutMs * maxAttempts + backoffMs, 2 ** 31 - 1);
  const locks = settings.locks === null ? undefined : (settings.locks ?? defaultTabLocks());
  return createTabSync(
    channel,
    env,
    {
      currentFingerprint: () => {
        const refreshToken = session.state().tokens?.refreshToken;
        return refreshToken === undefined ? undefined : fingerprint(refreshToken);
      },
      refreshed: (_fp, tokens) => {
        if (session.applyRefreshed(tokens, session.state().generation, false)) env.emit({ type: 'token-refreshed', durationMs: 0 });
      },
      session: (change) => session.adoptShared(change),
    },
    { locks, electionMs, waitMs, lockName: `rxsync-auth-refresh:${origin}` },
  );
}
