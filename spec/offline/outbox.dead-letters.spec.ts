import { delay, throwError } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { createApiClient, type ApiClient } from '../../lib/client';
import { OutboxError } from '../../lib/core/errors';
import { manualConnectivity, type ManualConnectivity } from '../../lib/offline/connectivity-source';
import type { OutboxConfig } from '../../lib/offline/outbox-config';
import type { OutboxEntry, OutboxStatus } from '../../lib/offline/outbox-entry';
import { memoryOutboxStorage, type OutboxStorage } from '../../lib/offline/outbox-storage';
import { createEntityStore, type EntityStore } from '../../lib/store/entity-store';
import { createMockBackend, type MockBackend } from '../../lib/testing/mock-backend';
import { createTestScheduler } from '../helpers/marbles';

/** Optimistic layers across a restart, the still-processing cap, and the dead-letter API (retry, discard, done). */
describe('outbox: optimistic order, dead letters', () => {
  interface Item {
    id: string;
    title: string;
  }
  let rx: TestScheduler;
  let backend: MockBackend;
  let network: ManualConnectivity;
  let storage: ReturnType<typeof memoryOutboxStorage>;
  const clients: ApiClient[] = [];

  beforeEach(() => {
    rx = createTestScheduler();
    backend = createMockBackend();
    network = manualConnectivity(false);
    storage = memoryOutboxStorage();
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));

  function client(outbox: OutboxConfig = {}): ApiClient {
    const c = createApiClient({
      baseUrl: 'https://api.test',
      transport: backend.handler,
      scheduler: rx,
      random: () => 0.5,
      cache: false,
      retry: false,
      offline: { sources: [network.source], outbox: { storage, drainLock: 'none', ...outbox } },
    });
    clients.push(c);
    return c;
  }

  /** Runs what is due within the next `ms` of virtual time. */
  function advance(ms: number): void {
    rx.schedule(() => undefined, ms);
    rx.maxFrames = rx.frame + ms;
    rx.flush();
    rx.maxFrames = Number.POSITIVE_INFINITY;
  }

  const stored = (): OutboxEntry[] => [...storage.data.entries()].filter(([k]) => k.startsWith('entry:')).map(([, v]) => JSON.parse(v) as OutboxEntry);

  function items(): EntityStore<Item> {
    const store = createEntityStore<Item>({ idKey: 'id' });
    store.upsertMany([{ id: '1', title: 'base' }]);
    return store;
  }

  const editTitle = (c: ApiClient, title: string) =>
    c.patch('/items/1', { title }, { offline: 'queue', outbox: { optimistic: { store: 'items', id: '1', patch: { title } } } });

  it('after a restart the patches are re-applied in queue order, whatever order the reads finish in; rolling back one keeps the others', () => {
    rx.run(() => {
      const first = client({ optimisticStores: { items: items() } });
      for (const title of ['first', 'second', 'third']) editTitle(first, title).subscribe({ error: () => undefined });
      advance(0); // the same millisecond: only seq tells them apart
      first.close();

      // A storage whose reads answer in reverse queue order (as IndexedDB reads may finish in any order).
      const reversed: OutboxStorage = {
        ...storage,
        get: (key) => {
          const seq = (JSON.parse(storage.data.get(key) ?? '{"seq":0}') as { seq: number }).seq;
          return storage.get(key).pipe(delay(10 - seq, rx));
        },
      };
      const screen = items();
      client({ storage: reversed, optimisticStores: { items: screen } });
      advance(10);
      expect(screen.get('1')?.title).toBe('third'); // the last edit, as the server will end up

      network.set(true);
      advance(100); // each claim reads the entry twice, slowly
      backend.expectOne('PATCH /items/1').flush({ id: '1', title: 'first' });
      advance(100);
      expect((backend.expectOne('PATCH /items/1').request.body as Item).title).toBe('second');
      backend.expectOne('PATCH /items/1').error(422, { body: { error: 'nope' } }); // 'second' dies: its layer alone goes
      advance(100);
      expect(screen.get('1')?.title).toBe('third');
    });
  });

  it('409 "still processing" is capped at maxDelayMs since the first such answer, then a dead letter with the server body', () => {
    rx.run(() => {
      const c = client({ maxDelayMs: 10_000 });
      let failure: unknown;
      c.patch('/items/1', { title: 'x' }, { offline: 'queue' }).subscribe({ error: (e) => (failure = e) });
      network.set(true);
      advance(0);
      const busy = { headers: { 'retry-after': '4' }, body: { type: 'idempotency-key-in-use' } };
      for (const wait of [4000, 4000, 2000]) {
        backend.expectOne('PATCH /items/1').error(409, busy);
        advance(wait - 1);
        backend.expectNone('PATCH /items/1');
        advance(1);
      }
      backend.expectOne('PATCH /items/1').error(409, busy); // at 10 s: the cap
      advance(0);
      expect(failure).toMatchObject({ name: 'OutboxError', reason: 'dead', cause: { status: 409 } });
      expect(stored()[0]).toMatchObject({ status: 'dead', attempts: 4, lastError: { status: 409, body: { type: 'idempotency-key-in-use' } } });
      advance(60_000);
      backend.expectNone('PATCH /items/1');
    });
  });

  it('retry(id) whose write fails errors with OutboxError storage-failed; the entry stays a dead letter', () => {
    rx.run(() => {
      let failWrites = false;
      const flaky: OutboxStorage = { ...storage, set: (k, v) => (failWrites ? throwError(() => new Error('quota')) : storage.set(k, v)) };
      const c = client({ storage: flaky });
      let dead: OutboxEntry[] = [];
      c.outbox.deadLetters$.subscribe((d) => (dead = [...d]));
      c.patch('/items/1', { title: 'x' }, { offline: 'queue' }).subscribe({ error: () => undefined });
      network.set(true);
      advance(0);
      backend.expectOne('PATCH /items/1').error(422);
      advance(0);
      expect(dead).toHaveLength(1);

      failWrites = true;
      let error: unknown;
      let completed = false;
      c.outbox.retry(dead[0].id).subscribe({ error: (e) => (error = e), complete: () => (completed = true) });
      advance(0);
      expect(completed).toBe(false);
      expect(error).toBeInstanceOf(OutboxError);
      expect(error).toMatchObject({ reason: 'storage-failed' });
      expect(dead).toHaveLength(1);
      expect(dead[0].status).toBe('dead');
      expect(stored()[0].status).toBe('dead');
      advance(60_000);
      backend.expectNone('PATCH /items/1');
    });
  });

  it("discard(id): the waiting caller fails with OutboxError 'discarded' and the optimistic change is rolled back", () => {
    rx.run(() => {
      const screen = items();
      const c = client({ optimisticStores: { items: screen } });
      let entries: readonly OutboxEntry[] = [];
      c.outbox.entries$.subscribe((e) => (entries = e));
      let failure: unknown;
      editTitle(c, 'mine').subscribe({ error: (e) => (failure = e) });
      advance(0);
      expect(screen.get('1')?.title).toBe('mine');
      c.outbox.discard(entries[0].id).subscribe();
      advance(0);
      expect(failure).toBeInstanceOf(OutboxError);
      expect(failure).toMatchObject({ reason: 'discarded', queued: true });
      expect(screen.get('1')).toEqual({ id: '1', title: 'base' });
      expect(stored()).toEqual([]);
    });
  });

  it("entries$ shows a successful entry with status 'done' once, then drops it", () => {
    rx.run(() => {
      const c = client();
      const seen: OutboxStatus[][] = [];
      c.outbox.entries$.subscribe((list) => seen.push(list.map((e) => e.status)));
      c.patch('/items/1', { title: 'x' }, { offline: 'queue' }).subscribe();
      network.set(true);
      advance(0);
      backend.expectOne('PATCH /items/1').flush({});
      advance(0);
      expect(seen.filter((s) => s.includes('done'))).toEqual([['done']]);
      expect(seen.at(-1)).toEqual([]);
      expect(seen.findIndex((s) => s.includes('done'))).toBe(seen.length - 2);
    });
  });
});
