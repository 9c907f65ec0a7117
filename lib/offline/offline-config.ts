import type { Observable } from 'rxjs';
import type { ConnectivityConfig } from './connectivity';
import type { OfflineReadMode } from './offline.layers';
import type { OutboxConfig } from './outbox-config';

/**
 * `createApiClient({ offline })`: connectivity, the offline read path, paused retries and the
 * outbox. Without it the client still has `online$` (browser hint + request outcomes) but
 * nothing waits or queues.
 *
 * @example
 * const network = manualConnectivity();
 * createApiClient({
 *   baseUrl: 'https://api.example.com',
 *   offline: { sources: [network.source], outbox: { storage: localforageOutboxStorage() } },
 * });
 */
export interface OfflineConfig extends ConnectivityConfig {
  /** The mutation queue; default on, stored with localforage. `false` turns it off. */
  readonly outbox?: OutboxConfig | false;
  /** What a read with nothing cached does while offline (default `'fail-fast'`: `OfflineError`). */
  readonly reads?: OfflineReadMode;
  /**
   * App resume (e.g. Capacitor `App` `resume`, `visibilitychange` → visible): the outbox drains and
   * an unreachable API is rechecked. `capacitorAppResume(App)` from `rxsync/angular`
   * gives one for Capacitor (`withCapacitor({ app })` wires it).
   */
  readonly resume$?: Observable<unknown>;
}
