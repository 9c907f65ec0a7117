import 'fake-indexeddb/auto';
import localforage from 'localforage';
import { createApiClient, CircuitOpenError, localforageFleetStore } from 'rxsync';
import { httpError } from 'rxsync/testing';
import { createTestScheduler } from '../helpers/marbles';

const API = 'https://api.example.com';
const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('localforageFleetStore', () => {
  it('an open breaker survives a restart on IndexedDB: the restarted client fails fast without sending', async () => {
    const name = 'rxsync-fleet-spec';
    const rx = createTestScheduler();
    let sent = 0;
    const failing = () => {
      sent++;
      return rx.createColdObservable<never>('-#', undefined, httpError(503));
    };
    const first = createApiClient({
      baseUrl: API,
      scheduler: rx,
      transport: failing,
      cache: false,
      retry: { maxAttempts: 1 },
      fleet: { store: localforageFleetStore({ instance: localforage.createInstance({ name }) }), breaker: { failureThreshold: 1 } },
    });
    await flushPromises();
    first.get('/a').subscribe({ error: () => undefined });
    rx.flush();
    await flushPromises();
    expect(sent).toBe(1);

    const restarted = createApiClient({
      baseUrl: API,
      scheduler: rx,
      transport: failing,
      cache: false,
      retry: { maxAttempts: 1 },
      fleet: { store: localforageFleetStore({ instance: localforage.createInstance({ name }) }) },
    });
    const errors: unknown[] = [];
    restarted.get('/a').subscribe({ error: (e: unknown) => errors.push(e) });
    await flushPromises();
    rx.flush();
    expect(sent).toBe(1);
    expect(errors).toEqual([expect.any(CircuitOpenError)]);
  });

  it('a foreign value under the key loads as nothing', async () => {
    const instance = localforage.createInstance({ name: 'rxsync-fleet-spec-foreign' });
    await instance.setItem('rxsync:fleet', 'not a snapshot');
    const rx = createTestScheduler();
    const client = createApiClient({
      baseUrl: API,
      scheduler: rx,
      transport: () => rx.createColdObservable<never>('-#', undefined, httpError(503)),
      cache: false,
      fleet: { store: localforageFleetStore({ instance }) },
    });
    await flushPromises();
    expect(client.fleet.state(API)).toMatchObject({ circuit: 'closed', tokens: 4 }); // the default bucket
  });
});
