import { InjectionToken, inject, type Injector } from '@angular/core';
import type { ApiClient } from '../client';
import type { ApiClientConfig } from '../client-config';
import type { EntityStore } from '../store/entity-store';

/**
 * The client `provideRxsync` creates, one per environment injector.
 *
 * @example
 * const client = inject(RXSYNC_CLIENT);
 */
export const RXSYNC_CLIENT = new InjectionToken<ApiClient>('RXSYNC_CLIENT');

/** The config `provideRxsync` was given, after every feature has added its part. */
export const RXSYNC_CONFIG = new InjectionToken<ApiClientConfig>('RXSYNC_CONFIG');

/**
 * A change a feature makes to the client's config before the client is created. Runs in an
 * injection context, so it may `inject()` (that is how `withAngularHttp` finds `HttpBackend`).
 */
export type RxsyncConfigStep = (config: ApiClientConfig) => ApiClientConfig;

/** Multi token: the config steps of the features, applied in the order the features were listed. */
export const RXSYNC_CONFIG_STEPS = new InjectionToken<readonly RxsyncConfigStep[]>('RXSYNC_CONFIG_STEPS');

/** Work to start once the client exists (connectivity hints, resume listeners); multi token. */
export const RXSYNC_CLIENT_INITIALIZERS = new InjectionToken<ReadonlyArray<(client: ApiClient) => void>>('RXSYNC_CLIENT_INITIALIZERS');

/**
 * The client, from an injection context (a constructor, a field initializer, a provider factory).
 *
 * @example
 * ```ts
 * @Component({ ... })
 * export class ItemPage {
 *   private readonly client = injectApiClient();
 *   readonly item = toSignal(this.client.get<Item>('/items/42'));
 * }
 * ```
 */
export function injectApiClient(options: { injector?: Injector } = {}): ApiClient {
  return options.injector ? options.injector.get(RXSYNC_CLIENT) : inject(RXSYNC_CLIENT);
}

/**
 * An injection token for one entity store, typed by its entity; provide it with
 * `withEntityStore(token, config)` and read it with `inject(token)`.
 *
 * @example
 * ```ts
 * export const ITEMS = entityStoreToken<Item>('items');
 * provideRxsync(config, withEntityStore(ITEMS, { idKey: 'id' }));
 * const items = inject(ITEMS);
 * ```
 */
export function entityStoreToken<T>(name: string): InjectionToken<EntityStore<T>> {
  return new InjectionToken<EntityStore<T>>(`rxsync entity store: ${name}`);
}
