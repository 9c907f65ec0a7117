import type { TestScheduler } from 'rxjs/testing';
import { createApiClient } from '../../lib/client';
import { NetworkError } from '../../lib/core/errors';
import { manualConnectivity } from '../../lib/offline/connectivity-source';
import { createMockBackend } from '../../lib/testing/mock-backend';
import { createTestScheduler } from '../helpers/marbles';

/**
 * Issue #8: a "back online" hint triggers one request, not a stampede. Twenty reads wait for
 * connectivity and five retries are paused when the hint says "back"; the API is still down.
 */
describe('client: back online is one request, not a stampede', () => {
  let rx: TestScheduler;
  beforeEach(() => (rx = createTestScheduler()));

  it('sends one scout; its failure keeps the rest parked; its success releases them', () => {
    rx.run(() => {
      const backend = createMockBackend();
      const network = manualConnectivity(true);
      const client = createApiClient({
        baseUrl: 'https://api.test',
        transport: backend.handler,
        scheduler: rx,
        random: () => 0.5,
        cache: false,
        fleet: false, // the stampede guard is connectivity's own, not the breaker's
        retry: { maxAttempts: 3, baseDelayMs: 100, jitter: 'none' },
        offline: { sources: [network.source], outbox: false, recheckDelayMs: 1000 },
      });
      const done: string[] = [];
      // Five reads fail while the radio drops: their retries pause.
      for (let i = 0; i < 5; i++) client.get(`/paused/${i}`).subscribe({ next: () => done.push(`paused ${i}`), error: () => done.push(`failed ${i}`) });
      rx.schedule(() => {
        network.set(false);
        for (const r of backend.received.slice()) backend.expectOne(`GET ${new URL(r.url).pathname}`).error(new NetworkError(r, 'not-sent'));
        // Twenty reads asked while offline wait.
        for (let i = 0; i < 20; i++) client.get(`/waiting/${i}`, { offlineRead: 'wait' }).subscribe(() => done.push(`waiting ${i}`));
      }, 1);
      rx.schedule(() => network.set(true), 500); // the hint says "back"; the API is still down
      rx.schedule(() => {
        expect(backend.received.length).toBe(5 + 1); // the five first sends, then one scout
        const scout = backend.received[5];
        backend.expectOne(`GET ${new URL(scout.url).pathname}`).error(new NetworkError(scout, 'not-sent'));
      }, 501);
      rx.schedule(() => expect(backend.received.length).toBe(6), 1400); // parked until the recheck
      rx.schedule(() => {
        expect(backend.received.length).toBe(7); // the recheck's scout
        const scout = backend.received[6];
        backend.expectOne(`GET ${new URL(scout.url).pathname}`).flush({ ok: true });
      }, 1600);
      rx.schedule(() => {
        // Confirmed: everyone else goes now.
        expect(backend.received.length).toBe(5 + 1 + 25); // the first sends, the failed scout, every waiter once
        backend.match(() => true).forEach((r) => r.flush({ ok: true }));
      }, 1601);
      rx.flush();
      expect(done.filter((d) => d.startsWith('failed'))).toEqual([]);
      expect(done).toHaveLength(25);
      client.close();
    });
  });
});
