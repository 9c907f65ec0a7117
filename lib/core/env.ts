import { asyncScheduler, Subject, type Observable, type SchedulerLike } from 'rxjs';
import type { ClientEvent, EmitEvent } from './events';

/**
 * What every layer needs from the world, injected so tests control it: one scheduler owns
 * every timer *and* the clock (`scheduler.now()`, which `TestScheduler.run()` virtualizes while
 * `Date.now()` it does not), a random source for jitter, and the event sink.
 */
export interface ApiEnv {
  readonly scheduler: SchedulerLike;
  readonly random: () => number;
  readonly emit: EmitEvent;
}

export interface EnvWithEvents {
  readonly env: ApiEnv;
  readonly events$: Observable<ClientEvent>;
}

export function createEnv(options: { scheduler?: SchedulerLike; random?: () => number } = {}): EnvWithEvents {
  const scheduler = options.scheduler ?? asyncScheduler;
  const events = new Subject<ClientEvent>();
  const emit: EmitEvent = (event) => {
    // A hot path pays for events only when someone listens.
    if (events.observed) events.next({ ...event, at: scheduler.now() });
  };
  return {
    env: { scheduler, random: options.random ?? Math.random, emit },
    events$: events.asObservable(),
  };
}
