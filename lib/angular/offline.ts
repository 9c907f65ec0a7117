import { InjectionToken, inject, type Signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { combineLatest, map, type Observable } from 'rxjs';
import type { ApiClientConfig } from '../client-config';
import type { ConnectivitySource } from '../offline/connectivity-source';
import type { OfflineConfig } from '../offline/offline-config';
import { browserConnectivity } from '../offline/connectivity-source';
import { configStep, rxsyncFeature, type RxsyncFeature } from './features';
import { RXSYNC_CLIENT } from './tokens';
import { injectorFor, type SignalHelperOptions } from './signals';

/** Connectivity hints other features add (Capacitor's Network plugin); multi token. */
export const RXSYNC_CONNECTIVITY_SOURCES = new InjectionToken<readonly ConnectivitySource[]>('RXSYNC_CONNECTIVITY_SOURCES');
/** App-resume signals other features add (Capacitor's App plugin); multi token. */
export const RXSYNC_RESUME_SIGNALS = new InjectionToken<ReadonlyArray<Observable<unknown>>>('RXSYNC_RESUME_SIGNALS');

/**
 * Turns on rxsync's offline support: connectivity, paused retries, the persistent outbox
 * (`client.post(url, body, { offline: 'queue' })`). Hints from other features (`withCapacitor`)
 * join the browser's; without `sources` the browser's hint is used, as in `createApiClient`.
 *
 * @example
 * ```ts
 * provideRxsync({ baseUrl: '/api' }, withOffline({ outbox: { storage: localforageOutboxStorage() } }));
 * ```
 */
export function withOffline(config: OfflineConfig = {}): RxsyncFeature<'offline'> {
  return rxsyncFeature('offline', [
    configStep((client: ApiClientConfig): ApiClientConfig => {
      const extra = inject(RXSYNC_CONNECTIVITY_SOURCES, { optional: true }) ?? [];
      const resumes = inject(RXSYNC_RESUME_SIGNALS, { optional: true }) ?? [];
      const own = config.sources ?? [browserConnectivity()].filter((s): s is ConnectivitySource => s !== undefined);
      const sources = [...own, ...extra];
      const resume$ = config.resume$ ?? resumes[0];
      return { ...client, offline: { ...config, sources, ...(resume$ ? { resume$ } : {}) } };
    }),
  ]);
}

/**
 * `client.online$` as a signal: the client's belief (hints and request outcomes), for an offline banner.
 *
 * @example
 * readonly online = injectOnline();   // @if (!online()) { <ion-note>offline</ion-note> }
 */
export function injectOnline(options: SignalHelperOptions = {}): Signal<boolean> {
  const injector = injectorFor(options, injectOnline);
  return toSignal(injector.get(RXSYNC_CLIENT).online$, { initialValue: true, injector });
}

/** What an outbox badge shows. */
export interface OutboxState {
  /** Queued, sending or retrying. */
  readonly pending: number;
  /** Dead letters waiting for the user (retry or discard). */
  readonly dead: number;
}

/**
 * The outbox as a signal `{ pending, dead }`, for a badge.
 *
 * @example
 * readonly outbox = injectOutboxState();   // <span class="badge">{{ outbox().pending }}</span>
 */
export function injectOutboxState(options: SignalHelperOptions = {}): Signal<OutboxState> {
  const injector = injectorFor(options, injectOutboxState);
  const { outbox } = injector.get(RXSYNC_CLIENT);
  const state$ = combineLatest([outbox.pending$, outbox.deadLetters$]).pipe(map(([pending, dead]): OutboxState => ({ pending, dead: dead.length })));
  return toSignal(state$, { initialValue: { pending: 0, dead: 0 }, injector });
}
