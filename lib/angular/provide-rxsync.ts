import { inject, makeEnvironmentProviders, provideEnvironmentInitializer, type EnvironmentProviders, type Provider } from '@angular/core';
import { createApiClient } from '../client';
import type { Handler } from '../core/layer';
import { fetchTransport } from '../transport/fetch.transport';
import { angularHttpTransport } from './angular-http.transport';
import { ANGULAR_NEXT } from './rxsync.interceptor';
import type { ApiClientConfig } from '../client-config';
import type { RxsyncFeature, RxsyncFeatureKind } from './features';
import { RXSYNC_CLIENT, RXSYNC_CLIENT_INITIALIZERS, RXSYNC_CONFIG, RXSYNC_CONFIG_STEPS } from './tokens';

/** The config, or a factory run in an injection context (so it may `inject()` settings). */
export type RxsyncConfigInput = ApiClientConfig | (() => ApiClientConfig);

/** Features that make sense once per injector; entity stores and config steps may repeat. */
const SINGLE_KINDS: ReadonlySet<RxsyncFeatureKind> = new Set(['angular-http', 'offline', 'capacitor']);

/**
 * Provides one rxsync client (and the features' stores and listeners) to an environment
 * injector: the application's, a lazy route's, or a test's.
 *
 * The config may be a factory, run in an injection context. Features (`withAngularHttp()`,
 * `withEntityStore()`, `withConfig()`, `withOffline()`, `withCapacitor()`) each add their part; their
 * config changes apply in the order listed.
 *
 * @example
 * ```ts
 * bootstrapApplication(App, {
 *   providers: [
 *     provideZonelessChangeDetection(),
 *     provideHttpClient(),
 *     provideRxsync({ baseUrl: 'https://api.example.com', cache: { store: 'localforage' } },
 *       withAngularHttp(), withEntityStore(ITEMS, { idKey: 'id' })),
 *   ],
 * });
 * ```
 */
export function provideRxsync(config: RxsyncConfigInput, ...features: RxsyncFeature[]): EnvironmentProviders {
  const seen = new Set<RxsyncFeatureKind>();
  for (const feature of features) {
    if (SINGLE_KINDS.has(feature.ɵkind) && seen.has(feature.ɵkind)) {
      throw new Error(`RXSYNC-2001: provideRxsync got the '${feature.ɵkind}' feature twice; pass it once`);
    }
    seen.add(feature.ɵkind);
  }
  return makeEnvironmentProviders(rxsyncProviders(config, features));
}

/** The providers behind `provideRxsync` and `RxsyncModule.forRoot`. */
export function rxsyncProviders(config: RxsyncConfigInput, features: readonly RxsyncFeature[]): Array<Provider | EnvironmentProviders> {
  return [
    {
      provide: RXSYNC_CONFIG,
      useFactory: (): ApiClientConfig => {
        let resolved = typeof config === 'function' ? config() : config;
        for (const step of inject(RXSYNC_CONFIG_STEPS, { optional: true }) ?? []) resolved = step(resolved);
        return withInterceptorRouting(resolved);
      },
    },
    { provide: RXSYNC_CLIENT, useFactory: () => createApiClient(inject(RXSYNC_CONFIG)) },
    ...features.flatMap((feature) => feature.ɵproviders),
    // Created eagerly only when a feature has something to start (connectivity, resume).
    provideEnvironmentInitializer(() => {
      const initializers = inject(RXSYNC_CLIENT_INITIALIZERS, { optional: true });
      if (!initializers?.length) return;
      const client = inject(RXSYNC_CLIENT);
      for (const start of initializers) start(client);
    }),
  ];
}

/**
 * Requests that came in through `rxsyncInterceptor` carry Angular's `next` handler: they leave
 * through it (the rest of Angular's chain), everything else through the configured transport.
 */
function withInterceptorRouting(config: ApiClientConfig): ApiClientConfig {
  const { transport, createTransport } = config;
  return {
    ...config,
    transport: undefined,
    createTransport: (env) => {
      const own: Handler =
        transport ?? createTransport?.(env) ?? fetchTransport({ ...env, random: Math.random }, { fetch: config.fetch, timeoutMs: config.timeoutMs });
      return (req) => {
        const next = req.context.get(ANGULAR_NEXT);
        return next ? angularHttpTransport(next, env)(req) : own(req);
      };
    },
  };
}
