import type { Observable, Subscriber, Subscription, TeardownLogic } from 'rxjs';
import { Relay, type RelayHandlers } from '../core/relay';

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
  const execution = new Execution(first, release);
  execution.sourceSubscription = source.subscribe(new Relay(execution));
  if (!execution.finished && execution.subscribers.length > 0) {
    execution.registered = true;
    register(execution);
  }
  return () => execution.leave(first);
}

/** The state of one execution, in fields: every GET that is not a memory hit makes one. */
class Execution<T> implements SharedExecution<T>, RelayHandlers<T> {
  readonly emitted: T[] = [];
  readonly subscribers: Array<Subscriber<T>>;
  finished = false;
  registered = false;
  sourceSubscription: Subscription | undefined;

  constructor(
    first: Subscriber<T>,
    private readonly release: (execution: SharedExecution<T>) => void,
  ) {
    this.subscribers = [first];
  }

  join(subscriber: Subscriber<T>): TeardownLogic {
    for (const value of this.emitted) subscriber.next(value);
    this.subscribers.push(subscriber);
    return () => this.leave(subscriber);
  }

  leave(subscriber: Subscriber<T>): void {
    const index = this.subscribers.indexOf(subscriber);
    if (index >= 0) this.subscribers.splice(index, 1);
    if (this.subscribers.length === 0 && !this.finished) {
      this.finish();
      this.sourceSubscription?.unsubscribe();
    }
  }

  next(value: T): void {
    this.emitted.push(value);
    // A subscriber may leave while values go out: iterate over a copy when there are several.
    if (this.subscribers.length === 1) this.subscribers[0].next(value);
    else for (const subscriber of this.subscribers.slice()) subscriber.next(value);
  }

  error(error: unknown): void {
    this.finish();
    for (const subscriber of this.subscribers.splice(0)) subscriber.error(error);
  }

  complete(): void {
    this.finish();
    for (const subscriber of this.subscribers.splice(0)) subscriber.complete();
  }

  private finish(): void {
    this.finished = true;
    if (this.registered) {
      this.registered = false;
      this.release(this);
    }
  }
}
