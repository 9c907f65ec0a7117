import { BehaviorSubject, distinctUntilChanged } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { createApiClient, type ApiClient } from '../../lib/client';
import { manualConnectivity, type ManualConnectivity } from '../../lib/offline/connectivity-source';
import type { DrainLock } from '../../lib/offline/drain-lock';
import type { OutboxEntry } from '../../lib/offline/outbox-entry';
import { memoryOutboxStorage } from '../../lib/offline/outbox-storage';
import { createMockBackend, type MockBackend } from '../../lib/testing/mock-backend';
import { createTestScheduler } from '../helpers/marbles';
import { createTabHub } from '../helpers/tab-hub';

/**
 * Several tabs on one outbox storage (issue #8, "Several tabs"): each tab has its own client, the
 * storage is shared, one tab holds the drain lock. The drainer must see what the other tabs
 * enqueued, a tab taking over must not resend what the previous drainer already sent, and two
 * tabs that both believe they drain (a lease race) must never send the same entry.
 */

/** A drain lock the test hands over by hand (what Web Locks do when the holder's tab closes). */
function handLock(initial: boolean): DrainLock & { set(held: boolean): void } {
  const held = new BehaviorSubject(initial);
  return { isHeld: () => held.value, held$: held.pipe(distinctUntilChanged()), close: () => held.next(false), set: (v) => held.next(v) };
}

describe('outbox shared by several tabs', () => {
  let rx: TestScheduler;
  let backend: MockBackend;
  let network: ManualConnectivity;
  let storage: ReturnType<typeof memoryOutboxStorage>;
  let hub: ReturnType<typeof createTabHub> | undefined;
  const clients: ApiClient[] = [];

  beforeEach(() => {
    rx = createTestScheduler();
    backend = createMockBackend();
    network = manualConnectivity(false);
    storage = memoryOutboxStorage();
    hub = undefined;
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));

  function tab(lock: DrainLock, options: { channel?: boolean } = {}): ApiClient {
    const c = createApiClient({
      baseUrl: 'https://api.test',
      transport: backend.handler,
      scheduler: rx,
      random: () => 0.5,
      cache: false,
      retry: false,
      offline: {
        sources: [network.source],
        outbox: { storage, drainLock: lock, tabs: options.channel && hub ? hub.channel() : false },
      },
    });
    clients.push(c);
    return c;
  }

  function advance(ms: number): void {
    const target = rx.frame + ms;
    rx.schedule(() => undefined, ms);
    rx.maxFrames = target;
    rx.flush();
    rx.maxFrames = Number.POSITIVE_INFINITY;
  }

  const titles = (): string[] => backend.received.map((r) => `${r.method} ${(r.body as { title: string }).title}`);

  function enqueue(c: ApiClient, title: string): OutboxEntry {
    let entry: OutboxEntry | undefined;
    c.outbox.enqueue({ method: 'POST', url: 'https://api.test/items', body: { title } }).subscribe((e) => (entry = e));
    advance(0);
    return entry!;
  }

  it('drain() on the drainer re-reads the storage: it sends what another tab enqueued after the drainer started', () => {
    rx.run(() => {
      const drainer = tab(handLock(true));
      const other = tab(handLock(false));
      network.set(true);
      advance(0);
      enqueue(other, 'from the other tab');
      expect(backend.received).toHaveLength(0); // the other tab does not drain
      drainer.outbox.drain();
      advance(0);
      backend.expectOne('POST /items').flush({});
      advance(0);
      expect(titles()).toEqual(['POST from the other tab']);
      expect([...storage.data.keys()].filter((k) => k.startsWith('entry:'))).toEqual([]);
    });
  });

  it('with a tab channel the drainer hears of the enqueue by itself (no drain() call)', () => {
    rx.run(() => {
      hub = createTabHub(rx, 1);
      const drainer = tab(handLock(true), { channel: true });
      const other = tab(handLock(false), { channel: true });
      network.set(true);
      advance(0);
      enqueue(other, 'x');
      advance(1);
      backend.expectOne('POST /items').flush({ ok: true });
      advance(0);
      expect(titles()).toEqual(['POST x']);
      void drainer;
    });
  });

  it('with a tab channel the enqueuing tab hears the final answer the drainer got', () => {
    rx.run(() => {
      hub = createTabHub(rx, 1);
      tab(handLock(true), { channel: true });
      const other = tab(handLock(false), { channel: true });
      network.set(true);
      advance(0);
      const bodies: unknown[] = [];
      other.post('/items', { title: 'x' }, { offline: 'queue' }).subscribe((b) => bodies.push(b));
      advance(1);
      backend.expectOne('POST /items').flush({ id: 7 });
      advance(1);
      expect(bodies).toEqual([{ id: 7 }]);
    });
  });

  it("a re-read that finds the entry gone before the drainer's word arrives still answers the enqueuing tab (never a hang)", () => {
    rx.run(() => {
      hub = createTabHub(rx, 50); // a slow channel: the storage tells first
      tab(handLock(true), { channel: true });
      const other = tab(handLock(false), { channel: true });
      network.set(true);
      advance(0);
      const bodies: unknown[] = [];
      other.post('/items', { title: 'x' }, { offline: 'queue' }).subscribe((b) => bodies.push(b));
      advance(50); // the enqueue reaches the drainer
      backend.expectOne('POST /items').flush({ id: 7 });
      advance(1);
      other.outbox.drain(); // re-reads the storage: the entry is gone, the answer not yet here
      advance(0);
      expect(bodies).toEqual([]);
      advance(50);
      expect(bodies).toEqual([{ id: 7 }]);
    });
  });

  it('with a tab channel that never brings the word, the wait ends after storageTimeoutMs with the same typed error', () => {
    rx.run(() => {
      hub = createTabHub(rx, 60_000); // the message is lost in practice
      const drainer = tab(handLock(true), { channel: true });
      const other = tab(handLock(false), { channel: true });
      network.set(true);
      advance(0);
      let failure: unknown;
      other.post('/items', { title: 'x' }, { offline: 'queue' }).subscribe({ error: (e: unknown) => (failure = e) });
      advance(0);
      drainer.outbox.drain();
      advance(0);
      backend.expectOne('POST /items').flush({ id: 7 });
      advance(0);
      other.outbox.drain();
      advance(4_999);
      expect(failure).toBeUndefined();
      advance(1); // the default storageTimeoutMs
      expect(failure).toMatchObject({ name: 'OutboxError', reason: 'settled-elsewhere' });
    });
  });

  it("without a tab channel, an entry another instance finished ends the enqueuing tab's wait with a typed error", () => {
    rx.run(() => {
      const drainer = tab(handLock(true));
      const other = tab(handLock(false));
      network.set(true);
      advance(0);
      let failure: unknown;
      other.post('/items', { title: 'x' }, { offline: 'queue' }).subscribe({ error: (e: unknown) => (failure = e) });
      advance(0);
      drainer.outbox.drain();
      advance(0);
      backend.expectOne('POST /items').flush({ id: 7 });
      advance(0);
      other.outbox.drain(); // it learns from the storage that the entry is gone, but not the answer
      advance(0);
      expect(failure).toMatchObject({ name: 'OutboxError', reason: 'settled-elsewhere', queued: true });
    });
  });

  it('the lock acquired: the new drainer re-reads the storage: it does not resend what the previous drainer sent, and sends what it enqueued since', () => {
    rx.run(() => {
      const first = tab(handLock(true));
      enqueue(first, 'a');
      enqueue(first, 'b');
      const secondLock = handLock(false);
      const second = tab(secondLock); // started now: it reads a and b, both queued
      network.set(true);
      advance(0);
      backend.expectOne('POST /items').flush({}); // a, by the first tab
      advance(0);
      backend.expectOne('POST /items').flush({}); // b, by the first tab
      advance(0);
      network.set(false);
      const c = enqueue(first, 'c'); // the second tab never heard of it
      first.close(); // the tab closes: Web Locks hand the lock to the next tab
      secondLock.set(true);
      advance(0);
      network.set(true);
      advance(0);
      const sent = backend.expectOne('POST /items');
      expect(sent.request.headers['idempotency-key']).toBe(c.idempotencyKey);
      sent.flush({});
      advance(0);
      expect(titles()).toEqual(['POST a', 'POST b', 'POST c']);
      backend.verify();
      let pending = -1;
      second.outbox.pending$.subscribe((n) => (pending = n));
      expect(pending).toBe(0);
    });
  });

  it('an entry on the wire when its drainer closed is re-sent once, with the same key, by the tab that takes over', () => {
    rx.run(() => {
      const first = tab(handLock(true));
      const a = enqueue(first, 'a');
      const secondLock = handLock(false);
      tab(secondLock);
      network.set(true);
      advance(0);
      backend.expectOne('POST /items'); // on the wire…
      first.close(); // …and the tab is closed (the request is aborted)
      secondLock.set(true);
      advance(0);
      const resent = backend.expectOne('POST /items');
      expect(resent.request.headers['idempotency-key']).toBe(a.idempotencyKey);
      resent.flush({});
      advance(0);
      expect(backend.received).toHaveLength(2);
    });
  });

  it('two tabs that both believe they hold the lock (a lease race) never send the same entry: the stored claim decides', () => {
    rx.run(() => {
      hub = createTabHub(rx, 1);
      const one = tab(handLock(true), { channel: true });
      enqueue(one, 'a');
      enqueue(one, 'b');
      tab(handLock(true), { channel: true }); // reads a and b at start
      network.set(true);
      advance(0);
      backend.expectOne('POST /items').flush({}); // a: one send, not two
      advance(1);
      backend.expectOne('POST /items').flush({}); // b
      advance(1);
      expect(titles()).toEqual(['POST a', 'POST b']);
      backend.verify();
    });
  });
});
