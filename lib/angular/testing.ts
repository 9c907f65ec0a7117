import { InjectionToken, makeEnvironmentProviders, type EnvironmentProviders } from '@angular/core';
import type { SchedulerLike } from 'rxjs';
import type { ApiClientConfig } from '../client-config';
import { createMockBackend, type MockBackend } from '../testing/mock-backend';
import type { RxsyncFeature } from './features';
import { provideRxsync } from './provide-rxsync';

/** The mock backend `provideRxsyncTesting` answers requests with; `inject` it in your test. */
export const RXSYNC_MOCK_BACKEND = new InjectionToken<MockBackend>('RXSYNC_MOCK_BACKEND');

/** Options of {@link provideRxsyncTesting}. */
export interface RxsyncTestingOptions {
  /** Base URL of the client under test (default `https://api.test`). */
  readonly baseUrl?: string;
  /** A `TestScheduler` or `VirtualTimeScheduler` to run retries and timeouts in virtual time. */
  readonly scheduler?: SchedulerLike;
  /** Anything else of the client config: `cache` and `retry` default to off in tests. */
  readonly config?: Partial<ApiClientConfig>;
}

/**
 * A client for component and service tests: requests go to `rxsync/testing`'s mock backend
 * (`inject(RXSYNC_MOCK_BACKEND).expectOne('GET /items').flush([...])`), cache and retry are off
 * unless you turn them on, features (`withEntityStore`, …) work as in the app. It lives in
 * `rxsync/angular` so that `rxsync/testing` stays free of Angular. To keep `HttpTestingController`
 * instead, use `provideRxsync(config, withAngularHttp())` with `provideHttpClientTesting()`.
 *
 * @example
 * ```ts
 * TestBed.configureTestingModule({ providers: [provideRxsyncTesting({}, withEntityStore(ITEMS, { idKey: 'id' }))] });
 * const backend = TestBed.inject(RXSYNC_MOCK_BACKEND);
 * TestBed.inject(ItemsService).load();
 * backend.expectOne('GET /items').flush([{ id: 1, name: 'one' }]);
 * backend.verify();
 * ```
 */
export function provideRxsyncTesting(options: RxsyncTestingOptions = {}, ...features: RxsyncFeature[]): EnvironmentProviders {
  const backend = createMockBackend();
  return makeEnvironmentProviders([
    provideRxsync(
      {
        baseUrl: options.baseUrl ?? 'https://api.test',
        cache: false,
        retry: false,
        ...options.config,
        ...(options.scheduler ? { scheduler: options.scheduler } : {}),
        transport: backend.handler,
      },
      ...features,
    ),
    { provide: RXSYNC_MOCK_BACKEND, useValue: backend },
  ]);
}
