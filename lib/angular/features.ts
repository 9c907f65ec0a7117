import { HttpBackend, HttpHandler } from '@angular/common/http';
import { inject, type InjectionToken, type Provider } from '@angular/core';
import type { ApiClientConfig } from '../client-config';
import { createEntityStore, type EntityStore, type EntityStoreConfig } from '../store/entity-store';
import { angularHttpTransport } from './angular-http.transport';
import { RXSYNC_CONFIG_STEPS, type RxsyncConfigStep } from './tokens';

/** The kinds of `withX()` features `provideRxsync` takes (each at most once, except entity stores). */
export type RxsyncFeatureKind = 'angular-http' | 'entity-store' | 'config' | 'offline' | 'capacitor';

/** What a `withX()` function returns: providers, tagged so `provideRxsync` can check the combination. */
export interface RxsyncFeature<K extends RxsyncFeatureKind = RxsyncFeatureKind> {
  readonly ɵkind: K;
  readonly ɵproviders: readonly Provider[];
}

/** Builds a feature; exported so other `withX()` functions (yours too) share the shape. */
export function rxsyncFeature<K extends RxsyncFeatureKind>(kind: K, providers: readonly Provider[]): RxsyncFeature<K> {
  return { ɵkind: kind, ɵproviders: providers };
}

/** A feature that changes the client config; the step runs in an injection context. */
export function configStep(step: RxsyncConfigStep): Provider {
  return { provide: RXSYNC_CONFIG_STEPS, multi: true, useFactory: () => step };
}

/** Options of {@link withAngularHttp}. */
export interface AngularHttpOptions {
  /**
   * `'interceptors'` (default): requests pass the app's `HttpClient` interceptors (`HttpHandler`),
   * so its logging, headers and `HttpTestingController` all apply. `'backend'`: straight to
   * `HttpBackend`, skipping them (what an app whose interceptors already add auth wants).
   */
  readonly via?: 'interceptors' | 'backend';
}

/**
 * Sends rxsync's requests through Angular's HTTP stack instead of `fetch`. Needs
 * `provideHttpClient(...)` in the same injector. rxsync's own layers still run above it (cache,
 * auth, retry); do not also register `rxsyncInterceptor` for the same API, or they run twice.
 *
 * @example
 * ```ts
 * bootstrapApplication(App, {
 *   providers: [provideHttpClient(withInterceptors([logging])), provideRxsync({ baseUrl: '/api' }, withAngularHttp())],
 * });
 * // in tests: provideHttpClient(), provideHttpClientTesting(), then HttpTestingController.expectOne('/api/items')
 * ```
 */
export function withAngularHttp(options: AngularHttpOptions = {}): RxsyncFeature<'angular-http'> {
  return rxsyncFeature('angular-http', [
    configStep((config: ApiClientConfig): ApiClientConfig => {
      const handler = options.via === 'backend' ? inject(HttpBackend) : inject(HttpHandler);
      return { ...config, createTransport: (env) => angularHttpTransport((req) => handler.handle(req), env) };
    }),
  ]);
}

/**
 * Provides one entity store under its token (see `entityStoreToken`), created once per injector.
 *
 * @example
 * ```ts
 * export const ITEMS = entityStoreToken<Item>('items');
 * provideRxsync({ baseUrl: '/api' }, withEntityStore(ITEMS, { idKey: 'id' }));
 * ```
 */
export function withEntityStore<T>(token: InjectionToken<EntityStore<T>>, config: EntityStoreConfig<T>): RxsyncFeature<'entity-store'> {
  return rxsyncFeature('entity-store', [{ provide: token, useFactory: () => createEntityStore<T>(config) }]);
}

/**
 * Changes the client config from an injection context: take settings from another service, add
 * layers that `inject()` something.
 *
 * @example
 * ```ts
 * provideRxsync({ baseUrl: '/api' }, withConfig((config) => ({ ...config, headers: { 'accept-language': inject(LOCALE_ID) } })));
 * ```
 */
export function withConfig(step: RxsyncConfigStep): RxsyncFeature<'config'> {
  return rxsyncFeature('config', [configStep(step)]);
}
