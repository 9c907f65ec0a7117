import { toQueryStatus, trackQuery } from '../../lib/store/query-status';
import { createTestScheduler } from '../helpers/marbles';

const response = <B>(body: B, fromCache: boolean, stale: boolean) => ({ status: 200, headers: {}, body, fromCache, stale });
const loading = { status: 'loading', stale: false, fromCache: false } as const;

describe('trackQuery (marbles)', () => {
  it('loading, then a stale cached success, then a fresh success (stale-while-revalidate)', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--c---f|', { c: response([1], true, true), f: response([1, 2], false, false) });
      expectObservable(trackQuery(source, { scheduler })).toBe('l-c---f|', {
        l: loading,
        c: { status: 'success', data: [1], stale: true, fromCache: true, updatedAt: 2 },
        f: { status: 'success', data: [1, 2], stale: false, fromCache: false, updatedAt: 6 },
      });
      expectSubscriptions(source.subscriptions).toBe('^------!');
    });
  });

  it('turns an error into a final error status that keeps the last data', () => {
    const scheduler = createTestScheduler();
    const failure = new Error('offline');
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('-a--#', { a: 5 }, failure);
      expectObservable(source.pipe(toQueryStatus({ scheduler }))).toBe('la--(e|)', {
        l: loading,
        a: { status: 'success', data: 5, stale: false, fromCache: false, updatedAt: 1 },
        e: { status: 'error', error: failure, data: 5, stale: false, fromCache: false, updatedAt: 1 },
      });
    });
  });

  it('reports an error before any data without data', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      expectObservable(trackQuery(cold('--#', undefined, 'boom'), { scheduler })).toBe('l-(e|)', {
        l: loading,
        e: { status: 'error', error: 'boom', stale: false, fromCache: false },
      });
    });
  });

  it('does not unwrap a value whose `body` is data, not a response envelope', () => {
    const scheduler = createTestScheduler();
    const post = { id: 1, body: 'text' };
    scheduler.run(({ cold, expectObservable }) => {
      expectObservable(trackQuery(cold('-p', { p: post }), { scheduler })).toBe('lp', {
        l: loading,
        p: { status: 'success', data: post, stale: false, fromCache: false, updatedAt: 1 },
      });
    });
  });

  it('unsubscribes from the source when the status stream is unsubscribed', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('----a|');
      expectObservable(trackQuery(source, { scheduler }), '^-!').toBe('l', { l: loading });
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });
});
