import { Observable, of, throwError, NEVER } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { createApiClient, type ApiClient } from '../../lib/client';
import type { ApiClientConfig } from '../../lib/client-config';
import type { ClientEvent } from '../../lib/core/events';
import { CircuitOpenError, OutboxError } from '../../lib/core/errors';
import type { Layer } from '../../lib/core/layer';
import { networkError } from '../../lib/testing/responses';
import { manualConnectivity, type ManualConnectivity } from '../../lib/offline/connectivity-source';
import type { OutboxConfig } from '../../lib/offline/outbox-config';
import type { OutboxEntry } from '../../lib/offline/outbox-entry';
import { memoryOutboxStorage, type OutboxStorage } from '../../lib/offline/outbox-storage';
import { createEntityStore } from '../../lib/store/entity-store';
import { createMockBackend, type MockBackend } from '../../lib/testing/mock-backend';
import { createTestScheduler } from '../helpers/marbles';

interface Item {
  id: string;
  title: string;
}

describe('outbox', () => {
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
  afterEach(() => {
    clients.splice(0).forEach((c) => c.close());
  });

  function client(outbox: OutboxConfig = {}, extra: Partial<ApiClientConfig> = {}): ApiClient {
    const c = createApiClient({
      baseUrl: 'https://api.test',
      transport: backend.handler,
      scheduler: rx,
      random: () => 0.5,
      cache: false,
      retry: false,
      offline: { sources: [network.source], outbox: { storage, drainLock: 'none', ...outbox } },
      ...extra,
    });
    clients.push(c);
    return c;
  }

  /** Runs everything due within the next `ms` of virtual time (a plain flush would run every future timer too). */
  function advance(ms: number): void {
    const target = rx.frame + ms;
    rx.schedule(() => undefined, ms);
    rx.maxFrames = target;
    rx.flush();
    rx.maxFrames = Number.POSITIVE_INFINITY;
  }

  function stored(): OutboxEntry[] {
    return [...storage.data.entries()].filter(([k]) => k.startsWith('entry:')).map(([, v]) => JSON.parse(v) as OutboxEntry);
  }

  function events(c: ApiClient): ClientEvent[] {
    const seen: ClientEvent[] = [];
    c.events$.subscribe((e) => seen.push(e));
    return seen;
  }

  it('persists a queued mutation before telling the caller, sends nothing offline, replays it once with its key when back online', () => {
    rx.run(() => {
      const c = client();
      let receipt: OutboxEntry | undefined;
      c.outbox.enqueue({ method: 'POST', url: 'https://api.test/items', body: { title: 'a' } }).subscribe((e) => {
        expect(stored().map((s) => s.id)).toContain(e.id); // already in storage when the caller hears "queued"
        receipt = e;
      });
      advance(0);
      expect(receipt).toMatchObject({ status: 'queued', method: 'POST', attempts: 0 });
      expect(receipt!.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
      expect(backend.received).toHaveLength(0);

      const answers: unknown[] = [];
      c.outbox.settled(receipt!.id).subscribe((res) => answers.push(res.body));
      network.set(true);
      advance(0);
      const req = backend.expectOne('POST /items');
      expect(req.request.headers['idempotency-key']).toBe(receipt!.idempotencyKey);
      expect(stored()[0]).toMatchObject({ status: 'sending', attempts: 1 });
      req.flush({ id: '1', title: 'a' }, { status: 201 });
      advance(0);
      expect(answers).toEqual([{ id: '1', title: 'a' }]);
      expect(stored()).toEqual([]);
      backend.verify();
    });
  });

  it("client.post(…, { offline: 'queue' }) emits the server's body after the replay; pending$ counts for badges", () => {
    rx.run(() => {
      const c = client();
      const counts: number[] = [];
      c.outbox.pending$.subscribe((n) => counts.push(n));
      const bodies: unknown[] = [];
      c.post('/items', { title: 'a' }, { offline: 'queue' }).subscribe((b) => bodies.push(b));
      c.post('/items', { title: 'b' }, { offline: 'queue' }).subscribe((b) => bodies.push(b));
      advance(0);
      network.set(true);
      advance(0);
      backend.expectOne('POST /items').flush({ ok: 'a' });
      advance(0);
      backend.expectOne('POST /items').flush({ ok: 'b' });
      advance(0);
      expect(bodies).toEqual([{ ok: 'a' }, { ok: 'b' }]);
      expect(counts).toEqual([0, 1, 2, 1, 0]);
    });
  });

  it('sends one entry at a time per scope, in enqueue order; scopes drain independently', () => {
    rx.run(() => {
      const c = client();
      for (const title of ['a', 'b', 'c']) c.outbox.enqueue({ method: 'POST', url: 'https://api.test/items', body: { title } }).subscribe();
      c.outbox.enqueue({ method: 'PUT', url: 'https://api.test/profile', body: { name: 'x' }, scope: 'profile' }).subscribe();
      advance(0);
      network.set(true);
      advance(0);
      expect(backend.match(() => true).map((r) => `${r.request.method} ${(r.request.body as { title?: string }).title ?? 'profile'}`)).toEqual([
        'POST a',
        'PUT profile',
      ]);
      for (const title of ['a', 'b', 'c']) {
        const [req] = backend.match('POST /items');
        expect(backend.match('POST /items')).toHaveLength(1);
        expect((req.request.body as Item).title).toBe(title);
        req.flush({});
        advance(0);
      }
      backend.expectOne('PUT /profile').flush({});
      advance(0);
      backend.verify();
    });
  });

  describe('what each answer means', () => {
    function oneEntry(c: ApiClient): OutboxEntry {
      let entry: OutboxEntry | undefined;
      c.outbox.enqueue({ method: 'PATCH', url: 'https://api.test/items/1', body: { title: 'new' } }).subscribe((e) => (entry = e));
      return new Proxy({} as OutboxEntry, { get: (_, p) => (entry as unknown as Record<string | symbol, unknown>)[p] });
    }

    it('503 / network error: kept, backed off (full jitter from 1 s), re-sent with the same key', () => {
      rx.run(() => {
        const c = client();
        const entry = oneEntry(c);
        network.set(true);
        advance(0);
        backend.expectOne('PATCH /items/1').error(503);
        advance(0);
        expect(stored()[0]).toMatchObject({ status: 'retrying', attempts: 1, lastError: { status: 503 } });
        advance(499);
        backend.expectNone('PATCH /items/1'); // random 0.5 × 1000 ms
        advance(1);
        const again = backend.expectOne('PATCH /items/1');
        expect(again.request.headers['idempotency-key']).toBe(entry.idempotencyKey);
        again.error(require('../../lib/testing/responses').networkError('not-sent'));
        advance(0);
        advance(1000);
        backend.expectOne('PATCH /items/1').flush({});
        advance(0);
        expect(stored()).toEqual([]);
      });
    });

    it('422: a dead letter with the server body; later entries of the scope still go; retry(id) puts it back', () => {
      rx.run(() => {
        const c = client();
        const entry = oneEntry(c);
        c.outbox.enqueue({ method: 'POST', url: 'https://api.test/items', body: { title: 'next' } }).subscribe();
        let failure: unknown;
        advance(0);
        c.outbox.settled(entry.id).subscribe({ error: (e) => (failure = e) });
        network.set(true);
        advance(0);
        backend.expectOne('PATCH /items/1').error(422, { body: { error: 'title too long' } });
        advance(0);
        expect(failure).toBeInstanceOf(OutboxError);
        expect(failure).toMatchObject({ reason: 'dead', queued: true });
        let dead: OutboxEntry[] = [];
        c.outbox.deadLetters$.subscribe((d) => (dead = [...d]));
        expect(dead).toHaveLength(1);
        expect(dead[0].lastError).toMatchObject({ status: 422, body: { error: 'title too long' } });
        backend.expectOne('POST /items').flush({});
        advance(0);
        c.outbox.retry(entry.id).subscribe();
        advance(0);
        const again = backend.expectOne('PATCH /items/1');
        expect(again.request.headers['idempotency-key']).toBe(entry.idempotencyKey);
        again.flush({});
        advance(0);
        expect(dead).toHaveLength(0);
        expect(stored()).toEqual([]);
      });
    });

    it('409 while the server still processes the key: waits (Retry-After) and re-sends with the same key', () => {
      rx.run(() => {
        const c = client();
        const entry = oneEntry(c);
        network.set(true);
        advance(0);
        backend.expectOne('PATCH /items/1').error(409, { headers: { 'retry-after': '2' }, body: { type: 'idempotency-key-in-use' } });
        advance(0);
        advance(1999);
        backend.expectNone('PATCH /items/1');
        advance(1);
        expect(backend.expectOne('PATCH /items/1').request.headers['idempotency-key']).toBe(entry.idempotencyKey);
        backend.expectOne('PATCH /items/1').flush({});
      });
    });

    it('409 / 412 conflict: dead by default; the handler may drop it or retry with a new body and a new key', () => {
      rx.run(() => {
        const c = client({
          onConflict: (entry, error) => (error.status === 412 ? { retryWith: { body: { ...(entry.body as object), version: 2 } } } : 'drop'),
        });
        const first = oneEntry(c);
        network.set(true);
        advance(0);
        backend.expectOne('PATCH /items/1').error(412);
        advance(0);
        const rebased = backend.expectOne('PATCH /items/1');
        expect(rebased.request.body).toEqual({ title: 'new', version: 2 });
        expect(rebased.request.headers['idempotency-key']).not.toBe(first.idempotencyKey);
        rebased.error(409, { body: { message: 'edited elsewhere' } });
        advance(0);
        expect(stored()).toEqual([]); // dropped
        backend.verify();
      });
    });

    it('default conflict handling keeps the server body in a dead letter', () => {
      rx.run(() => {
        const c = client();
        oneEntry(c);
        network.set(true);
        advance(0);
        backend.expectOne('PATCH /items/1').error(409, { body: { current: { title: 'theirs' } } });
        advance(0);
        expect(stored()[0]).toMatchObject({ status: 'dead', lastError: { status: 409, body: { current: { title: 'theirs' } } } });
      });
    });

    it('a circuit-breaker refusal sends nothing and costs no attempt: the entry waits as the breaker says, its backoff does not grow', () => {
      rx.run(() => {
        let refusals = 2;
        // What the fleet layer does while the origin's breaker is open: refuses the attempt, nothing sent.
        const breaker: Layer = (req, next) =>
          refusals-- > 0 ? throwError(() => new CircuitOpenError(req, 'https://api.test', 'open', rx.now() + 1000, 1000)) : next(req);
        const c = client({}, { layers: { attempt: [breaker] } });
        oneEntry(c);
        network.set(true);
        advance(0);
        backend.expectNone('PATCH /items/1');
        expect(stored()[0]).toMatchObject({ status: 'retrying', attempts: 0 });
        advance(999);
        backend.expectNone('PATCH /items/1');
        advance(1); // the breaker's wait, then refused again
        expect(stored()[0]).toMatchObject({ status: 'retrying', attempts: 0 });
        advance(1000);
        const sent = backend.expectOne('PATCH /items/1');
        expect(stored()[0]).toMatchObject({ status: 'sending', attempts: 1 }); // the first real send
        sent.error(503);
        advance(0);
        expect(stored()[0]).toMatchObject({ status: 'retrying', attempts: 1 });
        advance(499); // 0.5 × 1000 ms: the first backoff step, not the third
        backend.expectNone('PATCH /items/1');
        advance(1);
        backend.expectOne('PATCH /items/1').flush({});
        advance(0);
        expect(stored()).toEqual([]);
      });
    });

    it('the fleet breaker pauses the outbox: while it is open nothing is sent and no attempt is spent; the entry is the probe when it is due', () => {
      rx.run(() => {
        const c = client({}, { fleet: { budget: false, breaker: { failureThreshold: 1, openMs: 1000, jitter: 'none' } } });
        network.set(true);
        c.get('/health').subscribe({ error: () => undefined });
        advance(0);
        backend.expectOne('GET /health').error(503); // opens the breaker until 1000
        advance(0);
        const entry = oneEntry(c);
        advance(0);
        backend.expectNone('PATCH /items/1'); // refused by the open breaker, never sent
        expect(stored()[0]).toMatchObject({ status: 'retrying', attempts: 0 });
        advance(999);
        backend.expectNone('PATCH /items/1');
        advance(1);
        const probe = backend.expectOne('PATCH /items/1');
        expect(probe.request.headers['idempotency-key']).toBe(entry.idempotencyKey);
        expect(stored()[0]).toMatchObject({ status: 'sending', attempts: 1 });
        probe.flush({});
        advance(0);
        expect(stored()).toEqual([]);
        expect(backend.received.filter((r) => r.method === 'PATCH')).toHaveLength(1);
      });
    });

    it('a send refused because the client went offline meanwhile (not sent) costs no attempt; the entry goes when back online', () => {
      rx.run(() => {
        const c = client();
        oneEntry(c);
        network.set(true);
        advance(0);
        const req = backend.expectOne('PATCH /items/1');
        network.set(false);
        req.error(networkError('not-sent'));
        advance(0);
        expect(stored()[0]).toMatchObject({ attempts: 0 });
        advance(60_000);
        backend.expectNone('PATCH /items/1'); // offline: nothing goes
        network.set(true);
        advance(1000);
        backend.expectOne('PATCH /items/1').flush({});
        advance(0);
        expect(stored()).toEqual([]);
      });
    });

    it('discard(id) removes a dead letter and fails its waiter with discarded', () => {
      rx.run(() => {
        const c = client();
        const entry = oneEntry(c);
        network.set(true);
        advance(0);
        backend.expectOne('PATCH /items/1').error(400);
        advance(0);
        c.outbox.discard(entry.id).subscribe();
        advance(0);
        expect(stored()).toEqual([]);
      });
    });
  });

  describe('restart', () => {
    it('a new client on the same storage finds pending entries and replays them in order', () => {
      rx.run(() => {
        const first = client();
        for (const title of ['a', 'b']) first.post('/items', { title }, { offline: 'queue' }).subscribe({ error: () => undefined });
        advance(0);
        first.close();
        const second = client();
        network.set(true);
        advance(0);
        expect((backend.expectOne('POST /items').request.body as Item).title).toBe('a');
        backend.expectOne('POST /items').flush({});
        advance(0);
        expect((backend.expectOne('POST /items').request.body as Item).title).toBe('b');
        backend.expectOne('POST /items').flush({});
        advance(0);
        expect(stored()).toEqual([]);
        void second;
      });
    });

    it('an entry killed mid-send (sending persisted) is re-sent with the same key', () => {
      rx.run(() => {
        const first = client();
        let key = '';
        first.outbox.enqueue({ method: 'POST', url: 'https://api.test/items', body: { title: 'a' } }).subscribe((e) => (key = e.idempotencyKey));
        network.set(true);
        advance(0);
        backend.expectOne('POST /items'); // on the wire… and the app is killed
        expect(stored()[0].status).toBe('sending');
        first.close();
        expect(backend.match('POST /items')).toHaveLength(0); // the old request was cancelled with the client
        client();
        advance(0);
        const resent = backend.expectOne('POST /items');
        expect(resent.request.headers['idempotency-key']).toBe(key);
        resent.flush({});
        advance(0);
        expect(stored()).toEqual([]);
      });
    });

    it('re-shows the optimistic patches of pending entries after a restart; rolls back exactly on a dead letter', () => {
      rx.run(() => {
        const items = () => {
          const store = createEntityStore<Item>({ idKey: 'id' });
          store.upsertMany([
            { id: '1', title: 'old' },
            { id: '2', title: 'two' },
          ]);
          return store;
        };
        const before = items();
        const first = client({ optimisticStores: { items: before } });
        first
          .patch('/items/1', { title: 'mine' }, { offline: 'queue', outbox: { optimistic: { store: 'items', id: '1', patch: { title: 'mine' } } } })
          .subscribe({ error: () => undefined });
        advance(0);
        expect(before.get('1')?.title).toBe('mine'); // the UI updates at once
        first.close();

        const after = items(); // a fresh process: the server's data, no patch
        client({ optimisticStores: { items: after } });
        advance(0);
        expect(after.get('1')?.title).toBe('mine'); // shown again from the outbox
        network.set(true);
        advance(0);
        backend.expectOne('PATCH /items/1').error(422);
        advance(0);
        expect(after.get('1')).toEqual({ id: '1', title: 'old' });
        expect(after.get('2')).toEqual({ id: '2', title: 'two' });
      });
    });
  });

  describe('bad input and bad storage', () => {
    it('an unserializable body is refused: OutboxError unserializable, not queued', () => {
      rx.run(() => {
        const c = client();
        const circular: Record<string, unknown> = {};
        circular.self = circular;
        let error: OutboxError | undefined;
        c.post('/items', circular, { offline: 'queue' }).subscribe({ error: (e) => (error = e) });
        advance(0);
        expect(error).toMatchObject({ name: 'OutboxError', reason: 'unserializable', queued: false });
        expect(stored()).toEqual([]);
      });
    });

    it('a quota error on write: OutboxError storage-failed that says the mutation was NOT queued', () => {
      rx.run(() => {
        const quota = Object.assign(new Error('quota'), { name: 'QuotaExceededError' });
        const full: OutboxStorage = { ...storage, set: () => throwError(() => quota) };
        const c = client({ storage: full });
        let error: OutboxError | undefined;
        c.post('/items', { title: 'a' }, { offline: 'queue' }).subscribe({ error: (e) => (error = e) });
        advance(0);
        expect(error).toMatchObject({ reason: 'storage-failed', queued: false });
        expect(error!.message).toContain('NOT queued');
        expect(error!.cause).toBe(quota);
      });
    });

    it('a storage that never answers: a bounded wait (5 s), then OutboxError storage-timeout; never a hang', () => {
      rx.run(() => {
        const stuck: OutboxStorage = { ...storage, set: () => NEVER };
        const c = client({ storage: stuck });
        const seen = events(c);
        let error: OutboxError | undefined;
        c.post('/items', { title: 'a' }, { offline: 'queue' }).subscribe({ error: (e) => (error = e) });
        advance(4999);
        expect(error).toBeUndefined();
        advance(1);
        expect(error).toMatchObject({ reason: 'storage-timeout', queued: false });
        expect(seen.some((e) => e.type === 'outbox-storage-error')).toBe(true);
      });
    });

    it('a storage whose key listing never answers fails enqueue the same bounded way', () => {
      rx.run(() => {
        const c = client({ storage: { ...storage, keys: () => new Observable<string[]>(() => undefined) } });
        let error: OutboxError | undefined;
        c.outbox.enqueue({ method: 'POST', url: 'https://api.test/x' }).subscribe({ error: (e) => (error = e) });
        advance(5000);
        expect(error).toMatchObject({ reason: 'storage-timeout' });
      });
    });

    it('corrupted entries are reported (outbox-corrupt), left in storage and never sent; good ones still go', () => {
      rx.run(() => {
        storage.data.set('entry:bad1', JSON.stringify({ id: 'bad1', method: 'POST' }));
        storage.data.set('entry:bad2', '"just a string"');
        const first = client();
        first.outbox.enqueue({ method: 'POST', url: 'https://api.test/items', body: {} }).subscribe();
        advance(0);
        first.close();
        const seen: ClientEvent[] = [];
        const second = createApiClient({
          baseUrl: 'https://api.test',
          transport: backend.handler,
          scheduler: rx,
          cache: false,
          retry: false,
          offline: { sources: [of(true)], outbox: { storage, drainLock: 'none' } },
        });
        clients.push(second);
        second.events$.subscribe((e) => seen.push(e));
        // the load already ran at creation; a drain triggers nothing new but the good entry is out
        advance(0);
        backend.expectOne('POST /items').flush({});
        advance(0);
        expect(storage.data.has('entry:bad1')).toBe(true);
        expect(storage.data.has('entry:bad2')).toBe(true);
        backend.verify();
      });
    });

    it('reports corrupted entries as events', () => {
      rx.run(() => {
        storage.data.set('entry:bad', JSON.stringify({ id: 'bad' }));
        const seen: ClientEvent[] = [];
        const env = createApiClient({
          baseUrl: 'https://api.test',
          transport: backend.handler,
          scheduler: rx,
          cache: false,
          offline: {
            sources: [network.source],
            outbox: {
              storage: { ...storage, keys: () => new Observable<string[]>((s) => void rx.schedule(() => (s.next([...storage.data.keys()]), s.complete()), 1)) },
              drainLock: 'none',
            },
          },
        });
        clients.push(env);
        env.events$.subscribe((e) => seen.push(e));
        advance(1);
        expect(seen).toContainEqual(expect.objectContaining({ type: 'outbox-corrupt', key: 'entry:bad' }));
      });
    });
  });

  describe("'fallback'", () => {
    it('is sent at once when online; queued with the same key when its retries run out on a transient failure', () => {
      rx.run(() => {
        network.set(true);
        const c = client({}, { retry: { maxAttempts: 2, baseDelayMs: 100 } });
        let body: unknown;
        c.post('/items', { title: 'a' }, { offline: 'fallback' }).subscribe((b) => (body = b));
        advance(0);
        const first = backend.expectOne('POST /items');
        const key = first.request.headers['idempotency-key'];
        expect(key).toBeDefined();
        first.error(503);
        advance(100);
        backend.expectOne('POST /items').error(503); // retries ran out → queued
        advance(0);
        expect(stored()[0]).toMatchObject({ idempotencyKey: key, attempts: 2, status: 'retrying' });
        advance(999);
        backend.expectNone('POST /items'); // 0.5 × 2 s after the second failure
        advance(1);
        const replay = backend.expectOne('POST /items');
        expect(replay.request.headers['idempotency-key']).toBe(key);
        replay.flush({ id: 'x' });
        advance(0);
        expect(body).toEqual({ id: 'x' });
      });
    });

    it('a final answer (4xx) goes to the caller, nothing is queued', () => {
      rx.run(() => {
        network.set(true);
        const c = client();
        let error: unknown;
        c.post('/items', { title: 'a' }, { offline: 'fallback' }).subscribe({ error: (e) => (error = e) });
        advance(0);
        backend.expectOne('POST /items').error(400);
        advance(0);
        expect(error).toMatchObject({ name: 'HttpError', status: 400 });
        expect(stored()).toEqual([]);
      });
    });

    it('sent while offline: queued', () => {
      rx.run(() => {
        const c = client();
        c.post('/items', { title: 'a' }, { offline: 'fallback' }).subscribe();
        advance(0);
        expect(stored()).toHaveLength(1);
        expect(backend.received).toHaveLength(0);
      });
    });
  });
});
