import { throwError } from 'rxjs';
import { createEnv } from '../../lib/core/env';
import { leaseDrainer } from '../../lib/offline/drain-lock';
import { memoryOutboxStorage } from '../../lib/offline/outbox-storage';
import { createTestScheduler } from '../helpers/marbles';

describe('leaseDrainer', () => {
  it('is held after one renewal period; a holder whose renewals stop landing stops counting as held before its lease expires', () => {
    const rx = createTestScheduler();
    rx.run(() => {
      const storage = memoryOutboxStorage();
      let writesFail = false;
      const flaky = {
        ...storage,
        set: (key: string, value: unknown) => (writesFail ? throwError(() => new Error('QuotaExceededError')) : storage.set(key, value)),
      };
      const lock = leaseDrainer(flaky, createEnv({ scheduler: rx }).env, { ttlMs: 3000, owner: 'tab-a' });
      const seen: Array<[number, boolean]> = [];
      const probe = (at: number): void => void rx.schedule(() => seen.push([at, lock.isHeld()]), at);
      probe(0);
      probe(1001);
      rx.schedule(() => (writesFail = true), 1002); // the lease written at 1000 lasts until 4000
      probe(2999);
      probe(3000); // one renewal period before expiry: another tab may take it from 4000 on
      rx.schedule(() => lock.close(), 5000);
      rx.flush();
      expect(seen).toEqual([
        [0, false],
        [1001, true],
        [2999, true],
        [3000, false],
      ]);
    });
  });
});
