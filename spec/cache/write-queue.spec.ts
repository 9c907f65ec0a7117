import { defer, throwError, timer } from 'rxjs';
import { createWriteQueue } from '../../lib/cache/write-queue';
import { createTestScheduler } from '../helpers/marbles';

describe('the write queue', () => {
  it('runs jobs one at a time in order, each done signal when it has run', () => {
    const rx = createTestScheduler();
    rx.run(({ expectObservable }) => {
      const log: string[] = [];
      const queue = createWriteQueue(() => undefined);
      const job = (name: string, ms: number) => defer(() => (log.push(`start ${name}`), timer(ms, rx)));
      expectObservable(queue.enqueue(job('a', 3))).toBe('---(d|)', { d: undefined });
      expectObservable(queue.enqueue(job('b', 1))).toBe('----(d|)', { d: undefined });
      rx.schedule(() => expect(log).toEqual(['start a']), 2);
      rx.schedule(() => expect(log).toEqual(['start a', 'start b']), 3);
    });
  });

  it('reports a failing job and goes on with the next', () => {
    const rx = createTestScheduler();
    rx.run(({ expectObservable }) => {
      const errors: unknown[] = [];
      const queue = createWriteQueue((e) => errors.push(e));
      expectObservable(queue.enqueue(throwError(() => new Error('disk')))).toBe('(d|)', { d: undefined });
      expectObservable(queue.enqueue(timer(1, rx))).toBe('-(d|)', { d: undefined });
      rx.schedule(() => expect(errors).toEqual([new Error('disk')]), 2);
    });
  });

  it('flushes once nothing is queued, running or held', () => {
    const rx = createTestScheduler();
    rx.run(({ expectObservable }) => {
      const queue = createWriteQueue(() => undefined);
      const release = queue.hold();
      queue.enqueue(timer(2, rx)).subscribe();
      rx.schedule(release, 5);
      rx.schedule(release, 6); // a second release changes nothing
      expectObservable(queue.flush()).toBe('-----(f|)', { f: undefined });
      expectObservable(queue.flush(), '-------^').toBe('-------(f|)', { f: undefined });
    });
  });
});
