import { BehaviorSubject, Observable, Subject, Subscription, distinctUntilChanged, map, timer } from 'rxjs';
import type { ApiEnv } from '../core/env';
import { HttpError, NetworkError, OfflineError, TimeoutError } from '../core/errors';
import type { ConnectivitySource } from './connectivity-source';

/**
 * How the client decides it is offline. Defaults, as a table:
 *
 * | field             | default            | why                                                               |
 * | ----------------- | ------------------ | ----------------------------------------------------------------- |
 * | sources           | the browser's hint | `[]` in Node: only request outcomes count                         |
 * | unreachableAfter  | 2                  | one refused connection is a blip; two in a row is a pattern       |
 * | recheckDelayMs    | 5000, doubling     | after "unreachable", let one request (or the probe) try again     |
 * | maxRecheckDelayMs | 60000              | a long outage is rechecked once a minute                          |
 * | probe             | none               | without one, the next request (or queued send) is the probe       |
 */
export interface ConnectivityConfig {
  /** Platform hints (browser, Capacitor, manual). All must say online for the client to be online. */
  readonly sources?: readonly ConnectivitySource[];
  /** Consecutive not-sent network errors or timeouts that mark the API unreachable. */
  readonly unreachableAfter?: number;
  /** `Infinity`: no timer; only the next request's outcome (or a hint) changes the belief. */
  readonly recheckDelayMs?: number;
  readonly maxRecheckDelayMs?: number;
  /**
   * A cheap request (e.g. `HEAD /health`) run when a recheck is due or a "back online" hint
   * arrives while the API was unreachable. Any HTTP answer (even 404) means reachable.
   */
  readonly probe?: () => Observable<unknown>;
}

/** Why the client believes what it believes, for devtools and the demo. */
export interface ConnectivityState {
  readonly online: boolean;
  /** Every hint says there is a network. */
  readonly hinted: boolean;
  /** The API answered lately, or has not failed enough to be declared unreachable. */
  readonly reachable: boolean;
}

/** The client's belief about connectivity (README: "Connectivity: `client.online$`"; settings in {@link ConnectivityConfig}). */
export interface Connectivity {
  /** `true` / `false`, distinct, replayed to late subscribers. */
  readonly online$: Observable<boolean>;
  readonly state$: Observable<ConnectivityState>;
  isOnline(): boolean;
  /** Completes (after one emission) the next time the client is online; at once when it is. */
  whenOnline(): Observable<void>;
  /** Evidence: an HTTP response of any status arrived. */
  recordResponse(): void;
  /** Evidence: a request failed; only not-sent network errors and timeouts count. */
  recordFailure(error: unknown): void;
  /** The typed error a request gets when it is not sent because of this belief. */
  offlineError(req: { method: string; url: string }): OfflineError;
  /** When the API looked unreachable, rechecks now (app resume): the probe, or the next request. */
  recheck(): void;
  close(): void;
}

/**
 * The client's belief about connectivity: online when every hint says so *and* the API is
 * reachable. Hints come from the sources; reachability from the client's own requests
 * (`recordResponse` / `recordFailure`, fed by the attempt-level evidence layer):
 * `unreachableAfter` consecutive not-sent failures or timeouts mark the API unreachable, any HTTP
 * response marks it reachable again.
 *
 * Never stuck offline on evidence alone: once unreachable, a recheck is scheduled on
 * `env.scheduler` (5 s, doubling to 60 s). It runs the probe if there is one; otherwise the belief
 * turns back to online, "unconfirmed", and the next request decides (one more failure and it is
 * unreachable again). A "back online" hint while unreachable rechecks at once, the same way: one
 * probe or one request, not a stampede. While the belief is online but unconfirmed (after such a
 * recheck, or any "back online" hint), `whenOnline()` lets one waiter through (the scout); the
 * others (paused retries, reads waiting for connectivity) follow the first HTTP answer.
 *
 * ```
 * hint:       t----------f------t--------
 * evidence:   --x-x---r-------------------   (x: not-sent failure, r: response)
 * online$:    t---f---t--f------t--------
 * ```
 *
 * @example
 * const connectivity = createConnectivity({ sources: [manual.source] }, env);
 * connectivity.online$.subscribe((online) => banner.toggle(!online));
 */
export function createConnectivity(config: ConnectivityConfig, env: ApiEnv): Connectivity {
  const threshold = Math.max(1, config.unreachableAfter ?? 2);
  const baseRecheck = config.recheckDelayMs ?? 5000;
  const maxRecheck = config.maxRecheckDelayMs ?? 60_000;
  const sources = config.sources ?? [];
  const hints = sources.map(() => true);
  let reachable = true;
  let unconfirmed = false;
  let failures = 0;
  let recheckDelay = baseRecheck;
  let recheckTimer: Subscription | undefined;
  let probing: Subscription | undefined;
  /**
   * While online but unconfirmed (a hint just said "back", or a recheck without probe), only one
   * waiter of `whenOnline()` goes: its request is the evidence. The others follow an HTTP answer,
   * or stay parked when it fails. A scout that never tells (cancelled before sending) frees the
   * turn after `recheckDelayMs`.
   */
  let scout: Subscription | undefined;
  const turns = new Subject<void>();
  const freeScout = (): void => {
    scout?.unsubscribe();
    scout = undefined;
  };

  const state = new BehaviorSubject<ConnectivityState>({ online: true, hinted: true, reachable: true });
  const publish = (): void => {
    const hinted = hints.every(Boolean);
    const next = { online: hinted && reachable, hinted, reachable };
    const current = state.value;
    if (current.online !== next.online || current.hinted !== next.hinted || current.reachable !== next.reachable) state.next(next);
    turns.next();
  };

  const markReachable = (): void => {
    // Runs for every HTTP answer: the usual case (reachable, confirmed, no timer) does nothing else.
    failures = 0;
    const confirming = unconfirmed;
    unconfirmed = false;
    freeScout();
    recheckDelay = baseRecheck;
    recheckTimer?.unsubscribe();
    recheckTimer = undefined;
    if (!reachable) {
      reachable = true;
      publish();
    } else if (confirming) turns.next(); // confirmed: the parked waiters go
  };

  const markUnreachable = (): void => {
    const wasReachable = reachable;
    reachable = false;
    unconfirmed = false;
    freeScout();
    if (wasReachable) publish();
    scheduleRecheck();
  };

  const scheduleRecheck = (): void => {
    recheckTimer?.unsubscribe();
    // Nothing waits on the belief (no gate, no paused retry): the next request will tell.
    if (config.recheckDelayMs === Infinity) return;
    const delay = recheckDelay;
    recheckDelay = Math.min(maxRecheck, recheckDelay * 2);
    recheckTimer = timer(delay, env.scheduler).subscribe(() => runRecheck());
  };

  const runRecheck = (): void => {
    // Called by a hint or resume as well as by the timer: a pending timer must not fire a second recheck later.
    recheckTimer?.unsubscribe();
    recheckTimer = undefined;
    if (reachable) return;
    if (config.probe === undefined) {
      // The next request is the probe: online again, but one more failure is enough to go back.
      reachable = true;
      unconfirmed = true;
      failures = 0;
      publish();
      return;
    }
    if (probing !== undefined && !probing.closed) return;
    probing = config.probe().subscribe({
      next: () => markReachable(),
      complete: () => markReachable(),
      error: (error: unknown) => {
        if (error instanceof HttpError) markReachable();
        else scheduleRecheck();
      },
    });
  };

  const hintSubscription = new Subscription();
  sources.forEach((source, index) =>
    hintSubscription.add(
      source.pipe(distinctUntilChanged()).subscribe({
        next: (online) => {
          const cameBack = online && !hints[index];
          hints[index] = online;
          // A hint is not proof (captive portals, a resume's spurious events): the first request tells.
          if (cameBack && reachable) unconfirmed = true;
          publish();
          // "Back online" while the API looked unreachable: one recheck now, not a stampede later.
          if (cameBack && !reachable) {
            recheckDelay = baseRecheck;
            runRecheck();
          }
        },
        // A broken source stops hinting; evidence still counts.
        error: () => undefined,
      }),
    ),
  );

  const online$ = state.pipe(
    map((s) => s.online),
    distinctUntilChanged(),
  );

  return {
    online$,
    state$: state.asObservable(),
    isOnline: () => state.value.online,
    whenOnline: () =>
      new Observable<void>((subscriber) => {
        const pass = (): boolean => {
          if (!state.value.online) return false;
          if (unconfirmed) {
            if (scout !== undefined) return false;
            scout = timer(baseRecheck === Infinity ? 5000 : baseRecheck, env.scheduler).subscribe(() => {
              scout = undefined;
              turns.next();
            });
          }
          subscriber.next();
          subscriber.complete();
          return true;
        };
        if (pass()) return undefined;
        const waiting = turns.subscribe(() => {
          if (pass()) waiting.unsubscribe();
        });
        return waiting;
      }),
    recordResponse: markReachable,
    recordFailure(error) {
      const counts = (error instanceof NetworkError && error.outcome === 'not-sent' && !(error instanceof OfflineError)) || error instanceof TimeoutError;
      if (!counts) return;
      failures++;
      if (reachable && (unconfirmed || failures >= threshold)) markUnreachable();
    },
    offlineError: (req) => new OfflineError(req as { method: 'GET'; url: string }, state.value.hinted ? 'unreachable' : 'offline'),
    recheck() {
      if (!reachable) {
        recheckDelay = baseRecheck;
        runRecheck();
      }
    },
    close() {
      hintSubscription.unsubscribe();
      recheckTimer?.unsubscribe();
      probing?.unsubscribe();
      freeScout();
      turns.complete();
      state.complete();
    },
  };
}
