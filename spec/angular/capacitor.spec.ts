/**
 * @jest-environment jsdom
 */
import { initAngularTestEnvironment } from './angular-test-env';
import { EnvironmentInjector, createEnvironmentInjector } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { VirtualTimeScheduler, firstValueFrom } from 'rxjs';
import { memoryOutboxStorage, type ApiClient } from 'rxsync';
import { createMockBackend, type MockBackend } from 'rxsync/testing';
import {
  RXSYNC_CLIENT,
  capacitorNetworkSource,
  injectOnline,
  injectOutboxState,
  injectQuery,
  provideRxsync,
  withCapacitor,
  withOffline,
  type AppPluginLike,
  type NetworkPluginLike,
} from 'rxsync/angular';

beforeAll(() => initAngularTestEnvironment());

/** A stand-in for `@capacitor/network`: the test decides what the phone says. */
function fakeNetwork(connected: boolean) {
  const listeners = new Set<(status: { connected: boolean }) => void>();
  let removed = 0;
  const plugin: NetworkPluginLike = {
    getStatus: () => Promise.resolve({ connected }),
    addListener: (_event, listener) => {
      listeners.add(listener);
      return Promise.resolve({ remove: () => (listeners.delete(listener), removed++, Promise.resolve()) });
    },
  };
  return {
    plugin,
    set: (value: boolean) => {
      connected = value;
      for (const listener of listeners) listener({ connected: value });
    },
    listeners: () => listeners.size,
    removed: () => removed,
  };
}

/** A stand-in for `@capacitor/app`. */
function fakeApp() {
  const listeners = new Set<() => void>();
  const plugin: AppPluginLike = {
    addListener: (_event, listener) => {
      listeners.add(listener);
      return Promise.resolve({ remove: () => (listeners.delete(listener), Promise.resolve()) });
    },
  };
  return { plugin, resume: () => listeners.forEach((listener) => listener()) };
}

const tick = () => new Promise((done) => setTimeout(done, 0));

describe('capacitorNetworkSource', () => {
  it('emits the current status, then each change; unsubscribing removes the listener', async () => {
    const network = fakeNetwork(false);
    const seen: boolean[] = [];
    const subscription = capacitorNetworkSource(network.plugin).subscribe((online) => seen.push(online));
    await tick();
    network.set(true);
    expect(seen).toEqual([false, true]);
    subscription.unsubscribe();
    await tick();
    expect(network.listeners()).toBe(0);
  });
});

describe('withOffline + withCapacitor', () => {
  let scheduler: VirtualTimeScheduler;
  let backend: MockBackend;
  let client: ApiClient;

  function setUp(network: ReturnType<typeof fakeNetwork>, app?: ReturnType<typeof fakeApp>): void {
    scheduler = new VirtualTimeScheduler();
    backend = createMockBackend();
    TestBed.configureTestingModule({
      providers: [
        provideRxsync(
          { baseUrl: 'https://api.test', transport: backend.handler, scheduler, random: () => 0.5, cache: false, retry: false },
          withOffline({ outbox: { storage: memoryOutboxStorage(), drainLock: 'none' } }),
          withCapacitor({
            network: network.plugin,
            ...(app ? { app: app.plugin } : {}),
            resume: { staleAfterMs: 30_000, jitterMs: 1_000, concurrency: 2, random: () => 0.5 },
          }),
        ),
      ],
    });
    client = TestBed.inject(RXSYNC_CLIENT);
  }

  it("the Network plugin's hint reaches client.online$ and injectOnline()", async () => {
    const network = fakeNetwork(true);
    setUp(network);
    const online = TestBed.runInInjectionContext(() => injectOnline());
    await tick();
    expect(online()).toBe(true);
    network.set(false);
    expect(online()).toBe(false);
    expect(await firstValueFrom(client.online$)).toBe(false);
  });

  it('queues while offline: injectOutboxState counts the entry; back online it is sent once', async () => {
    const network = fakeNetwork(false);
    setUp(network);
    const outbox = TestBed.runInInjectionContext(() => injectOutboxState());
    await tick();
    client.patch('/items/1', { name: 'x' }, { offline: 'queue' }).subscribe();
    await tick();
    expect(outbox().pending).toBe(1);
    expect(backend.received).toHaveLength(0);
    network.set(true);
    await tick();
    backend.expectOne('PATCH https://api.test/items/1').flush({ id: '1', name: 'x' });
    await tick();
    expect(outbox().pending).toBe(0);
    expect(backend.received.filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });

  it('on resume: flushes the outbox first, then revalidates the stale live queries with jitter, two at a time', async () => {
    const network = fakeNetwork(true);
    const app = fakeApp();
    setUp(network, app);
    const child = createEnvironmentInjector([], TestBed.inject(EnvironmentInjector));
    const queries = ['/a', '/b', '/c'].map((url) => injectQuery((fetchPolicy) => client.request({ url, fetchPolicy }), { injector: child }));
    for (const url of ['/a', '/b', '/c']) backend.expectOne(`GET https://api.test${url}`).flush({ url });
    expect(queries.map((q) => q().status)).toEqual(['success', 'success', 'success']);

    // Time passes in the background; a write is waiting in the outbox (the API did not answer it yet).
    scheduler.maxFrames = 60_000;
    scheduler.schedule(() => undefined, 60_000);
    scheduler.flush();
    await tick();
    client.patch('/items/1', { name: 'offline edit' }, { offline: 'queue' }).subscribe();
    await tick();
    const write = backend.expectOne('PATCH https://api.test/items/1');

    app.resume();
    await tick();
    scheduler.maxFrames = 65_000; // 5 s later, still inside the 10 s flush bound
    scheduler.flush();
    expect(backend.match((r) => r.method === 'GET')).toHaveLength(0); // the write goes first
    write.flush({ id: '1' });
    await tick();
    scheduler.maxFrames = 60_400;
    scheduler.flush();
    expect(backend.match((r) => r.method === 'GET')).toHaveLength(0); // each waits its jitter (500 ms here)
    scheduler.maxFrames = 61_000;
    scheduler.flush();
    const open = backend.match((r) => r.method === 'GET');
    expect(open.map((r) => r.request.url)).toEqual(['https://api.test/a', 'https://api.test/b']); // bounded: two at a time
    expect(queries[0]().data).toEqual({ url: '/a' }); // the data stays on screen while it revalidates
    open[0].flush({ url: '/a', v: 2 });
    scheduler.flush();
    backend.expectOne('GET https://api.test/c').flush({ url: '/c', v: 2 });
    open[1].flush({ url: '/b', v: 2 });
    expect(queries.map((q) => (q().data as { v?: number }).v)).toEqual([2, 2, 2]);
    child.destroy();
  });
});
