import localforage from 'localforage';
import type { FleetStateStore } from './fleet-state-store';

// Its own file: localforage runs code when imported, so only an app that uses this store bundles it.

/**
 * The part of a localforage instance the fleet store uses. Written out rather than naming
 * localforage's global `LocalForage` type, so rxsync's declarations type-check without it.
 */
export interface LocalforageFleetInstance {
  getItem<T>(key: string): Promise<T | null>;
  setItem<T>(key: string, value: T): Promise<T>;
}

/**
 * A store in localforage (IndexedDB in browsers and Ionic web views).
 *
 * @example
 * createApiClient({ baseUrl, fleet: { store: localforageFleetStore({ instance: localforage.createInstance({ name: 'my-app' }) }) } });
 */
export function localforageFleetStore(config: { readonly key?: string; readonly instance?: LocalforageFleetInstance } = {}): FleetStateStore {
  const key = config.key ?? 'rxsync:fleet';
  // Looked up per call: importing rxsync must not touch storage.
  const instance = (): LocalforageFleetInstance => config.instance ?? localforage;
  return {
    load: () => instance().getItem<unknown>(key),
    save: (snapshot) =>
      instance()
        .setItem(key, snapshot)
        .then(() => undefined),
  };
}
