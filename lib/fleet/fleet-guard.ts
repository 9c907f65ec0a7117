import {
  concat,
  defer,
  distinctUntilChanged,
  filter,
  from,
  map,
  type Observable,
  of,
  race,
  ReplaySubject,
  startWith,
  Subject,
  switchMap,
  take,
  timer,
} from 'rxjs';
import type { ApiEnv } from '../core/env';
import { admit as admitBreaker, CLOSED, type BreakerState } from './circuit-breaker';
import type { ResolvedFleetConfig } from './fleet-config';
import { parseFleetSnapshot, type FleetSnapshot, type OriginSnapshot } from './fleet-state-store';
import { afterAttempt } from './fleet-outcome';
import { retriesAllowed } from './retry-budget';

/** What the app, devtools or the outbox can read about one origin. Times are scheduler ms. */
export interface OriginFleetState {
  readonly origin: string;
  readonly circuit: 'closed' | 'open' | 'half-open';
  /** When an open breaker lets its next probe through. */
  readonly nextProbeAt: number | undefined;
  /** Consecutive failed attempts while closed. */
  readonly failures: number;
  readonly tokens: number;
  readonly retriesAllowed: boolean;
  /** Retries to this origin wait until then (server pushback); 0 when not paused. */
  readonly pausedUntil: number;
}

/**
 * Fleet state, readable by the app and by the offline outbox: whether an origin takes requests now.
 *
 * @example
 * client.fleet.available$('https://api.example.com').subscribe((ok) => (ok ? outbox.resume() : outbox.pause()));
 */
export interface FleetControls {
  /** The state of one origin now. */
  state(origin: string): OriginFleetState;
  /** Every change of any origin's breaker, budget or pushback. */
  readonly changes$: Observable<OriginFleetState>;
  /**
   * True when an attempt to `origin` would be sent now: breaker closed (or open with its probe
   * due) and no pushback pause. False while open before the probe is due, while half-open, or
   * paused by `Retry-After`. Emits at once, then on every change (it turns true by itself when
   * the break or the pause ends).
   */
  available$(origin: string): Observable<boolean>;
  /** Closes the breaker, refills the budget and lifts the pause of one origin, or of all. */
  reset(origin?: string): void;
}

/** The client-internal side: what the fleet layer and the retry gate use. */
export interface FleetGuard extends FleetControls {
  readonly ready: boolean;
  /** Completes once the store has loaded, failed or timed out. */
  readonly ready$: Observable<void>;
  admit(
    origin: string,
  ): { readonly verdict: 'send' | 'probe' } | { readonly verdict: 'reject'; readonly state: 'open' | 'half-open'; readonly nextProbeAt: number | undefined };
  record(origin: string, outcome: 'success' | 'failure' | 'abandoned', probe: boolean): void;
  pushback(origin: string, retryAfterMs: number, status: number): void;
  readonly config: ResolvedFleetConfig;
}

interface OriginRecord {
  tokens: number;
  breaker: BreakerState;
  pausedUntil: number;
}

/**
 * Per-origin breaker, retry budget and pushback, shared by every request of one client. The
 * decisions are the pure functions of `circuit-breaker.ts` and `retry-budget.ts`; this keeps
 * their state, announces changes in `events$` and `changes$`, and persists them when a store is
 * configured (loaded once, bounded by `storeTimeoutMs`).
 */
export function createFleetGuard(config: ResolvedFleetConfig, env: ApiEnv): FleetGuard {
  const origins = new Map<string, OriginRecord>();
  const changes = new Subject<OriginFleetState>();
  const { scheduler } = env;
  const maxTokens = config.budget?.maxTokens ?? 0;

  const get = (origin: string): OriginRecord => {
    let record = origins.get(origin);
    if (!record) {
      record = { tokens: maxTokens, breaker: CLOSED, pausedUntil: 0 };
      origins.set(origin, record);
    }
    return record;
  };

  const view = (origin: string, record: OriginRecord | undefined): OriginFleetState => {
    const breaker = record?.breaker ?? CLOSED;
    const tokens = record?.tokens ?? maxTokens;
    return {
      origin,
      circuit: breaker.kind,
      nextProbeAt: breaker.kind === 'open' ? breaker.nextProbeAt : undefined,
      failures: breaker.kind === 'closed' ? breaker.failures : 0,
      tokens,
      retriesAllowed: config.budget ? retriesAllowed(tokens, config.budget) : true,
      pausedUntil: record?.pausedUntil ?? 0,
    };
  };

  // Persistence: a chain of saves, so a slow write never lands after a newer one.
  let saving: Promise<void> = Promise.resolve();
  const persist = (): void => {
    const store = config.store;
    if (!store) return;
    const snapshot = toSnapshot();
    saving = saving.then(() =>
      store.save(snapshot).catch((error: unknown) => env.emit({ type: 'fleet-store-error', operation: 'save', detail: describe(error) })),
    );
  };
  const toSnapshot = (): FleetSnapshot => {
    const now = scheduler.now();
    const entries: Record<string, OriginSnapshot> = {};
    for (const [origin, r] of origins) {
      // A probe in flight when the app dies: the restarted app may probe again at once.
      const breaker: BreakerState = r.breaker.kind === 'half-open' ? { kind: 'open', opens: r.breaker.opens, nextProbeAt: now } : r.breaker;
      entries[origin] = { tokens: r.tokens, breaker, pausedUntil: r.pausedUntil };
    }
    return { version: 1, origins: entries };
  };

  const changed = (origin: string, record: OriginRecord, before: OriginFleetState): void => {
    const after = view(origin, record);
    if (after.circuit !== before.circuit) {
      env.emit({ type: 'circuit-state', origin, state: after.circuit, nextProbeAt: after.nextProbeAt });
    }
    if (after.retriesAllowed !== before.retriesAllowed) {
      env.emit({ type: 'retry-budget', origin, tokens: after.tokens, retriesAllowed: after.retriesAllowed });
    }
    const notable = after.circuit !== before.circuit || after.retriesAllowed !== before.retriesAllowed || after.pausedUntil !== before.pausedUntil;
    if (after.tokens !== before.tokens || after.failures !== before.failures || notable) changes.next(after);
    if (notable) persist();
  };

  let ready = config.store === undefined;
  const ready$ = new ReplaySubject<void>(1);
  const markReady = (): void => {
    ready = true;
    ready$.next();
    ready$.complete();
  };
  if (config.store) {
    const store = config.store;
    race(defer(() => from(store.load())).pipe(map((value) => ({ value }))), timer(config.storeTimeoutMs, scheduler).pipe(map(() => undefined)))
      .pipe(take(1))
      .subscribe({
        next: (loaded) => {
          if (loaded === undefined) env.emit({ type: 'fleet-store-error', operation: 'load', detail: `no answer within ${config.storeTimeoutMs} ms` });
          else restore(parseFleetSnapshot(loaded.value));
          markReady();
        },
        error: (error: unknown) => {
          env.emit({ type: 'fleet-store-error', operation: 'load', detail: describe(error) });
          markReady();
        },
      });
  } else {
    markReady();
  }

  function restore(snapshot: FleetSnapshot | undefined): void {
    if (!snapshot) return;
    for (const [origin, stored] of Object.entries(snapshot.origins)) {
      if (origins.has(origin)) continue; // this run already knows better
      const record: OriginRecord = {
        tokens: Math.min(maxTokens, Math.max(0, stored.tokens)),
        breaker: config.breaker ? stored.breaker : CLOSED,
        pausedUntil: config.pushback ? stored.pausedUntil : 0,
      };
      origins.set(origin, record);
      changed(origin, record, view(origin, undefined));
    }
  }

  const state = (origin: string): OriginFleetState => view(origin, origins.get(origin));

  const available = (s: OriginFleetState): Observable<boolean> => {
    if (s.circuit === 'half-open') return of(false);
    const until = Math.max(s.circuit === 'open' ? (s.nextProbeAt ?? 0) : 0, s.pausedUntil);
    const wait = until - scheduler.now();
    return wait > 0 ? concat(of(false), timer(wait, scheduler).pipe(map(() => true))) : of(true);
  };

  return {
    config,
    get ready() {
      return ready;
    },
    ready$: ready$.asObservable(),
    state,
    changes$: changes.asObservable(),
    available$: (origin) =>
      defer(() =>
        changes.pipe(
          filter((s) => s.origin === origin),
          startWith(state(origin)),
          switchMap(available),
          distinctUntilChanged(),
        ),
      ),
    reset: (origin) => {
      const targets = origin === undefined ? [...origins.keys()] : [origin];
      for (const o of targets) {
        const record = origins.get(o);
        if (!record) continue;
        const before = view(o, record);
        record.breaker = CLOSED;
        record.tokens = maxTokens;
        record.pausedUntil = 0;
        changed(o, record, before);
      }
    },
    admit: (origin) => {
      if (!config.breaker) return SEND;
      const record = get(origin);
      if (record.breaker.kind === 'closed') return SEND; // the hot path: no allocation
      const before = view(origin, record);
      const admission = admitBreaker(record.breaker, scheduler.now());
      record.breaker = admission.state;
      changed(origin, record, before);
      if (admission.verdict === 'reject')
        return { verdict: 'reject', state: admission.state.kind === 'half-open' ? 'half-open' : 'open', nextProbeAt: admission.nextProbeAt };
      return admission.verdict === 'probe' ? PROBE : SEND;
    },
    record: (origin, outcome, probe) => {
      const record = get(origin);
      // Nothing changes: a success on a closed breaker with a full bucket (the hot path).
      if (outcome !== 'failure' && !probe && record.breaker.kind === 'closed' && record.breaker.failures === 0 && record.tokens >= maxTokens) return;
      const before = view(origin, record);
      // Budget and breaker together, by the rules of afterAttempt (an empty bucket opens the
      // breaker; the probe that closes it refills the bucket).
      const after = afterAttempt(record, outcome, probe, scheduler.now(), config, env.random);
      record.tokens = after.tokens;
      record.breaker = after.breaker;
      changed(origin, record, before);
    },
    pushback: (origin, retryAfterMs, status) => {
      if (!config.pushback) return;
      const record = get(origin);
      const until = scheduler.now() + retryAfterMs;
      if (until <= record.pausedUntil) return;
      const before = view(origin, record);
      record.pausedUntil = until;
      env.emit({ type: 'pushback', origin, status, pausedUntil: until });
      changed(origin, record, before);
    },
  };
}

const SEND = /* @__PURE__ */ Object.freeze({ verdict: 'send' as const });
const PROBE = /* @__PURE__ */ Object.freeze({ verdict: 'probe' as const });

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
