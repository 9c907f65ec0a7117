import { AsyncSubject, BehaviorSubject, EMPTY, Subject, catchError, concatMap, filter, finalize, map, take, type Observable } from 'rxjs';

/**
 * The persistent tier's one queue of mutations: jobs run one at a time, in order (`concatMap`),
 * so a removal can never be overtaken by an older write, whatever the driver's own ordering. A
 * failing job is reported and the queue goes on.
 *
 * @example
 * const queue = createWriteQueue((error) => report('persist', String(error)));
 * queue.enqueue(store.set(key, entry)).subscribe(() => console.log('written'));
 * queue.flush().subscribe(() => console.log('nothing left to do'));
 */
export interface WriteQueue {
  /** Queues `job`; the returned Observable emits and completes once it has run (or failed). */
  enqueue(job: Observable<unknown>): Observable<void>;
  /** Counts work not queued yet (a drain scheduled for later) as busy, until the returned release is called. */
  hold(): () => void;
  /** Completes when no job is queued, running or held. */
  flush(): Observable<void>;
}

export function createWriteQueue(onError: (error: unknown) => void): WriteQueue {
  const jobs = new Subject<Observable<unknown>>();
  const busy$ = new BehaviorSubject(0);
  const release = (): void => busy$.next(busy$.value - 1);
  jobs
    .pipe(
      concatMap((job) =>
        job.pipe(
          catchError((error: unknown) => {
            onError(error);
            return EMPTY;
          }),
          finalize(release),
        ),
      ),
    )
    .subscribe();
  return {
    enqueue(job) {
      const done = new AsyncSubject<void>();
      busy$.next(busy$.value + 1);
      jobs.next(job.pipe(finalize(() => (done.next(), done.complete()))));
      return done;
    },
    hold() {
      busy$.next(busy$.value + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        release();
      };
    },
    flush: () =>
      busy$.pipe(
        filter((n) => n === 0),
        take(1),
        map(() => undefined),
      ),
  };
}
