import { Observable, Subject } from 'rxjs';
import { Relay } from '../../lib/core/relay';
import { createTestScheduler } from '../helpers/marbles';

describe('Relay (the observer the pipeline stages subscribe with)', () => {
  it('hands on values, the error and the completion, as an observer object would', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const relayed = (source: Observable<string>) =>
        new Observable<string>((subscriber) =>
          source.subscribe(
            new Relay({ next: (v) => subscriber.next(v.toUpperCase()), error: (e) => subscriber.error(e), complete: () => subscriber.complete() }),
          ),
        );
      expectObservable(relayed(cold('-a-b|'))).toBe('-A-B|');
      expectObservable(relayed(cold('-a-#', undefined, 'boom'))).toBe('-A-#', undefined, 'boom');
    });
  });

  it('a next handler that throws ends the subscription through the error handler (no unhandled error), and the source is torn down', () => {
    const source = new Subject<number>();
    const seen: string[] = [];
    const relay = new Relay<number>({
      next: (v) => {
        if (v === 2) throw new Error('bad value');
        seen.push(`next ${v}`);
      },
      error: (e) => seen.push(`error ${(e as Error).message}`),
      complete: () => seen.push('complete'),
    });
    source.subscribe(relay);
    source.next(1);
    source.next(2);
    source.next(3);
    source.complete();
    expect(seen).toEqual(['next 1', 'error bad value']);
    expect(relay.closed).toBe(true);
    expect(source.observed).toBe(false);
  });

  it('unsubscribes after complete, which runs the source teardown once', () => {
    let teardowns = 0;
    const source = new Observable<number>((subscriber) => {
      subscriber.next(1);
      subscriber.complete();
      return () => teardowns++;
    });
    const seen: unknown[] = [];
    const relay = source.subscribe(new Relay({ next: (v) => seen.push(v), error: (e) => seen.push(e), complete: () => seen.push('done') }));
    expect(seen).toEqual([1, 'done']);
    expect(relay.closed).toBe(true);
    expect(teardowns).toBe(1);
  });
});
