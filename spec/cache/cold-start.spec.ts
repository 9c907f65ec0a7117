import { EMPTY, Subject, map, tap, throwError, type Observable } from 'rxjs';
import { createTestScheduler } from '../helpers/marbles';
import { URL_A, createCacheHarness, expectFullyCached, prime, summary, type CacheHarness } from './helpers';

// CacheLayerDeps.whenReady: the partition is read only once the session says it is known.

const fresh = { 'cache-control': 'max-age=600' };

/**
 * A harness holding user-a's entry in memory, then back to 'anonymous' with a session still
 * loading: `loading(h)` is what whenReady answers from then on.
 */
function signedOutWithUserAEntry(loading: (h: CacheHarness) => Observable<unknown>, rx = createTestScheduler()): CacheHarness {
  let ready = true;
  const h: CacheHarness = createCacheHarness({}, { rx, whenReady: () => (ready ? undefined : loading(h)) });
  prime(h, URL_A, fresh);
  h.setPartition('anonymous');
  ready = false;
  return h;
}

describe('a cache layer whose session loads asynchronously (whenReady)', () => {
  it("waits for whenReady's first emission, then looks up under the partition read then", () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const loaded = cold('---r-r');
      const h = signedOutWithUserAEntry((self) => loaded.pipe(tap(() => self.setPartition('user-a'))), rx);
      expectObservable(h.request(URL_A).pipe(map(summary))).toBe('---(c|)', { c: 'A:cache:fresh' });
      expectSubscriptions(loaded.subscriptions).toBe('^--!');
      rx.schedule(() => expect(h.requests).toHaveLength(1), 10); // the prime only: no request for the read
    });
  });

  it('sends nothing when the caller leaves before the session is ready', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const h = signedOutWithUserAEntry((self) => cold('---r').pipe(tap(() => self.setPartition('user-a'))), rx);
      expectObservable(h.request(URL_A), '^-!').toBe('---');
      rx.schedule(() => expect(h.requests).toHaveLength(1), 10);
    });
  });

  it('answers a memory hit synchronously when whenReady returns undefined (ready)', () => {
    let asked = 0;
    const h = createCacheHarness({}, { whenReady: () => void asked++ });
    prime(h, URL_A, fresh);
    const result = h.read(URL_A);
    expect(result.completedSynchronously).toBe(true);
    expect(result.values.map(summary)).toEqual(['A:cache:fresh']);
    expect(asked).toBe(2);
  });

  it.each([
    ['completes without emitting', (): Observable<unknown> => EMPTY],
    ['fails', (): Observable<unknown> => throwError(() => new Error('token store unreadable'))],
  ])('proceeds under the current partition when whenReady %s', (_name, whenReady) => {
    const h = createCacheHarness({}, { whenReady });
    prime(h, URL_A, fresh);
    expectFullyCached(h, URL_A);
  });

  it('files the response of a miss under the partition read once ready', () => {
    const ready = new Subject<void>();
    let loaded = false;
    const h = createCacheHarness({}, { partition: 'anonymous', whenReady: () => (loaded ? undefined : ready) });
    h.respond({ status: 200, headers: fresh, body: 'A' });
    const first = h.read(URL_A);
    expect(h.requests).toEqual([]);
    h.setPartition('user-a');
    loaded = true;
    ready.next();
    expect(first.values.map(summary)).toEqual(['A:net:fresh']);
    expectFullyCached(h, URL_A);
    h.setPartition('anonymous');
    expect(h.read(URL_A).error).toBeDefined(); // nothing under 'anonymous': a request, and no reply queued
  });
});
