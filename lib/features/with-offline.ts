import { createOffline } from '../offline/offline';
import type { ClientFeature, OfflineFeature } from './client-feature';

/**
 * Connectivity (`client.online$` from platform hints and the client's own answers), the offline
 * read path, retries paused while offline and the persistent outbox: `config.offline` of
 * {@link composeApiClient}. Without it `online$` always says `true` and mutations are sent directly.
 *
 * @example
 * const client = composeApiClient({ baseUrl, offline: { outbox: { storage: memoryOutboxStorage() } } }, withOffline());
 */
export function withOffline(): ClientFeature<'offline'> {
  const feature: OfflineFeature = { ɵkind: 'offline', ɵcreate: createOffline };
  return feature;
}
