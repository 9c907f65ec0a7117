import { defer, of, type Observable } from 'rxjs';
import type { StoredTokens } from './tokens';

/**
 * Where the session's tokens live between runs: a two-method port, so secure storage
 * (Keychain, Capacitor Preferences, an encrypted store) plugs in. Both methods return cold
 * Observables: nothing is read or written before subscribe. `save(null)` forgets the session.
 *
 * `load` should emit `null` rather than error on a missing or unreadable entry; an error is
 * reported as a `cache-error` event and also treated as "no session".
 *
 * What is saved is {@link StoredTokens}: the tokens and, for tokens that name no user, the
 * session's `partition`. Save and load it whole (`parseStoredTokens` reads it back), or the
 * user's cached data is not found again after a restart.
 *
 * @example
 * const secureStore: TokenStore = {
 *   load: () => defer(() => from(SecureStorage.get('tokens'))).pipe(map((raw) => parseStoredTokens(raw) ?? null)),
 *   save: (tokens) => defer(() => from(tokens ? SecureStorage.set('tokens', tokens) : SecureStorage.remove('tokens'))),
 * };
 */
export interface TokenStore {
  load(): Observable<StoredTokens | null>;
  save(tokens: StoredTokens | null): Observable<void>;
}

/**
 * A token store in memory (the default): the session lasts as long as the page or process.
 * Both methods emit synchronously, so hydration costs nothing and marble tests stay synchronous.
 *
 * @example
 * const tokens = memoryTokenStore({ accessToken: 'eyJ…', refreshToken: 'r1' });
 * createApiClient({ baseUrl, auth: { tokens, refresh } });
 */
export function memoryTokenStore(initial: StoredTokens | null = null): TokenStore {
  let stored = initial;
  return {
    load: () => defer(() => of(stored)),
    save: (tokens) =>
      defer(() => {
        stored = tokens;
        return of(undefined);
      }),
  };
}
