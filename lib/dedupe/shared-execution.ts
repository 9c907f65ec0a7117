import type { Observable, Subscriber, Subscription, TeardownLogic } from 'rxjs';
import { Relay } from '../core/relay';

/** An execution other subscribers can join while it runs. */
export interface SharedExecution<T> {
  /** Replays what was emitted so far to `subscriber`, then forwards the rest. */
  join(subscriber: Subscriber<T>): TeardownLogic;
}

/**
 * `share({ connector: () => new ReplaySubject() })` by hand, for the one case the dedupe layer
 * needs, at a fraction of the cost: a memory cache hit completes during `subscribe`, and then no
 * subject, no registration and no teardown chain is created at all. Only an execution still
 * running after `subscribe` returns is offered to joiners through `register`.
 *
 * The last subscriber to leave unsubscribes the source (refCount semantics): a request nobody
 * waits for any more is aborted.
 */
export function startSharedExecution<T>(
  source: Observable<T>,
  first: Subscriber<T>,
  register: (execution: SharedExecution<T>) => void,
  release: (execution: SharedExecution<T>) => void,
): TeardownLogic {
  const emitted: T[] = [];
  const subscribers: Array<Subscriber<T>> = [first];
  let finished = false;
  let registered = false;
  let sourceSubscription: Subscription | undefined;

  const finish = (): void => {
    finished = true;
    if (registered) {
      registered = false;
      release(execution);
    }
  };
  const leave = (subscriber: Subscriber<T>): void => {
    const index = subscribers.indexOf(subscriber);
    if (index >= 0) subscribers.splice(index, 1);
    if (subscribers.length === 0 && !finished) {
      finish();
      sourceSubscription?.unsubscribe();
    }
  };
  const execution: SharedExecution<T> = {
    join(subscriber) {
      for (const value of emitted) subscriber.next(value);
      subscribers.push(subscriber);
      return () => leave(subscriber);
    },
  };

  sourceSubscription = source.subscribe(
    new Relay({
      next(value) {
        emitted.push(value);
        // A subscriber may leave while values go out: iterate over a copy when there are several.
        if (subscribers.length === 1) subscribers[0].next(value);
        else for (const subscriber of subscribers.slice()) subscriber.next(value);
      },
      error(error: unknown) {
        finish();
        for (const subscriber of subscribers.splice(0)) subscriber.error(error);
      },
      complete() {
        finish();
        for (const subscriber of subscribers.splice(0)) subscriber.complete();
      },
    }),
  );
  if (!finished && subscribers.length > 0) {
    registered = true;
    register(execution);
  }
  return () => leave(first);
}
