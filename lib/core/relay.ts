import { Subscriber } from 'rxjs';

/** What a stage does with each notification of the stream below it. */
export interface RelayHandlers<T> {
  next(value: T): void;
  error(error: unknown): void;
  complete(): void;
}

/**
 * The observer the pipeline's own stages subscribe with: `source.subscribe(new Relay({ next, error,
 * complete }))` behaves as `source.subscribe({ next, error, complete })`, minus the cost.
 *
 * Why: given a plain observer object, rxjs 7 first tests whether it is a Subscriber (property
 * lookups that miss on every literal), then wraps it twice (a `SafeSubscriber` and a
 * `ConsumerObserver`). Given a Subscriber it uses it as it is. Measured inside loopback requests
 * on Node 20: 16 nested subscriptions cost 24 µs with observer objects, 5 µs with a Subscriber
 * like this one, and every request goes through eight of them. rxjs's own operators subscribe
 * the same way.
 *
 * What differs from an observer object: a `next` handler that throws does not become an
 * asynchronous "unhandled error" (which would crash a Node process); the throw goes to the
 * `error` handler, as in an operator, and the subscription ends. As with any Subscriber, after
 * `error` or `complete` it unsubscribes, which runs the source's teardown.
 */
export class Relay<T> extends Subscriber<T> {
  constructor(private readonly handlers: RelayHandlers<T>) {
    super();
  }

  protected override _next(value: T): void {
    try {
      this.handlers.next(value);
    } catch (thrown) {
      this.error(thrown);
    }
  }

  protected override _error(error: unknown): void {
    try {
      this.handlers.error(error);
    } finally {
      this.unsubscribe();
    }
  }

  protected override _complete(): void {
    try {
      this.handlers.complete();
    } finally {
      this.unsubscribe();
    }
  }
}
