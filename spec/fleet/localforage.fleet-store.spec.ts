import 'fake-indexeddb/auto';
import localforage from 'localforage';
import { createApiClient, CircuitOpenError, localforageFleetStore, type FleetStateStore } from 'rxsync';
import { httpError } from 'rxsync/testing';
import { createTestScheduler } from '../helpers/marbles';

const API = 'https://api.example.com';
const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 20));

/**
 * The store with its pending loads and saves kept, so a test waits for IndexedDB itself rather
 * than a fixed delay that a loaded CI machine outlasts.
 */
function tracked(store: FleetStateStore): FleetStateStore & { settled(): Promise<void> } {
  const pending: Promise<unknown>[] = [];
  const keep = <T>(p: Promise<T>): Promise<T> => {
    pending.push(p.catch(() => undefined));
    return p;
  };
  return {
    load: () => keep(store.load()),
    save: (snapshot) => keep(store.save(snapshot)),
    async settled() {
      // A save may start only once an earlier one settles: wait until no new one appears.
      for (let seen = -1; seen !== pending.length;) {
        seen = pending.length;
        await Promise.all(pending);
        await flushPromises();
      }
    },
  };
}

describe('localforageFleetStore', () => {
  it('an open breaker survives a restart on IndexedDB: the restarted client fails fast without sending', async () => {
    const name = 'rxsync-fleet-spec';
    const rx = createTestScheduler();
    let sent = 0;
    const failing = () => {
      sent++;
      return rx.createColdObservable<never>('-#', undefined, httpError(503));
    };
    const firstStore = tracked(localforageFleetStore({ instance: localforage.createInstance({ name }) }));
    const first = createApiClient({
      baseUrl: API,
      scheduler: rx,
      transport: failing,
      cache: false,
      retry: { maxAttempts: 1 },
      fleet: { store: firstStore, breaker: { failureThreshold: 1 } },
    });
    await firstStore.settled();
    first.get('/a').subscribe({ error: () => undefined });
    rx.flush();
    await firstStore.settled();
    expect(sent).toBe(1);

    const restartedStore = tracked(localforageFleetStore({ instance: localforage.createInstance({ name }) }));
    const restarted = createApiClient({
      baseUrl: API,
      scheduler: rx,
      transport: failing,
      cache: false,
      retry: { maxAttempts: 1 },
      fleet: { store: restartedStore },
    });
    const errors: unknown[] = [];
    restarted.get('/a').subscribe({ error: (e: unknown) => errors.push(e) });
    await restartedStore.settled();
    rx.flush();
    expect(sent).toBe(1);
    expect(errors).toEqual([expect.any(CircuitOpenError)]);
  });

  it('a foreign value under the key loads as nothing', async () => {
    const instance = localforage.createInstance({ name: 'rxsync-fleet-spec-foreign' });
    await instance.setItem('rxsync:fleet', 'not a snapshot');
    const rx = createTestScheduler();
    const store = tracked(localforageFleetStore({ instance }));
    const client = createApiClient({
      baseUrl: API,
      scheduler: rx,
      transport: () => rx.createColdObservable<never>('-#', undefined, httpError(503)),
      cache: false,
      fleet: { store },
    });
    await store.settled();
    expect(client.fleet.state(API)).toMatchObject({ circuit: 'closed', tokens: 4 }); // the default bucket
  });
});
