import type { Observable } from 'rxjs';
import { GraphQLError, HttpError } from '../core/errors';
import { originOf } from '../core/url';
import { memoryTokenStore, type TokenStore } from './token-store';
import type { TabSyncConfig } from './tab-sync';
import type { AuthTokens } from './tokens';

export { parseAuthTokens, parseStoredTokens, type AuthTokens, type StoredTokens } from './tokens';

/**
 * Exchanges a refresh token for new tokens. Returns (an Observable or a Promise of)
 * `{ accessToken, refreshToken? }`; anything else is treated as a failed refresh.
 *
 * Send the refresh call with `SKIP_AUTH` when it goes through the client; a call made
 * synchronously from this function is recognised and bypasses auth anyway.
 */
export type RefreshFn = (refreshToken: string) => Observable<unknown> | Promise<unknown>;

/** At most `maxRefreshes` refreshes start within any `intervalMs` (Alamofire's `RefreshWindow`). */
export interface RefreshWindow {
  readonly maxRefreshes: number;
  readonly intervalMs: number;
}

/**
 * How the refresh call itself is retried when it gets no verdict (a 5xx, a network failure, a
 * timeout): `maxAttempts` calls in all, waiting `baseDelayMs`, then twice that, and so on. Every
 * request waiting for the refresh waits for these retries; none starts its own.
 */
export interface RefreshRetry {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
}

/**
 * Options of the auth layer.
 *
 * | option            | default                               | why                                                      |
 * | ----------------- | ------------------------------------- | -------------------------------------------------------- |
 * | `tokens`          | `memoryTokenStore()`                  | nothing persisted unless asked                           |
 * | `refresh`         | none: a 401 ends the session          |                                                          |
 * | `origins`         | the client's `baseUrl` origin         | the Bearer never leaks to third parties (README: "Auth") |
 * | `refreshSkewMs`   | `30_000`                              | covers clock skew and a slow request; never send an expired JWT |
 * | `refreshWindow`   | 3 per 30 s                            | stops refresh loops (a server rejecting every new token); counts only refreshes a 401 asked for |
 * | `refreshRetry`    | 3 calls, 1 s then 2 s apart           | a passing 5xx or a lost answer does not fail every waiting request |
 * | `refreshTimeoutMs`| `30_000` per call                     | a refresh that never settles must not hold every request forever |
 * | `tokenStoreTimeoutMs` | `5_000`                           | a token store whose `load()` never answers: the session starts empty (`cache-error` event), a late answer is still taken |
 * | `isAuthChallenge` | 401, or GraphQL `UNAUTHENTICATED`     | GraphQL servers answer 200 with an error entry           |
 * | `userPartition`   | the JWT `sub`, else one per login     | whose data the cache holds; see {@link AuthConfig.userPartition} |
 *
 * @example
 * const auth: AuthConfig = {
 *   tokens: localforageTokenStore(),
 *   refresh: (refreshToken) =>
 *     fetch('https://auth.example.com/token', { method: 'POST', body: JSON.stringify({ refreshToken }) })
 *       .then((res) => res.json()),
 *   origins: ['https://api.example.com', 'https://uploads.example.com'],
 * };
 */
export interface AuthConfig {
  readonly tokens?: TokenStore;
  readonly refresh?: RefreshFn;
  readonly origins?: readonly string[];
  readonly refreshSkewMs?: number;
  readonly refreshWindow?: RefreshWindow;
  /** Retries of the refresh call that got no verdict, shared by every waiting request. */
  readonly refreshRetry?: Partial<RefreshRetry>;
  /** How long one refresh call may take before it counts as unanswered (`refresh-unavailable`). */
  readonly refreshTimeoutMs?: number;
  /** How long the token store's `load()` may take before the session starts without stored tokens. */
  readonly tokenStoreTimeoutMs?: number;
  readonly isAuthChallenge?: (error: unknown) => boolean;
  /**
   * Names the user the tokens belong to: the cache keeps each user's entries apart under this
   * name and purges when it changes. Called once per token change (login, refresh, start-up),
   * never per request. For apps whose tokens are opaque but whose user is known otherwise.
   *
   * `undefined`, an empty string, or a throw fall back to the default: the JWT `sub`, and for a
   * token without a readable `sub` a partition of the login's own, new on every `setTokens()`,
   * kept across refreshes and restarts. That default is safe, but a user's cache starts empty
   * after each login; naming the user lets a re-login find its cache again.
   *
   * It is called when the tokens change, not later: whatever it reads must already name the new
   * user when `setTokens()` is called, or an account switch keeps the previous user's partition
   * (and their cached responses). So record the user first, then set the tokens:
   *
   * @example
   * // Opaque tokens; the login response also says who logged in. Kept across restarts.
   * let userId: string | undefined = localStorage.getItem('user-id') ?? undefined;
   * const auth: AuthConfig = { tokens, refresh, userPartition: () => userId };
   * // Login or account switch: the user first, then the tokens.
   * function signedIn(answer: { userId: string; tokens: AuthTokens }): void {
   *   userId = answer.userId;
   *   localStorage.setItem('user-id', answer.userId);
   *   client.auth?.setTokens(answer.tokens);
   * }
   * @example
   * // Opaque tokens that embed the account id: `acct_42.9f8e…`.
   * const auth: AuthConfig = { tokens, refresh, userPartition: ({ accessToken }) => accessToken.split('.', 1)[0] };
   */
  readonly userPartition?: (tokens: AuthTokens) => string | undefined;
  /**
   * Several tabs (windows) of the app share one session: a refresh made in one is used by all,
   * so a rotating refresh token is spent once; a login, logout or forced end in one happens in
   * all. `true` uses a `BroadcastChannel` and Web Locks where they exist; see {@link TabSyncConfig}.
   * Give the tabs a shared token store too (`localforageTokenStore()`), so a new tab starts logged in.
   *
   * @example
   * createApiClient({ baseUrl, auth: { tokens: localforageTokenStore(), refresh, tabSync: true } });
   */
  readonly tabSync?: boolean | TabSyncConfig;
}

export const DEFAULT_REFRESH_SKEW_MS = 30_000;
export const DEFAULT_REFRESH_WINDOW: RefreshWindow = { maxRefreshes: 3, intervalMs: 30_000 };
export const DEFAULT_REFRESH_RETRY: RefreshRetry = { maxAttempts: 3, baseDelayMs: 1_000 };
export const DEFAULT_REFRESH_TIMEOUT_MS = 30_000;
export const DEFAULT_TOKEN_STORE_TIMEOUT_MS = 5_000;

/** {@link AuthConfig} with every default applied and origins normalized. */
export interface ResolvedAuthConfig {
  readonly tokens: TokenStore;
  readonly refresh: RefreshFn | undefined;
  readonly origins: ReadonlySet<string>;
  readonly refreshSkewMs: number;
  readonly refreshWindow: RefreshWindow;
  readonly refreshRetry: RefreshRetry;
  readonly refreshTimeoutMs: number;
  readonly tokenStoreTimeoutMs: number;
  readonly isAuthChallenge: (error: unknown) => boolean;
  readonly userPartition: ((tokens: AuthTokens) => string | undefined) | undefined;
}

/**
 * Applies the defaults. Origins are normalized through `URL` (`HTTPS://API.example.com:443/v1`
 * → `https://api.example.com`); an entry that is not a URL is ignored rather than matched loosely.
 *
 * @example
 * resolveAuthConfig({}, 'https://api.example.com/v1').origins; // Set { 'https://api.example.com' }
 */
export function resolveAuthConfig(config: AuthConfig, defaultOrigin: string): ResolvedAuthConfig {
  const origins = new Set<string>();
  for (const entry of config.origins ?? [defaultOrigin]) {
    const origin = originOf(entry);
    if (origin !== undefined) origins.add(origin);
  }
  return {
    tokens: config.tokens ?? memoryTokenStore(),
    refresh: config.refresh,
    origins,
    refreshSkewMs: config.refreshSkewMs ?? DEFAULT_REFRESH_SKEW_MS,
    refreshWindow: config.refreshWindow ?? DEFAULT_REFRESH_WINDOW,
    refreshRetry: {
      maxAttempts: atLeast('refreshRetry.maxAttempts', config.refreshRetry?.maxAttempts ?? DEFAULT_REFRESH_RETRY.maxAttempts, 1),
      baseDelayMs: atLeast('refreshRetry.baseDelayMs', config.refreshRetry?.baseDelayMs ?? DEFAULT_REFRESH_RETRY.baseDelayMs, 0),
    },
    refreshTimeoutMs: atLeast('refreshTimeoutMs', config.refreshTimeoutMs ?? DEFAULT_REFRESH_TIMEOUT_MS, 1),
    tokenStoreTimeoutMs: atLeast('tokenStoreTimeoutMs', config.tokenStoreTimeoutMs ?? DEFAULT_TOKEN_STORE_TIMEOUT_MS, 1),
    isAuthChallenge: config.isAuthChallenge ?? isDefaultAuthChallenge,
    userPartition: config.userPartition,
  };
}

/** A number option, checked at configuration time (like the retry settings). */
function atLeast(name: string, value: number, min: number): number {
  if (typeof value !== 'number' || !(value >= min)) throw new Error(`rxsync auth config: ${name} must be a number ≥ ${min}, got ${String(value)}`);
  return value;
}

/**
 * The default auth challenge: an HTTP 401, or a GraphQL response with an `UNAUTHENTICATED`
 * error code (Apollo Server's convention, also used by Hasura and others).
 *
 * @example
 * isDefaultAuthChallenge(new HttpError(req, 401, {}, null)); // true
 * isDefaultAuthChallenge(new HttpError(req, 403, {}, null)); // false: authenticated, not allowed
 */
export function isDefaultAuthChallenge(error: unknown): boolean {
  if (error instanceof HttpError) return error.status === 401;
  if (error instanceof GraphQLError) return error.errors.some((entry) => entry.extensions?.['code'] === 'UNAUTHENTICATED');
  return false;
}
