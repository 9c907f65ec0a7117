import { defer, delay, throwError } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import type { CacheStore } from '../../lib/cache/cache-store';
import { createMemoryCacheStore } from '../../lib/cache/memory.cache-store';

/**
 * A synchronous store whose calls are counted, whose writes can be made to fail, and whose reads
 * and writes can be made to take virtual time (to hold a read or a write "in progress").
 */
export function spyStore(inner = createMemoryCacheStore()) {
  const calls = { get: 0, set: 0 };
  let failSets: number | 'always' = 0;
  let getDelay: { ms: number; rx: TestScheduler } | undefined;
  let setDelay: { ms: number; rx: TestScheduler } | undefined;
  const quota = (): Error => Object.assign(new Error('quota'), { name: 'QuotaExceededError' });
  const store: CacheStore = {
    get: (key) => {
      calls.get++;
      return getDelay ? inner.get(key).pipe(delay(getDelay.ms, getDelay.rx)) : inner.get(key);
    },
    set: (key, value) =>
      defer(() => {
        calls.set++;
        if (failSets === 'always' || failSets > 0) {
          if (failSets !== 'always') failSets--;
          return throwError(quota);
        }
        // The value lands at once (as a driver's transaction does); only the completion waits.
        const written = inner.set(key, value);
        return setDelay ? written.pipe(delay(setDelay.ms, setDelay.rx)) : written;
      }),
    remove: (key) => inner.remove(key),
    keys: () => inner.keys(),
    clear: () => inner.clear(),
  };
  return {
    store,
    calls,
    entries: inner.entries as Map<string, unknown>,
    failNextSets: (n: number | 'always') => void (failSets = n),
    delayGets: (ms: number, rx: TestScheduler) => void (getDelay = { ms, rx }),
    delaySets: (ms: number, rx: TestScheduler) => void (setDelay = { ms, rx }),
  };
}
