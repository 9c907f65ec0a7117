import { Observable, type Subscription } from 'rxjs';
import { Relay } from './relay';

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
  return new Observable<R>((subscriber) => {
    const inners: Subscription[] = [];
    let sourceSubscription: Subscription | undefined;
    let recovered = false;
    let sourceDone = false;
    let pending = 0;
    // While a subscribe() of ours runs, its Subscription does not exist yet: a failure then waits
    // for it to return and be torn down before the recovery is subscribed (as `catchError` does).
    let subscribing = 0;
    let postponed: { readonly error: unknown; readonly fromSource: boolean } | undefined;

    const stop = (): void => {
      sourceSubscription?.unsubscribe();
      for (const inner of inners.splice(0)) inner.unsubscribe();
    };
    const runRecovery = (error: unknown, fromSource: boolean): void => {
      let recovery: Observable<R>;
      try {
        recovery = recover(error, fromSource);
      } catch (thrown) {
        subscriber.error(thrown);
        return;
      }
      // The subscriber itself observes the recovery: its teardown joins the subscriber's.
      recovery.subscribe(subscriber);
    };
    const fail = (error: unknown, fromSource = false): void => {
      // After an unsubscribe nobody listens: no recovery (in auth, no refresh) for nobody.
      if (recovered || subscriber.closed) return;
      recovered = true;
      stop();
      if (subscribing > 0) postponed = { error, fromSource };
      else runRecovery(error, fromSource);
    };
    /** Subscribes, then drops the subscription at once if everything ended meanwhile. */
    const track = (subscribe: () => Subscription): Subscription => {
      subscribing++;
      let subscription: Subscription;
      try {
        subscription = subscribe();
      } finally {
        subscribing--;
      }
      if (recovered || subscriber.closed) subscription.unsubscribe();
      if (postponed !== undefined && subscribing === 0) {
        const { error, fromSource } = postponed;
        postponed = undefined;
        runRecovery(error, fromSource);
      }
      return subscription;
    };
    const completeIfDone = (): void => {
      if (!recovered && sourceDone && pending === 0) subscriber.complete();
    };

    const project$ = (value: T): void => {
      if (recovered || subscriber.closed) return;
      let out: R | Observable<R>;
      try {
        out = project(value);
      } catch (thrown) {
        fail(thrown);
        return;
      }
      if (!(out instanceof Observable)) {
        subscriber.next(out);
        return;
      }
      const inner$ = out;
      pending++;
      // Assigned after subscribe returns: a synchronous completion finds it still undefined.
      let inner: Subscription | undefined = undefined;
      inner = track(() =>
        inner$.subscribe(
          new Relay({
            next: (v) => {
              if (!recovered && !subscriber.closed) subscriber.next(v);
            },
            error: (error: unknown) => fail(error),
            complete: () => {
              pending--;
              const index = inner === undefined ? -1 : inners.indexOf(inner);
              if (index >= 0) inners.splice(index, 1);
              completeIfDone();
            },
          }),
        ),
      );
      if (!inner.closed) inners.push(inner);
    };

    sourceSubscription = track(() =>
      source.subscribe(
        new Relay({
          next: project$,
          error: (error: unknown) => fail(error, true),
          complete: () => {
            sourceDone = true;
            completeIfDone();
          },
        }),
      ),
    );
    return stop;
  });
}
