import localforage from 'localforage';
import { defer, from, map, type Observable } from 'rxjs';
import { parseStoredTokens, type StoredTokens } from './tokens';
import type { TokenStore } from './token-store';

/**
 * The part of a localforage instance the token store uses. Written out rather than naming
 * localforage's global `LocalForage` type, so rxsync's declarations type-check without it.
 */
export interface LocalforageTokenInstance {
  getItem<T>(key: string): Promise<T | null>;
  setItem<T>(key: string, value: T): Promise<T>;
  removeItem(key: string): Promise<void>;
}

export interface LocalforageTokenStoreConfig {
  /** Key of the entry; default `'rxsync:auth-tokens'`. One key per account space (e.g. per app). */
  readonly key?: string;
  /** A localforage instance (another driver, database name); default the shared `localforage`. */
  readonly instance?: LocalforageTokenInstance;
}

const DEFAULT_KEY = 'rxsync:auth-tokens';

/**
 * A token store that survives a restart: IndexedDB in browsers and Ionic web views (or whatever
 * driver the localforage instance uses).
 *
 * A stored value that is not a valid {@link StoredTokens} (another app's entry under the same key,
 * an older format, a half-written value) loads as `null`: the user logs in again instead of the
 * app crashing at start-up. Driver failures travel the error channel; the session reports them
 * as `cache-error` events and carries on in memory.
 *
 * @example
 * const tokens = localforageTokenStore({ instance: localforage.createInstance({ name: 'my-app' }) });
 * createApiClient({ baseUrl, auth: { tokens, refresh } });
 */
export function localforageTokenStore(config: LocalforageTokenStoreConfig = {}): TokenStore {
  const key = config.key ?? DEFAULT_KEY;
  // Looked up per call, not at import: importing rxsync must not touch storage ("sideEffects": false).
  const instance = (): LocalforageTokenInstance => config.instance ?? localforage;
  return {
    load: (): Observable<StoredTokens | null> => defer(() => from(instance().getItem<unknown>(key))).pipe(map((stored) => parseStoredTokens(stored) ?? null)),
    save: (tokens): Observable<void> =>
      defer(() =>
        from(
          tokens === null
            ? instance().removeItem(key)
            : // Store a plain copy: only the known fields, whatever else the caller's object carried.
              instance()
                .setItem(key, toStored(tokens))
                .then(() => undefined),
        ),
      ),
  };
}

function toStored(tokens: StoredTokens): StoredTokens {
  const { accessToken, refreshToken, partition } = tokens;
  return {
    accessToken,
    ...(refreshToken === undefined ? {} : { refreshToken }),
    ...(partition === undefined ? {} : { partition }),
  };
}
