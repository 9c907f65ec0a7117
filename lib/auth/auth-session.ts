import {
  BehaviorSubject,
  catchError,
  concatMap,
  defaultIfEmpty,
  distinctUntilChanged,
  EMPTY,
  filter,
  first,
  map,
  type Observable,
  of,
  Subject,
  take,
} from 'rxjs';
import type { ApiEnv } from '../core/env';
import type { AuthErrorReason } from '../core/errors';
import { parseAuthTokens, parseStoredTokens, type AuthTokens, type StoredTokens } from './tokens';
import { newOwnPartition, sessionState, toStoredTokens, UNHYDRATED, type SessionState, type SessionStateConfig, type TokenSource } from './session-state';
import type { TokenStore } from './token-store';
import type { SharedSession } from './tab-sync';

export type { SessionState } from './session-state';

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
   * Whose data the client holds now; the cache keys its entries by it and purges on a change.
   * In order: what `AuthConfig.userPartition` names; the JWT `sub` of the access token; for a token
   * without either (opaque, or a JWT without `sub`) a random partition of the login's own, new on
   * every `setTokens()` (so an account switch between opaque tokens never shows user A's cached
   * data to user B), kept across refreshes and stored with the tokens (so it survives a restart);
   * `'anonymous'` with no token. `'anonymous'` too until the token store has been read.
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

/** The session plus what only the auth layer and the refresher may do with it. */
export interface AuthSessionController {
  readonly session: AuthSession;
  state(): SessionState;
  /** Emits (synchronously with a memory store) once the store has been read. */
  readonly hydrated$: Observable<SessionState>;
  /** Every state once the store has been read: the current one, then each change. */
  readonly states$: Observable<SessionState>;
  /** `undefined` once the store has been read (one boolean check), else emits once when it has. */
  whenReady(): Observable<void> | undefined;
  /** Installs refreshed tokens if the session is still `generation`; false when it moved on. */
  applyRefreshed(tokens: AuthTokens, generation: number, save?: boolean): boolean;
  /**
   * Takes a login, logout or forced end another tab made (`auth.tabSync`): not saved (that tab
   * saved it to the shared store) and not announced again.
   */
  adoptShared(change: SharedSession): void;
  /** Ends the session by force: tokens cleared, `session-expired` event, `sessionEnded$`. */
  end(reason: ForcedEndReason): void;
  /**
   * Why session `generation` was ended by force, so each of its requests gets that same reason;
   * `undefined` when it ended by a logout or a login (or has not ended).
   */
  endReason(generation: number): ForcedEndReason | undefined;
}

/** The reasons a session is ended by the client rather than by the app. */
export type ForcedEndReason = Extract<AuthErrorReason, 'refresh-failed' | 'missing-credential'>;

export interface AuthSessionConfig extends Partial<Pick<SessionStateConfig, 'userPartition'>> {
  readonly store: TokenStore;
  readonly refreshSkewMs: number;
  readonly env: ApiEnv;
  /** How long `load()` may take before the session starts without stored tokens (default: unbounded). */
  readonly loadTimeoutMs?: number;
  /** Called for each login, logout and forced end made here (not for refreshes, not for adopted ones): `auth.tabSync` tells the other tabs. */
  readonly onLocalChange?: (change: SharedSession) => void;
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
  const stateConfig: SessionStateConfig = { refreshSkewMs: config.refreshSkewMs, userPartition: config.userPartition };
  const state$ = new BehaviorSubject<SessionState>(UNHYDRATED);
  const ended$ = new Subject<string>();
  const saves$ = new Subject<StoredTokens | null>();
  let ready = false;

  const stateOf = (tokens: AuthTokens | null, ownPartition: string | undefined, generation: number, source: TokenSource): SessionState =>
    sessionState(tokens, ownPartition, generation, source, stateConfig, env.scheduler.now());

  const install = (state: SessionState, save: boolean): void => {
    ready = true;
    state$.next(state);
    if (save) saves$.next(toStoredTokens(state));
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

  // Set when the load took too long and the session started empty: the store's late answer is
  // still taken then, as long as nobody logged in meanwhile.
  let startedWithoutStore = false;
  const loaded = (value: StoredTokens | null): void => {
    // A login that happened while the store was being read wins over what was stored.
    if (state$.value.hydrated && !startedWithoutStore) return;
    const late = startedWithoutStore;
    startedWithoutStore = false;
    const stored = value === null ? undefined : parseStoredTokens(value);
    const tokens = stored === undefined ? null : (parseAuthTokens(stored) ?? null);
    if (late && tokens === null) return;
    const ownPartition = tokens === null ? undefined : (stored?.partition ?? newOwnPartition(env.random));
    // A late answer starts a session of its own: nothing sent meanwhile (without a token) joins it.
    const state = stateOf(tokens, ownPartition, state$.value.generation + (late ? 1 : 0), 'stored');
    // An entry saved without the partition it needs (an older version) is completed once, so
    // the next start finds the same partition.
    install(state, stored !== undefined && stored.partition === undefined && toStoredTokens(state)?.partition !== undefined);
  };
  const loading = store
    .load()
    .pipe(
      take(1),
      defaultIfEmpty(null),
      catchError((error: unknown) => {
        env.emit({ type: 'cache-error', operation: 'auth-tokens-load', detail: describeError(error) });
        return of(null);
      }),
    )
    .subscribe((value) => loaded(value));
  // A load that never answers must not hold every request forever: after `loadTimeoutMs` the
  // session starts without stored tokens, with an event, and requests go on.
  if (!loading.closed && config.loadTimeoutMs !== undefined) {
    const timer = env.scheduler.schedule(
      () => {
        if (state$.value.hydrated || loading.closed) return;
        env.emit({ type: 'cache-error', operation: 'auth-tokens-load', detail: `no answer within ${config.loadTimeoutMs} ms; starting without stored tokens` });
        startedWithoutStore = true;
        install(stateOf(null, undefined, state$.value.generation, 'stored'), false);
      },
      Math.min(config.loadTimeoutMs, 2 ** 31 - 1),
    );
    loading.add(timer);
  }

  const hydratedStates$ = state$.pipe(filter((s) => s.hydrated));
  const ready$: Observable<void> = hydratedStates$.pipe(
    first(),
    map(() => undefined),
  );

  const endReasons = new Map<number, ForcedEndReason>();
  const setTokens = (tokens: AuthTokens | null): SessionState => {
    startedWithoutStore = false;
    // Input is checked like a refresh result: an object without an access token logs out
    // rather than later sending `Bearer undefined`.
    const checked = tokens === null ? null : (parseAuthTokens(tokens) ?? null);
    const state = stateOf(checked, checked === null ? undefined : newOwnPartition(env.random), state$.value.generation + 1, 'login');
    install(state, true);
    return state;
  };

  const session: AuthSession = {
    tokens$: hydratedStates$.pipe(
      map((s) => s.tokens),
      distinctUntilChanged(),
    ),
    currentTokens: () => state$.value.tokens,
    setTokens: (tokens) => {
      const state = setTokens(tokens);
      config.onLocalChange?.({ tokens: toStoredTokens(state) });
    },
    logout: () => {
      const hadSession = state$.value.tokens !== null;
      setTokens(null);
      if (hadSession) {
        config.onLocalChange?.({ tokens: null, reason: 'logout' });
        ended$.next('logout');
      }
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
    states$: hydratedStates$,
    whenReady: () => (ready ? undefined : ready$),
    applyRefreshed: (tokens, generation, save = true) => {
      const current = state$.value;
      if (current.generation !== generation) return false;
      install(stateOf(tokens, current.ownPartition ?? newOwnPartition(env.random), generation, 'refresh'), save);
      return true;
    },
    endReason: (generation) => endReasons.get(generation),
    end: (reason) => {
      endReasons.set(state$.value.generation, reason);
      // A handful is plenty: only requests still in flight from an ended session ask.
      if (endReasons.size > 16) endReasons.delete(endReasons.keys().next().value!);
      install(stateOf(null, undefined, state$.value.generation + 1, 'login'), true);
      config.onLocalChange?.({ tokens: null, reason });
      env.emit({ type: 'session-expired', reason });
      ended$.next(reason);
    },
    adoptShared: ({ tokens, reason }) => {
      const current = state$.value;
      if (tokens === null) {
        if (current.tokens === null) return; // nothing to end (or our own end echoed)
        if (reason === 'refresh-failed' || reason === 'missing-credential') endReasons.set(current.generation, reason);
        install(stateOf(null, undefined, current.generation + 1, 'login'), false);
        if (reason === 'refresh-failed' || reason === 'missing-credential') env.emit({ type: 'session-expired', reason });
        if (reason !== undefined) ended$.next(reason);
        return;
      }
      const fresh = parseAuthTokens(tokens);
      if (fresh === undefined) return;
      if (current.tokens?.accessToken === fresh.accessToken && current.tokens.refreshToken === fresh.refreshToken) return;
      install(stateOf(fresh, tokens.partition ?? newOwnPartition(env.random), current.generation + 1, 'login'), false);
    },
  };
}

/** Error name and message only: never the value being stored. */
function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
}
