/**
 * rxsync/angular: providers, the `HttpClient` bridges and signal helpers for Angular 21 and
 * Ionic apps. `@angular/core` and `@angular/common` are optional peer dependencies of rxsync:
 * nothing here is pulled into the `rxsync` entry point.
 *
 * @packageDocumentation
 */

// Providers
export { provideRxsync, rxsyncProviders } from './provide-rxsync';
export type { RxsyncConfigInput } from './provide-rxsync';
export { RxsyncModule } from './rxsync.module';
export { withAngularHttp, withConfig, withEntityStore, rxsyncFeature, configStep } from './features';
export type { AngularHttpOptions, RxsyncFeature, RxsyncFeatureKind } from './features';

// Injection
export { RXSYNC_CLIENT, RXSYNC_CONFIG, RXSYNC_CONFIG_STEPS, RXSYNC_CLIENT_INITIALIZERS, entityStoreToken, injectApiClient } from './tokens';
export type { RxsyncConfigStep } from './tokens';

// HttpClient bridges
export { angularHttpTransport } from './angular-http.transport';
export type { AngularHttpSend } from './angular-http.transport';
export { RXSYNC, rxsyncInterceptor, withRxsync } from './rxsync.interceptor';
export type { RxsyncHttpOptions } from './rxsync.interceptor';

// Signals
export { entitiesSignal, entitySignal, querySignal, syncSignal } from './signals';
export type { SignalHelperOptions } from './signals';

// Offline, queries, Ionic / Capacitor
export { injectOnline, injectOutboxState, withOffline, RXSYNC_CONNECTIVITY_SOURCES, RXSYNC_RESUME_SIGNALS } from './offline';
export type { OutboxState } from './offline';
export { injectQuery, RXSYNC_QUERIES } from './queries';
export type { LiveQuery, QueryRegistry, QuerySignal } from './queries';
export { capacitorAppResume, capacitorNetworkSource, catchUpOnResume, withCapacitor } from './capacitor';
export type { AppPluginLike, CapacitorOptions, NetworkPluginLike, PluginListenerHandleLike, ResumeConfig } from './capacitor';

// Testing your components and services
export { provideRxsyncTesting, RXSYNC_MOCK_BACKEND } from './testing';
export type { RxsyncTestingOptions } from './testing';
