import { Observable, type Subscriber, type Subscription } from 'rxjs';
import { Relay, type RelayHandlers } from './relay';

/**
 * `source.pipe(mergeMap(project), catchError(recover))` as one Observable, for the layers every
 * request passes through: one subscriber instead of three (plus `of` per value).
 *
 * - `project` answers a value with a value to emit as it is (the common case: no inner
 *   subscription at all) or with an Observable to merge in, as `mergeMap` would.
 * - An error of the source, of an inner Observable, or thrown by `project` goes to `recover`
 *   (told whether the source sent it: `catchError` placed before `mergeMap` sees only those),
 *   whose Observable then replaces everything (the source and the inners are unsubscribed); a
 *   throwing `recover` errors the result, as `catchError` would.
 * - Unsubscribing unsubscribes the source, the inners and the recovery.
 *
 * ```
 * source:  --a--|             --#
 * project: a → A (a value)
 * result:  --A--|             --(recover's Observable)
 * ```
 */
export function mapCatch<T, R>(
  source: Observable<T>,
  project: (value: T) => R | Observable<R>,
  recover: (error: unknown, fromSource: boolean) => Observable<R>,
): Observable<R> {
  return new Observable<R>((subscriber) => new MapCatchRun(subscriber, project, recover).start(source));
}

/**
 * One subscription of {@link mapCatch}: its state in fields, not in a dozen closures, since two
 * of these run per request. It is the source's observer (through a {@link Relay}) and the
 * subscription's teardown.
 */
class MapCatchRun<T, R> implements RelayHandlers<T> {
  private sourceSubscription: Subscription | undefined;
  private inners: Subscription[] | undefined;
  private recovered = false;
  private sourceDone = false;
  private pending = 0;
  // While a subscribe() of ours runs, its Subscription does not exist yet: a failure then waits
  // for it to return and be torn down before the recovery is subscribed (as `catchError` does).
  private subscribing = 0;
  private postponed: { readonly error: unknown; readonly fromSource: boolean } | undefined;

  constructor(
    private readonly subscriber: Subscriber<R>,
    private readonly project: (value: T) => R | Observable<R>,
    private readonly recover: (error: unknown, fromSource: boolean) => Observable<R>,
  ) {}

  start(source: Observable<T>): this {
    this.sourceSubscription = this.track(source, this);
    return this;
  }

  /** The teardown: unsubscribing unsubscribes the source and the inners (the recovery is the subscriber's own). */
  unsubscribe(): void {
    this.sourceSubscription?.unsubscribe();
    const inners = this.inners;
    if (inners !== undefined) for (const inner of inners.splice(0)) inner.unsubscribe();
  }

  /** A value of the source. */
  next(value: T): void {
    if (this.recovered || this.subscriber.closed) return;
    let out: R | Observable<R>;
    try {
      out = this.project(value);
    } catch (thrown) {
      this.fail(thrown, false);
      return;
    }
    if (out instanceof Observable) this.merge(out);
    else this.subscriber.next(out);
  }

  /** The source failed. */
  error(error: unknown): void {
    this.fail(error, true);
  }

  complete(): void {
    this.sourceDone = true;
    this.completeIfDone();
  }

  private merge(inner$: Observable<R>): void {
    this.pending++;
    // Assigned after subscribe returns: a synchronous completion finds it still undefined.
    let inner: Subscription | undefined = undefined;
    inner = this.track(inner$, {
      next: (v) => {
        if (!this.recovered && !this.subscriber.closed) this.subscriber.next(v);
      },
      error: (error: unknown) => this.fail(error, false),
      complete: () => {
        this.pending--;
        const index = inner === undefined || this.inners === undefined ? -1 : this.inners.indexOf(inner);
        if (index >= 0) this.inners!.splice(index, 1);
        this.completeIfDone();
      },
    });
    if (!inner.closed) (this.inners ??= []).push(inner);
  }

  private fail(error: unknown, fromSource: boolean): void {
    // After an unsubscribe nobody listens: no recovery (in auth, no refresh) for nobody.
    if (this.recovered || this.subscriber.closed) return;
    this.recovered = true;
    this.unsubscribe();
    if (this.subscribing > 0) this.postponed = { error, fromSource };
    else this.runRecovery(error, fromSource);
  }

  private runRecovery(error: unknown, fromSource: boolean): void {
    let recovery: Observable<R>;
    try {
      recovery = this.recover(error, fromSource);
    } catch (thrown) {
      this.subscriber.error(thrown);
      return;
    }
    // The subscriber itself observes the recovery: its teardown joins the subscriber's.
    recovery.subscribe(this.subscriber);
  }

  /** Subscribes, then drops the subscription at once if everything ended meanwhile. */
  private track<V>(observable: Observable<V>, handlers: RelayHandlers<V>): Subscription {
    this.subscribing++;
    let subscription: Subscription;
    try {
      subscription = observable.subscribe(new Relay(handlers));
    } finally {
      this.subscribing--;
    }
    if (this.recovered || this.subscriber.closed) subscription.unsubscribe();
    if (this.postponed !== undefined && this.subscribing === 0) {
      const { error, fromSource } = this.postponed;
      this.postponed = undefined;
      this.runRecovery(error, fromSource);
    }
    return subscription;
  }

  private completeIfDone(): void {
    if (!this.recovered && this.sourceDone && this.pending === 0) this.subscriber.complete();
  }
}
