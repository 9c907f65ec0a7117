import { defer, of, type Observable } from 'rxjs';
import type { AuthTokens } from './auth-config';

/**
 * Where the session's tokens live between runs: a two-method port, so secure storage
 * (Keychain, Capacitor Preferences, an encrypted store) plugs in. Both methods return cold
 * Observables: nothing is read or written before subscribe. `save(null)` forgets the session.
 *
 * `load` should emit `null` rather than error on a missing or unreadable entry; an error is
 * reported as a `cache-error` event and also treated as "no session".
 *
 * @example
 * const secureStore: TokenStore = {
 *   load: () => defer(() => from(SecureStorage.get('tokens'))).pipe(map((raw) => parseAuthTokens(raw) ?? null)),
 *   save: (tokens) => defer(() => from(tokens ? SecureStorage.set('tokens', tokens) : SecureStorage.remove('tokens'))),
 * };
 */
export interface TokenStore {
  load(): Observable<AuthTokens | null>;
  save(tokens: AuthTokens | null): Observable<void>;
}

/**
 * A token store in memory (the default): the session lasts as long as the page or process.
 * Both methods emit synchronously, so hydration costs nothing and marble tests stay synchronous.
 *
 * @example
 * const tokens = memoryTokenStore({ accessToken: 'eyJ…', refreshToken: 'r1' });
 * createApiClient({ baseUrl, auth: { tokens, refresh } });
 */
export function memoryTokenStore(initial: AuthTokens | null = null): TokenStore {
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
