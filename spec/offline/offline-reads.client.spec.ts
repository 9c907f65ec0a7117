import type { TestScheduler } from 'rxjs/testing';
import { createApiClient, type ApiClient } from '../../lib/client';
import type { ClientEvent } from '../../lib/core/events';
import { OfflineError } from '../../lib/core/errors';
import type { ApiResponse } from '../../lib/core/response';
import { manualConnectivity, type ManualConnectivity } from '../../lib/offline/connectivity-source';
import type { OfflineReadMode } from '../../lib/offline/offline.layers';
import { createMockBackend, type MockBackend } from '../../lib/testing/mock-backend';
import { createTestScheduler } from '../helpers/marbles';

/** Reads while offline through the whole client (`createApiClient` with cache and offline config), on virtual time. */
describe('offline reads through the client', () => {
  let rx: TestScheduler;
  let backend: MockBackend;
  let network: ManualConnectivity;
  const clients: ApiClient[] = [];

  beforeEach(() => {
    rx = createTestScheduler();
    rx.frame = Date.UTC(2026, 0, 1); // a realistic clock: HTTP dates make sense
    backend = createMockBackend();
    network = manualConnectivity(true);
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));

  function client(reads?: OfflineReadMode): { c: ApiClient; events: ClientEvent[] } {
    const c = createApiClient({
      baseUrl: 'https://api.test',
      transport: backend.handler,
      scheduler: rx,
      random: () => 0.5,
      retry: false,
      cache: {},
      offline: { sources: [network.source], outbox: false, ...(reads ? { reads } : {}) },
    });
    clients.push(c);
    const events: ClientEvent[] = [];
    c.events$.subscribe((e) => events.push(e));
    return { c, events };
  }

  function advance(ms: number): void {
    rx.schedule(() => undefined, ms);
    rx.maxFrames = rx.frame + ms;
    rx.flush();
    rx.maxFrames = Number.POSITIVE_INFINITY;
  }

  it("serves the cached answer while offline, marked stale: true, with a 'stale-served' event; nothing is sent", () => {
    rx.run(() => {
      const { c, events } = client();
      c.get('/items').subscribe();
      advance(0);
      backend.expectOne('GET /items').flush([{ id: 1 }], { headers: { 'cache-control': 'max-age=60' } });
      advance(120_000); // no longer fresh
      network.set(false);
      const seen: ApiResponse[] = [];
      c.request({ method: 'GET', url: '/items' }).subscribe((r) => seen.push(r));
      advance(0);
      backend.expectNone('GET /items');
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ body: [{ id: 1 }], fromCache: true, stale: true });
      expect(events).toContainEqual(expect.objectContaining({ type: 'stale-served', url: 'https://api.test/items' }));
    });
  });

  it('fails fast with OfflineError (reason offline) when nothing is cached', () => {
    rx.run(() => {
      const { c } = client();
      network.set(false);
      let error: unknown;
      c.get('/items').subscribe({ error: (e) => (error = e) });
      advance(0);
      expect(error).toBeInstanceOf(OfflineError);
      expect(error).toMatchObject({ reason: 'offline' });
      backend.expectNone('GET /items');
    });
  });

  it.each<[string, OfflineReadMode | undefined, OfflineReadMode | undefined]>([
    ["get(url, { offlineRead: 'wait' })", undefined, 'wait'],
    ["offline: { reads: 'wait' }", 'wait', undefined],
  ])('%s waits while offline and sends once when connectivity returns', (_, reads, offlineRead) => {
    rx.run(() => {
      const { c } = client(reads);
      network.set(false);
      const bodies: unknown[] = [];
      c.get('/items', offlineRead ? { offlineRead } : {}).subscribe((b) => bodies.push(b));
      advance(60_000);
      backend.expectNone('GET /items');
      network.set(true);
      advance(0);
      backend.expectOne('GET /items').flush([{ id: 2 }]);
      advance(0);
      expect(bodies).toEqual([[{ id: 2 }]]);
      advance(60_000);
      backend.expectNone('GET /items'); // once
      expect(backend.received.filter((r) => r.method === 'GET')).toHaveLength(1);
    });
  });
});
