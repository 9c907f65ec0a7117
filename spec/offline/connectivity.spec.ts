import { TestScheduler } from 'rxjs/testing';
import { createEnv } from '../../lib/core/env';
import { HttpError, NetworkError, TimeoutError } from '../../lib/core/errors';
import { createConnectivity } from '../../lib/offline/connectivity';
import { browserConnectivity, manualConnectivity, type BrowserWindowLike } from '../../lib/offline/connectivity-source';
import { of } from 'rxjs';
import { createTestScheduler } from '../helpers/marbles';

const req = { method: 'GET' as const, url: 'https://api.test/items' };
const notSent = () => new NetworkError(req, 'not-sent');

describe('createConnectivity', () => {
  let rx: TestScheduler;
  beforeEach(() => {
    rx = createTestScheduler();
  });

  it('follows the hints: offline when any source says so, online when all do', () => {
    rx.run(({ cold, expectObservable }) => {
      const a = cold('t--f----t', { t: true, f: false });
      const b = cold('t-----f---t', { t: true, f: false });
      const c = createConnectivity({ sources: [a, b] }, createEnv({ scheduler: rx }).env);
      expectObservable(c.online$).toBe('t--f------t', { t: true, f: false });
    });
  });

  it('ignores repeated hints (spurious events on resume)', () => {
    rx.run(({ cold, expectObservable }) => {
      const hints = cold('t-t-t-f-f-t', { t: true, f: false });
      const c = createConnectivity({ sources: [hints] }, createEnv({ scheduler: rx }).env);
      expectObservable(c.online$).toBe('t-----f---t', { t: true, f: false });
    });
  });

  it('marks the API unreachable after 2 consecutive not-sent failures; any HTTP answer makes it reachable', () => {
    rx.run(({ expectObservable }) => {
      const c = createConnectivity({ recheckDelayMs: 1000 }, createEnv({ scheduler: rx }).env);
      rx.schedule(() => c.recordFailure(notSent()), 1);
      rx.schedule(() => c.recordResponse(), 2); // a response between resets the count
      rx.schedule(() => c.recordFailure(notSent()), 3);
      rx.schedule(() => c.recordFailure(new TimeoutError(req, 10)), 4);
      rx.schedule(() => c.recordFailure(new HttpError(req, 503, {}, null)), 5); // an HTTP answer is not a failure here
      rx.schedule(() => c.recordResponse(), 6);
      expectObservable(c.online$).toBe('t---f-t', { t: true, f: false });
    });
  });

  it('does not count failures whose request may have reached the server', () => {
    rx.run(({ expectObservable }) => {
      const c = createConnectivity({}, createEnv({ scheduler: rx }).env);
      rx.schedule(() => c.recordFailure(new NetworkError(req, 'unknown')), 1);
      rx.schedule(() => c.recordFailure(new NetworkError(req, 'unknown')), 2);
      expectObservable(c.online$).toBe('t', { t: true });
    });
  });

  it('never stays offline on evidence alone: rechecks after 1 s, 2 s, 4 s… letting one request decide each time', () => {
    rx.run(({ expectObservable }) => {
      const c = createConnectivity({ recheckDelayMs: 1000, unreachableAfter: 2 }, createEnv({ scheduler: rx }).env);
      rx.schedule(() => c.recordFailure(notSent()), 0);
      rx.schedule(() => c.recordFailure(notSent()), 0);
      // at 1000 the belief turns online (unconfirmed); one more failure is enough to go back
      rx.schedule(() => c.recordFailure(notSent()), 1001);
      // the next recheck waits 2000 ms
      expectObservable(c.online$, '^ 4000ms !').toBe('f 999ms t f 1999ms t', { t: true, f: false });
    });
  });

  it('with a probe, rechecks by probing: an HTTP answer (even 404) means reachable', () => {
    rx.run(({ cold, expectObservable }) => {
      let probes = 0;
      const c = createConnectivity(
        {
          recheckDelayMs: 1000,
          probe: () => {
            probes++;
            return probes === 1 ? cold('-#', undefined, notSent()) : cold('-#', undefined, new HttpError(req, 404, {}, null));
          },
        },
        createEnv({ scheduler: rx }).env,
      );
      rx.schedule(() => c.recordFailure(notSent()), 0);
      rx.schedule(() => c.recordFailure(notSent()), 0);
      // probe at 1000 fails at 1001 → next probe at 3001, answers at 3002
      expectObservable(c.online$).toBe('f 3001ms t', { t: true, f: false });
    });
  });

  it('a "back online" hint while unreachable rechecks at once', () => {
    rx.run(({ cold, expectObservable }) => {
      const hints = cold('t 9ms f 9ms t', { t: true, f: false });
      const c = createConnectivity({ sources: [hints], recheckDelayMs: 60_000 }, createEnv({ scheduler: rx }).env);
      rx.schedule(() => c.recordFailure(notSent()), 1);
      rx.schedule(() => c.recordFailure(notSent()), 2);
      expectObservable(c.online$).toBe('t-f 17ms t', { t: true, f: false });
    });
  });

  it('whenOnline completes at once when online, else at the next online', () => {
    rx.run(({ cold, expectObservable }) => {
      const hints = cold('f--t', { t: true, f: false });
      const c = createConnectivity({ sources: [hints] }, createEnv({ scheduler: rx }).env);
      expectObservable(c.whenOnline()).toBe('---(u|)', { u: undefined });
    });
  });

  describe('coming back: one scout, not a stampede', () => {
    /** Who passed whenOnline() when: 20 waiters parked while offline. */
    function park(c: ReturnType<typeof createConnectivity>, n = 20): number[] {
      const passed: number[] = [];
      for (let i = 0; i < n; i++) c.whenOnline().subscribe(() => passed.push(rx.now()));
      return passed;
    }

    it('a "back online" hint lets one waiter go; the others follow its HTTP answer', () => {
      rx.run(() => {
        const hint = manualConnectivity(false);
        const c = createConnectivity({ sources: [hint.source] }, createEnv({ scheduler: rx }).env);
        const passed = park(c);
        rx.schedule(() => hint.set(true), 10);
        rx.schedule(() => expect(passed).toEqual([10]), 11); // the scout only
        rx.schedule(() => c.recordResponse(), 50); // its answer (any status) confirms
        rx.flush();
        expect(passed).toEqual([10, ...Array.from({ length: 19 }, () => 50)]);
      });
    });

    it('the scout fails (the hint lied): unreachable again, the others keep waiting; the recheck sends the next scout', () => {
      rx.run(() => {
        const hint = manualConnectivity(false);
        const c = createConnectivity({ sources: [hint.source], recheckDelayMs: 1000 }, createEnv({ scheduler: rx }).env);
        const passed = park(c);
        rx.schedule(() => hint.set(true), 10);
        rx.schedule(() => c.recordFailure(notSent()), 20); // one failure is enough while unconfirmed
        rx.schedule(() => expect(c.isOnline()).toBe(false), 21);
        rx.schedule(() => expect(passed).toEqual([10]), 1019);
        rx.schedule(() => expect(passed).toEqual([10, 1020]), 1021); // the recheck: one more scout
        rx.schedule(() => c.recordResponse(), 1100);
        rx.flush();
        expect(passed).toHaveLength(20);
        expect(passed.slice(2).every((t) => t === 1100)).toBe(true);
      });
    });

    it('a scout that never tells (cancelled before sending) frees its turn after recheckDelayMs', () => {
      rx.run(() => {
        const hint = manualConnectivity(false);
        const c = createConnectivity({ sources: [hint.source], recheckDelayMs: 1000 }, createEnv({ scheduler: rx }).env);
        const passed = park(c, 3);
        rx.schedule(() => hint.set(true), 10);
        rx.flush();
        expect(passed).toEqual([10, 1010, 2010]);
      });
    });

    it('with a probe, nobody goes before the probe answers; then everyone does', () => {
      rx.run(({ cold }) => {
        const hint = manualConnectivity(true);
        const probe = jest.fn(() => cold('---a|'));
        const c = createConnectivity({ sources: [hint.source], probe, unreachableAfter: 1 }, createEnv({ scheduler: rx }).env);
        c.recordFailure(notSent());
        hint.set(false);
        const passed = park(c, 5);
        rx.schedule(() => hint.set(true), 10);
        rx.flush();
        expect(probe).toHaveBeenCalledTimes(1);
        expect(passed).toEqual([13, 13, 13, 13, 13]);
      });
    });

    it('a request sent while online and confirmed is never held', () => {
      rx.run(() => {
        const c = createConnectivity({}, createEnv({ scheduler: rx }).env);
        expect(park(c, 3)).toEqual([0, 0, 0]);
      });
    });
  });

  it('offlineError says why: the device is offline, or the API unreachable', () => {
    const network = manualConnectivity(false);
    const c = createConnectivity({ sources: [network.source] }, createEnv().env);
    expect(c.offlineError(req)).toMatchObject({ name: 'OfflineError', kind: 'network', outcome: 'not-sent', reason: 'offline' });
    network.set(true);
    c.recordFailure(notSent());
    c.recordFailure(notSent());
    expect(c.offlineError(req).reason).toBe('unreachable');
    c.close();
  });

  it('a broken source stops hinting; the belief carries on', () => {
    const c = createConnectivity(
      { sources: [of(true), new (require('rxjs').Observable)((s: { error: (e: unknown) => void }) => s.error(new Error('boom')))] },
      createEnv().env,
    );
    expect(c.isOnline()).toBe(true);
    c.close();
  });
});

describe('browserConnectivity', () => {
  function fakeWindow(onLine: boolean) {
    const listeners = new Map<string, Set<() => void>>();
    const win: BrowserWindowLike & { fire(type: string): void; count(): number } = {
      navigator: { onLine },
      addEventListener: (type, l) => void (listeners.get(type) ?? listeners.set(type, new Set()).get(type)!).add(l),
      removeEventListener: (type, l) => void listeners.get(type)?.delete(l),
      fire: (type) => listeners.get(type)?.forEach((l) => l()),
      count: () => [...listeners.values()].reduce((n, s) => n + s.size, 0),
    };
    return win;
  }

  it('starts from navigator.onLine, follows online/offline events, removes its listeners on unsubscribe', () => {
    const win = fakeWindow(false);
    const seen: boolean[] = [];
    const sub = browserConnectivity(win)!.subscribe((v) => seen.push(v));
    win.fire('online');
    win.fire('offline');
    expect(seen).toEqual([false, true, false]);
    sub.unsubscribe();
    expect(win.count()).toBe(0);
  });

  it('is undefined without a window (Node)', () => {
    expect(browserConnectivity(undefined)).toBeUndefined();
  });
});
