import localforage from 'localforage';
import { defer, from, map } from 'rxjs';
import type { OutboxStorage } from './outbox-storage';

/**
 * The default outbox storage: a dedicated localforage instance (IndexedDB in browsers and Ionic
 * web views; `fake-indexeddb` in Node tests; any other localforage driver where configured).
 * Promises become Observables here, at the edge, so nothing starts before subscription.
 *
 * On Capacitor iOS prefer `sqliteOutboxStorage` (same folder, exported from `rxsync`): the OS may reclaim a WKWebView's IndexedDB under
 * storage pressure (Capacitor's storage guide), and an outbox must not vanish.
 *
 * @example
 * createApiClient({ baseUrl, offline: { outbox: { storage: localforageOutboxStorage({ name: 'my-app' }) } } });
 */
export function localforageOutboxStorage(options: { name?: string; storeName?: string } = {}): OutboxStorage {
  const db = localforage.createInstance({ name: options.name ?? 'rxsync', storeName: options.storeName ?? 'outbox' });
  return {
    get: (key) => defer(() => from(db.getItem<unknown>(key))).pipe(map((value) => (value === null ? undefined : value))),
    set: (key, value) => defer(() => from(db.setItem(key, value))).pipe(map(() => undefined)),
    remove: (key) => defer(() => from(db.removeItem(key))).pipe(map(() => undefined)),
    keys: () => defer(() => from(db.keys())),
  };
}
