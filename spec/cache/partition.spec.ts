import { AsyncSubject, BehaviorSubject, map, timer } from 'rxjs';
import { NetworkError } from '../../lib/core/errors';
import { createMemoryCacheStore } from '../../lib/cache/memory.cache-store';
import { INDEX_KEY } from '../../lib/cache/persistent-tier';
import { URL_A, createCacheHarness, expectFullyCached, expectNotCached, prime } from './helpers';

const fresh = { 'cache-control': 'max-age=600' };

describe('user partitions', () => {
  it("makes user A's entries unreachable for user B", () => {
    const h = createCacheHarness();
    prime(h, URL_A, fresh);
    h.setPartition('user-b');
    expectNotCached(h, URL_A);
    h.setPartition('user-a');
    expectFullyCached(h, URL_A);
  });

  it("purges the previous user's entries from both tiers on a partition change", () => {
    const store = createMemoryCacheStore();
    const partitions = new BehaviorSubject('user-a');
    const h = createCacheHarness({ store }, { partitionChanges$: partitions });
    prime(h, URL_A, fresh);
    prime(h, 'https://api.example.com/me', fresh);
    h.advance(0);
    expect([...store.entries.keys()].filter((k) => k !== INDEX_KEY)).toHaveLength(2);

    h.setPartition('anonymous');
    partitions.next('anonymous');
    expect([...store.entries.keys()].filter((k) => k !== INDEX_KEY)).toEqual([]);
    h.setPartition('user-a');
    expectNotCached(h, URL_A); // gone from memory too, not only unreachable
  });

  it("purges every Vary variant of the previous user's URLs on a partition change (RFC 9111 §4.1)", () => {
    const store = createMemoryCacheStore();
    const partitions = new BehaviorSubject('user-a');
    const h = createCacheHarness({ store }, { partitionChanges$: partitions });
    const varied = { ...fresh, vary: 'Accept-Language' };
    h.respond({ status: 200, headers: varied, body: 'fr' }, { status: 200, headers: varied, body: 'de' });
    h.read(URL_A, { headers: { 'accept-language': 'fr' } });
    h.read(URL_A, { headers: { 'accept-language': 'de' } });
    h.advance(0);
    expect([...store.entries.keys()].filter((k) => k !== INDEX_KEY)).toHaveLength(2);

    h.setPartition('anonymous');
    partitions.next('anonymous');
    expect([...store.entries.keys()].filter((k) => k !== INDEX_KEY)).toEqual([]);
    h.setPartition('user-a');
    expectNotCached(h, URL_A, { headers: { 'accept-language': 'fr' } });
    expectNotCached(h, URL_A, { headers: { 'accept-language': 'de' } });
  });

  it("keeps the current user's entries when the same partition is announced again (e.g. at startup)", () => {
    const store = createMemoryCacheStore();
    const h = createCacheHarness({ store });
    prime(h, URL_A, fresh);
    h.advance(0);
    const again = createCacheHarness({ store }, { rx: h.rx, partitionChanges$: new BehaviorSubject('user-a') });
    expectFullyCached(again, URL_A);
  });

  it("serves the signed-in user's stored entries on an offline cold start, once the session has loaded", () => {
    const store = createMemoryCacheStore();
    const h = createCacheHarness({ store });
    prime(h, URL_A, fresh);
    h.advance(0);

    // Restart: the token store answers later; until then the session says 'anonymous'.
    const loaded = new AsyncSubject<void>();
    let ready = false;
    loaded.subscribe({ complete: () => (ready = true) });
    const again = createCacheHarness({ store }, { rx: h.rx, partition: 'anonymous', whenReady: () => (ready ? undefined : loaded) });
    again.respond(new NetworkError({ method: 'GET', url: URL_A }, 'not-sent', { detail: 'offline' }));
    const first = again.read(URL_A);
    expect(first.values).toEqual([]);
    again.setPartition('user-a');
    loaded.next();
    loaded.complete();
    expect(first.error).toBeUndefined();
    expect(first.values.map((v) => [v.body, v.fromCache])).toEqual([['A', true]]);
    expect(again.requests).toEqual([]);
    expect(again.events).toContainEqual(expect.objectContaining({ type: 'cache-hit', tier: 'persistent' }));
  });

  it('never stores an app-set Authorization, only its digest, when the response varies on it', () => {
    const store = createMemoryCacheStore();
    const h = createCacheHarness({ store });
    h.respond({ status: 200, headers: { 'cache-control': 'max-age=600', vary: 'Authorization, Accept' }, body: { id: 1 } });
    h.read(URL_A, { headers: { authorization: 'Bearer secret-token-123', accept: 'application/json' } });
    h.advance(0);
    const stored = JSON.stringify([...store.entries.values()]);
    expect(stored).not.toContain('secret-token-123');
    expect([...store.entries.values()]).toContainEqual(
      expect.objectContaining({ varyHeaders: { accept: 'application/json', authorization: expect.stringMatching(/^h:[0-9a-f]{16}$/) } }),
    );
  });

  it('does not file a response under the new user when the user changed while it was in flight', () => {
    const store = createMemoryCacheStore();
    const h = createCacheHarness({ store });
    h.respond(
      timer(100, h.rx).pipe(map(() => ({ status: 200, headers: { 'cache-control': 'max-age=600' }, body: 'A', url: URL_A, fromCache: false, stale: false }))),
    );
    const result = h.read(URL_A);
    h.setPartition('user-b');
    h.advance(100);
    expect(result.values.map((v) => v.body)).toEqual(['A']);
    expectNotCached(h, URL_A);
    h.setPartition('user-a');
    expectNotCached(h, URL_A);
  });
});
