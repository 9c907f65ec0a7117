import { ɵɵdefineInjector, ɵɵdefineNgModule, type ModuleWithProviders } from '@angular/core';
import type { RxsyncFeature } from './features';
import { rxsyncProviders, type RxsyncConfigInput } from './provide-rxsync';

/**
 * For NgModule apps: `RxsyncModule.forRoot(config, ...features)` in the root module's imports
 * gives what `provideRxsync` gives a standalone app.
 *
 * @example
 * ```ts
 * @NgModule({
 *   imports: [BrowserModule, RxsyncModule.forRoot({ baseUrl: '/api' }, withAngularHttp())],
 *   providers: [provideHttpClient()],
 *   bootstrap: [AppComponent],
 * })
 * export class AppModule {}
 * ```
 */
export class RxsyncModule {
  static forRoot(config: RxsyncConfigInput, ...features: RxsyncFeature[]): ModuleWithProviders<RxsyncModule> {
    return { ngModule: RxsyncModule, providers: rxsyncProviders(config, features) };
  }

  // Written as the Angular compiler writes them (no decorator), so the module works in AOT apps
  // without the JIT compiler and without running this package through the Angular linker.
  static ɵmod = ɵɵdefineNgModule({ type: RxsyncModule });
  static ɵinj = ɵɵdefineInjector({});
}
