import {
  BehaviorSubject,
  catchError,
  concatMap,
  defaultIfEmpty,
  distinctUntilChanged,
  EMPTY,
  filter,
  map,
  type Observable,
  of,
  Subject,
  take,
} from 'rxjs';
import type { ApiEnv } from '../core/env';
import { parseAuthTokens, type AuthTokens } from './auth-config';
import { readJwtClaims, refreshDueAt, type JwtClaims } from './jwt';
import type { TokenStore } from './token-store';

/**
 * The session as the app sees it (`client.auth`): log in, log out, switch accounts, watch who is
 * logged in. Tokens are persisted through the configured {@link TokenStore}; storage failures
 * become `cache-error` events, never a throw, and the session carries on in memory.
 *
 * @example
 * client.auth.setTokens(await login(user, password));        // login or account switch
 * client.auth.partition$.subscribe((user) => console.log('now browsing as', user));
 * client.auth.sessionEnded$.subscribe(() => router.navigate(['/login']));
 * client.auth.logout();
 */
export interface AuthSession {
  /** The current tokens, then every change; emits once the store has been read. */
  readonly tokens$: Observable<AuthTokens | null>;
  currentTokens(): AuthTokens | null;
  /** Login or account switch; `null` forgets the session without a `sessionEnded$` reason. */
  setTokens(tokens: AuthTokens | null): void;
  /** Forgets the tokens (memory and store); `sessionEnded$` emits `'logout'` if there was a session. */
  logout(): void;
  /**
   * Whose data the client holds now; the cache keys its entries by it. The JWT `sub` of the
   * access token; `'authenticated'` for a token without a readable `sub` (an opaque token), so a
   * logged-in user's data never lands where logged-out requests can read it; `'anonymous'` with
   * no token.
   */
  userPartition(): string;
  /** {@link userPartition} and its changes (distinct): the cache purges on a change. */
  readonly partition$: Observable<string>;
  /**
   * Why a session ended: `'logout'`, `'refresh-failed'` (the refresh was rejected or returned
   * garbage), `'missing-credential'` (a 401 and no way to refresh). Hot: no replay.
   */
  readonly sessionEnded$: Observable<string>;
}

export const ANONYMOUS_PARTITION = 'anonymous';
export const OPAQUE_TOKEN_PARTITION = 'authenticated';

/** Everything the layer needs about the tokens, computed once per token change, not per request. */
export interface SessionState {
  readonly hydrated: boolean;
  readonly tokens: AuthTokens | null;
  readonly claims: JwtClaims | undefined;
  /** Scheduler time after which the access token is refreshed before use; `undefined`: never. */
  readonly refreshDueAt: number | undefined;
  readonly partition: string;
  /**
   * Bumped by every login, logout and forced end, not by a refresh: a refresh that finishes
   * in another generation belongs to a session that no longer exists and must not touch this one.
   */
  readonly generation: number;
}

/** The session plus what only the auth layer and the refresher may do with it. */
export interface AuthSessionController {
  readonly session: AuthSession;
  state(): SessionState;
  /** Emits (synchronously with a memory store) once the store has been read. */
  readonly hydrated$: Observable<SessionState>;
  /** Installs refreshed tokens if the session is still `generation`; false when it moved on. */
  applyRefreshed(tokens: AuthTokens, generation: number): boolean;
  /** Ends the session by force: tokens cleared, `session-expired` event, `sessionEnded$`. */
  end(reason: string): void;
}

export interface AuthSessionConfig {
  readonly store: TokenStore;
  readonly refreshSkewMs: number;
  readonly env: ApiEnv;
}

/**
 * Creates the session and reads the store at once (eagerly: a request subscribed before the read
 * finishes waits for it, and with the memory store the read is synchronous).
 *
 * @example
 * const { session, state } = createAuthSession({ store: memoryTokenStore(), refreshSkewMs: 30_000, env });
 * session.setTokens({ accessToken: 'a1', refreshToken: 'r1' });
 * state().tokens; // { accessToken: 'a1', refreshToken: 'r1' }
 */
export function createAuthSession(config: AuthSessionConfig): AuthSessionController {
  const { store, env } = config;
  const state$ = new BehaviorSubject<SessionState>(stateOf(null, 0, false));
  const ended$ = new Subject<string>();
  const saves$ = new Subject<AuthTokens | null>();

  function stateOf(tokens: AuthTokens | null, generation: number, hydrated: boolean): SessionState {
    const claims = tokens ? readJwtClaims(tokens.accessToken) : undefined;
    return {
      hydrated,
      tokens,
      claims,
      refreshDueAt: refreshDueAt(claims, config.refreshSkewMs, env.scheduler.now()),
      partition: tokens ? (claims?.sub ?? OPAQUE_TOKEN_PARTITION) : ANONYMOUS_PARTITION,
      generation,
    };
  }

  const publish = (tokens: AuthTokens | null, generation: number): void => {
    state$.next(stateOf(tokens, generation, true));
    saves$.next(tokens);
  };

  // Writes go one after the other, so a quick login-logout-login lands in the store in that
  // order whatever the driver's latency. A failed write is reported and the session goes on.
  saves$
    .pipe(
      concatMap((tokens) =>
        store.save(tokens).pipe(
          catchError((error: unknown) => {
            env.emit({ type: 'cache-error', operation: 'auth-tokens-save', detail: describeError(error) });
            return EMPTY;
          }),
        ),
      ),
    )
    .subscribe();

  store
    .load()
    .pipe(
      take(1),
      defaultIfEmpty(null),
      catchError((error: unknown) => {
        env.emit({ type: 'cache-error', operation: 'auth-tokens-load', detail: describeError(error) });
        return of(null);
      }),
    )
    .subscribe((stored) => {
      // A login that happened while the store was being read wins over what was stored.
      if (state$.value.hydrated) return;
      state$.next(stateOf(stored === null ? null : (parseAuthTokens(stored) ?? null), 0, true));
    });

  const hydratedStates$ = state$.pipe(filter((s) => s.hydrated));

  const setTokens = (tokens: AuthTokens | null): void => {
    // Input is checked like a refresh result: an object without an access token logs out
    // rather than later sending `Bearer undefined`.
    publish(tokens === null ? null : (parseAuthTokens(tokens) ?? null), state$.value.generation + 1);
  };

  const session: AuthSession = {
    tokens$: hydratedStates$.pipe(
      map((s) => s.tokens),
      distinctUntilChanged(),
    ),
    currentTokens: () => state$.value.tokens,
    setTokens,
    logout: () => {
      const hadSession = state$.value.tokens !== null;
      setTokens(null);
      if (hadSession) ended$.next('logout');
    },
    userPartition: () => state$.value.partition,
    partition$: hydratedStates$.pipe(
      map((s) => s.partition),
      distinctUntilChanged(),
    ),
    sessionEnded$: ended$.asObservable(),
  };

  return {
    session,
    state: () => state$.value,
    hydrated$: hydratedStates$.pipe(take(1)),
    applyRefreshed: (tokens, generation) => {
      if (state$.value.generation !== generation) return false;
      publish(tokens, generation);
      return true;
    },
    end: (reason) => {
      publish(null, state$.value.generation + 1);
      env.emit({ type: 'session-expired', reason });
      ended$.next(reason);
    },
  };
}

/** Error name and message only: never the value being stored. */
function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
}
