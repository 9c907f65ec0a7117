import { of } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import type { AuthTokens } from '../../lib/auth/auth-config';
import { memoryTokenStore } from '../../lib/auth/token-store';
import { createApiClient, type ApiClient } from '../../lib/client';
import { manualConnectivity, type ManualConnectivity } from '../../lib/offline/connectivity-source';
import type { OutboxConfig } from '../../lib/offline/outbox-config';
import type { OutboxEntry } from '../../lib/offline/outbox-entry';
import { memoryOutboxStorage } from '../../lib/offline/outbox-storage';
import { createEntityStore } from '../../lib/store/entity-store';
import { createMockBackend, type MockBackend } from '../../lib/testing/mock-backend';
import { bearerOf, unsignedJwt } from '../auth/auth-fixtures';
import { createTestScheduler } from '../helpers/marbles';

/**
 * The outbox and the user partition (issue #8, "Users"), with real auth: entries never hold the
 * access token, auth adds the current one at send time (a 401 refreshes, then the entry goes again),
 * and user A's entries are never sent with user B's token after an account switch or a logout.
 */

const ALICE: AuthTokens = { accessToken: unsignedJwt({ sub: 'alice', exp: 99_999 }), refreshToken: 'REFRESH-ALICE' };
const ALICE2: AuthTokens = { accessToken: unsignedJwt({ sub: 'alice', exp: 99_999, v: 2 }), refreshToken: 'REFRESH-ALICE-2' };
const BOB: AuthTokens = { accessToken: unsignedJwt({ sub: 'bob', exp: 99_999 }), refreshToken: 'REFRESH-BOB' };

describe('outbox and the user partition', () => {
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

  function client(outbox: OutboxConfig = {}, refresh = (): AuthTokens => ALICE2): ApiClient {
    const c = createApiClient({
      baseUrl: 'https://api.test',
      transport: backend.handler,
      scheduler: rx,
      random: () => 0.5,
      cache: false,
      retry: false,
      auth: { tokens: memoryTokenStore(), refresh: () => of(refresh()) },
      offline: { sources: [network.source], outbox: { storage, drainLock: 'none', ...outbox } },
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

  const stored = (): OutboxEntry[] => [...storage.data.entries()].filter(([k]) => k.startsWith('entry:')).map(([, v]) => JSON.parse(v) as OutboxEntry);

  it('an entry never holds the access token; auth adds the current one at send time', () => {
    rx.run(() => {
      const c = client();
      c.auth!.setTokens(ALICE);
      c.post('/items', { title: 'a' }, { offline: 'queue', headers: { authorization: 'Bearer SMUGGLED', 'x-app': '1' } }).subscribe();
      advance(0);
      expect(JSON.stringify([...storage.data.values()])).not.toContain(ALICE.accessToken);
      expect(JSON.stringify([...storage.data.values()])).not.toContain('SMUGGLED');
      expect(stored()[0].headers).toEqual({ 'x-app': '1' });
      network.set(true);
      advance(0);
      expect(bearerOf(backend.expectOne('POST /items').request)).toBe(ALICE.accessToken);
    });
  });

  it('401 during replay: auth refreshes once, the entry goes again with the new token and the same key', () => {
    rx.run(() => {
      const c = client();
      c.auth!.setTokens(ALICE);
      let key = '';
      c.outbox.enqueue({ method: 'POST', url: 'https://api.test/items', body: {} }).subscribe((e) => (key = e.idempotencyKey));
      network.set(true);
      advance(0);
      backend.expectOne('POST /items').error(401);
      advance(0);
      const again = backend.expectOne('POST /items');
      expect(bearerOf(again.request)).toBe(ALICE2.accessToken);
      expect(again.request.headers['idempotency-key']).toBe(key);
      again.flush({});
      advance(0);
      expect(stored()).toEqual([]);
    });
  });

  it("account switch (default logout: 'keep'): Alice's entries are never sent with Bob's token; they go when Alice logs in again", () => {
    rx.run(() => {
      const c = client();
      c.auth!.setTokens(ALICE);
      c.post('/items', { title: 'alice' }, { offline: 'queue' }).subscribe({ error: () => undefined });
      advance(0);
      c.auth!.setTokens(BOB);
      c.post('/items', { title: 'bob' }, { offline: 'queue' }).subscribe({ error: () => undefined });
      advance(0);
      let visible: readonly OutboxEntry[] = [];
      c.outbox.entries$.subscribe((list) => (visible = list));
      expect(visible.map((e) => (e.body as { title: string }).title)).toEqual(['bob']); // Bob sees only his
      network.set(true);
      advance(0);
      const bobs = backend.expectOne('POST /items');
      expect(bearerOf(bobs.request)).toBe(BOB.accessToken);
      expect((bobs.request.body as { title: string }).title).toBe('bob');
      bobs.flush({});
      advance(1000);
      backend.expectNone('POST /items'); // Alice's entry waits
      expect(stored().map((e) => (e.body as { title: string }).title)).toEqual(['alice']);
      c.auth!.logout();
      advance(1000);
      backend.expectNone('POST /items'); // nor with no token
      c.auth!.setTokens(ALICE);
      advance(0);
      const alices = backend.expectOne('POST /items');
      expect(bearerOf(alices.request)).toBe(ALICE.accessToken);
      alices.flush({});
      advance(0);
      expect(stored()).toEqual([]);
      expect(backend.received.every((r) => bearerOf(r) === ((r.body as { title: string }).title === 'alice' ? ALICE.accessToken : BOB.accessToken))).toBe(true);
    });
  });

  it("logout: 'discard' drops the previous user's entries, rolling back their optimistic changes", () => {
    rx.run(() => {
      const items = createEntityStore<{ id: string; title: string }>({ idKey: 'id' });
      items.upsertMany([{ id: '1', title: 'old' }]);
      const c = client({ logout: 'discard', optimisticStores: { items } });
      c.auth!.setTokens(ALICE);
      let failure: unknown;
      c.patch('/items/1', { title: 'mine' }, { offline: 'queue', outbox: { optimistic: { store: 'items', id: '1', patch: { title: 'mine' } } } }).subscribe({
        error: (e) => (failure = e),
      });
      advance(0);
      expect(items.get('1')?.title).toBe('mine');
      c.auth!.logout();
      advance(0);
      expect(stored()).toEqual([]);
      expect(items.get('1')?.title).toBe('old');
      expect(failure).toMatchObject({ name: 'OutboxError', reason: 'discarded' });
      network.set(true);
      c.auth!.setTokens(BOB);
      advance(1000);
      expect(backend.received).toHaveLength(0);
    });
  });

  it('optimistic: committed on success (the patch stays, no rollback)', () => {
    rx.run(() => {
      const items = createEntityStore<{ id: string; title: string }>({ idKey: 'id' });
      items.upsertMany([{ id: '1', title: 'old' }]);
      const c = client({ optimisticStores: { items } });
      c.auth!.setTokens(ALICE);
      c.patch('/items/1', { title: 'mine' }, { offline: 'queue', outbox: { optimistic: { store: 'items', id: '1', patch: { title: 'mine' } } } }).subscribe();
      advance(0);
      network.set(true);
      advance(0);
      backend.expectOne('PATCH /items/1').flush({ id: '1', title: 'mine' });
      advance(0);
      expect(items.get('1')?.title).toBe('mine');
      items.upsertMany([{ id: '1', title: 'server later' }]);
      expect(items.get('1')?.title).toBe('server later'); // no patch left layered over the store
    });
  });
});
