import 'fake-indexeddb/auto';
import localforage from 'localforage';
import { lastValueFrom, of, type Observable } from 'rxjs';
import { RequestContext } from '../../lib/core/context';
import { createEnv } from '../../lib/core/env';
import type { ClientEvent } from '../../lib/core/events';
import { chain, type Handler } from '../../lib/core/layer';
import type { ApiRequest } from '../../lib/core/request';
import type { ApiResponse } from '../../lib/core/response';
import { createCacheLayer } from '../../lib/cache/cache.layer';
import { cacheKey } from '../../lib/cache/cache-key';
import { createLocalforageCacheStore } from '../../lib/cache/localforage.cache-store';

// Promise-based storage: the one place these specs are async (the RxJS guide's advice), on the real async scheduler.

const URL = 'https://api.example.com/items/1';
const request: ApiRequest = { method: 'GET', url: URL, headers: {}, responseType: 'auto', context: RequestContext.empty() };

function app(name: string) {
  const { env, events$ } = createEnv();
  const events: ClientEvent[] = [];
  events$.subscribe((e) => events.push(e));
  const sent: ApiRequest[] = [];
  const backend: Handler = (req) => {
    sent.push(req);
    return of({ status: 200, headers: { 'cache-control': 'max-age=600', etag: '"v1"' }, body: { id: 1, name: 'from network' }, url: URL, fromCache: false, stale: false });
  };
  const { layer, cache } = createCacheLayer({ store: 'localforage', name }, env, { partition: () => 'user-a' });
  const get = (): Observable<ApiResponse> => chain([layer], backend)(request);
  return { get, cache, events, sent };
}

describe('createLocalforageCacheStore (fake-indexeddb)', () => {
  it('round-trips values, keys, removal and clear', async () => {
    const store = createLocalforageCacheStore({ name: 'roundtrip' });
    await lastValueFrom(store.set('k', { a: [1, 2] }), { defaultValue: undefined });
    expect(await lastValueFrom(store.get('k'))).toEqual({ a: [1, 2] });
    expect(await lastValueFrom(store.keys())).toEqual(['k']);
    await lastValueFrom(store.remove('k'), { defaultValue: undefined });
    expect(await lastValueFrom(store.get('k'))).toBeUndefined();
    await lastValueFrom(store.set('k2', 1), { defaultValue: undefined });
    await lastValueFrom(store.clear(), { defaultValue: undefined });
    expect(await lastValueFrom(store.keys())).toEqual([]);
  });

  it('lets a new layer instance on the same database serve a fresh entry without network', async () => {
    const first = app('restart');
    expect((await lastValueFrom(first.get())).fromCache).toBe(false);
    await lastValueFrom(first.cache.flush());

    const second = app('restart');
    const hit = await lastValueFrom(second.get());
    expect(hit).toMatchObject({ fromCache: true, stale: false, body: { id: 1, name: 'from network' } });
    expect(second.sent).toEqual([]);
    expect(second.events).toContainEqual(expect.objectContaining({ type: 'cache-hit', tier: 'persistent' }));
  });

  it('survives a corrupted entry: event, then the network', async () => {
    const first = app('corrupt');
    await lastValueFrom(first.get());
    await lastValueFrom(first.cache.flush());
    const raw = localforage.createInstance({ name: 'corrupt', storeName: 'http_cache' });
    await raw.setItem(cacheKey('user-a', 'GET', URL), { v: 1, key: 'truncated' });

    const second = app('corrupt');
    const res = await lastValueFrom(second.get());
    expect(res.fromCache).toBe(false);
    expect(second.sent).toHaveLength(1);
    expect(second.events).toContainEqual(expect.objectContaining({ type: 'cache-error', operation: 'read' }));
  });

  it('clear() wipes the database', async () => {
    const first = app('wipe');
    await lastValueFrom(first.get());
    await lastValueFrom(first.cache.flush());
    await lastValueFrom(first.cache.clear());
    const raw = localforage.createInstance({ name: 'wipe', storeName: 'http_cache' });
    expect(await raw.keys()).toEqual([]);
  });
});
