import { DestroyRef, inject } from '@angular/core';
import { EMPTY, Observable, asyncScheduler, catchError, concatMap, from, mergeMap, of, take, timeout, timer, type SchedulerLike } from 'rxjs';
import type { ApiClient } from '../client';
import { capacitorAppResume, capacitorNetworkSource, type AppPluginLike, type NetworkPluginLike } from '../offline/capacitor-sources';
// The plugins' Observables live in the core (no Angular needed); re-exported here for existing imports.
export { capacitorAppResume, capacitorNetworkSource } from '../offline/capacitor-sources';
export type { AppPluginLike, NetworkPluginLike, PluginListenerHandleLike } from '../offline/capacitor-sources';
import { rxsyncFeature, type RxsyncFeature } from './features';
import { RXSYNC_CONNECTIVITY_SOURCES, RXSYNC_RESUME_SIGNALS } from './offline';
import { RXSYNC_QUERIES, type QueryRegistry } from './queries';
import { RXSYNC_CLIENT_INITIALIZERS, RXSYNC_CONFIG } from './tokens';

/** How the app catches up after a resume. Defaults, as a table:
 * | field          | default | why                                                             |
 * | -------------- | ------- | --------------------------------------------------------------- |
 * | flushTimeoutMs | 10 000  | revalidation waits for the outbox, but never forever (offline)  |
 * | staleAfterMs   | 30 000  | a query updated this recently is left alone                     |
 * | jitterMs       | 1 000   | a fleet of phones unlocking at 9:00 does not hit the API at once |
 * | concurrency    | 2       | a resume never opens more than two revalidations at a time      |
 */
export interface ResumeConfig {
  readonly flushTimeoutMs?: number;
  readonly staleAfterMs?: number;
  readonly jitterMs?: number;
  readonly concurrency?: number;
  /** Random source for the jitter (default `Math.random`). */
  readonly random?: () => number;
}

/** Options of {@link withCapacitor}: pass the plugins you use. */
export interface CapacitorOptions {
  /** `Network` from `@capacitor/network`: a connectivity hint. */
  readonly network?: NetworkPluginLike;
  /** `App` from `@capacitor/app`: on `resume`, flush the outbox, then revalidate stale queries. */
  readonly app?: AppPluginLike;
  readonly resume?: ResumeConfig;
}

/**
 * Ionic / Capacitor: `Network` as a connectivity hint, and on `App` resume the outbox is flushed
 * first (so reads see the user's own writes), then the live queries (`injectQuery`) that are stale
 * or older than `staleAfterMs` are revalidated, each after a random jitter, a few at a time.
 * Use with `withOffline()`.
 *
 * @example
 * ```ts
 * import { App } from '@capacitor/app';
 * import { Network } from '@capacitor/network';
 * provideRxsync(config, withOffline(), withCapacitor({ network: Network, app: App }));
 * ```
 */
export function withCapacitor(options: CapacitorOptions): RxsyncFeature<'capacitor'> {
  const resume$ = options.app ? capacitorAppResume(options.app) : undefined;
  return rxsyncFeature('capacitor', [
    ...(options.network ? [{ provide: RXSYNC_CONNECTIVITY_SOURCES, multi: true, useFactory: () => capacitorNetworkSource(options.network!) }] : []),
    ...(resume$
      ? [
          { provide: RXSYNC_RESUME_SIGNALS, multi: true, useValue: resume$ },
          {
            provide: RXSYNC_CLIENT_INITIALIZERS,
            multi: true,
            useFactory: () => (client: ApiClient) => {
              const scheduler = inject(RXSYNC_CONFIG).scheduler ?? asyncScheduler;
              const subscription = catchUpOnResume(resume$, client, inject(RXSYNC_QUERIES), scheduler, options.resume).subscribe();
              inject(DestroyRef).onDestroy(() => subscription.unsubscribe());
            },
          },
        ]
      : []),
  ]);
}

/**
 * Each resume: drain the outbox and wait until it is idle (bounded by `flushTimeoutMs`), then
 * revalidate the stale live queries with jitter and bounded concurrency. A resume during a
 * catch-up waits for it (`concatMap`), so two quick resumes never double the load.
 */
export function catchUpOnResume(
  resume$: Observable<unknown>,
  client: ApiClient,
  queries: QueryRegistry,
  scheduler: SchedulerLike,
  config: ResumeConfig = {},
): Observable<unknown> {
  const flushTimeoutMs = config.flushTimeoutMs ?? 10_000;
  const staleAfterMs = config.staleAfterMs ?? 30_000;
  const jitterMs = config.jitterMs ?? 1_000;
  const concurrency = config.concurrency ?? 2;
  const random = config.random ?? Math.random;
  return resume$.pipe(
    concatMap(() => {
      client.outbox.drain();
      const flushed$ = client.outbox.whenIdle().pipe(
        take(1),
        timeout({ first: flushTimeoutMs, scheduler, with: () => of(undefined) }),
        catchError(() => of(undefined)),
      );
      return flushed$.pipe(
        concatMap(() => {
          const now = scheduler.now();
          const due = queries.all().filter((q) => q.isStale() || (q.lastUpdate() ?? -Infinity) <= now - staleAfterMs);
          return from(due).pipe(
            mergeMap(
              (q) =>
                timer(Math.floor(random() * jitterMs), scheduler).pipe(
                  concatMap(() => q.revalidate()),
                  catchError(() => EMPTY),
                ),
              concurrency,
            ),
          );
        }),
      );
    }),
  );
}
