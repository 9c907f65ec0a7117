import 'fake-indexeddb/auto';
import localforage from 'localforage';
import { Observable, Subject, lastValueFrom, of, throwError } from 'rxjs';
import { NetworkError } from '../../lib/core/errors';
import type { CacheStore } from '../../lib/cache/cache-store';
import { createPersistentTier, INDEX_KEY } from '../../lib/cache/persistent-tier';
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

interface AppOptions {
  readonly partition?: () => string;
  readonly whenReady?: () => Observable<unknown> | undefined;
  readonly offline?: boolean;
  readonly store?: CacheStore;
}

function app(name: string, options: AppOptions = {}) {
  const { env, events$ } = createEnv();
  const events: ClientEvent[] = [];
  events$.subscribe((e) => events.push(e));
  const sent: ApiRequest[] = [];
  const backend: Handler = (req) => {
    sent.push(req);
    if (options.offline) return throwError(() => new NetworkError(req, 'not-sent', { detail: 'offline' }));
    return of({
      status: 200,
      headers: { 'cache-control': 'max-age=600', etag: '"v1"' },
      body: { id: 1, name: 'from network' },
      url: URL,
      fromCache: false,
      stale: false,
    });
  };
  const { layer, cache } = createCacheLayer({ store: options.store ?? 'localforage', name }, env, {
    partition: options.partition ?? (() => 'user-a'),
    localforageStore: createLocalforageCacheStore,
    persistentTier: createPersistentTier,
    ...(options.whenReady ? { whenReady: options.whenReady } : {}),
  });
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

  it('serves the stored entry on an offline cold start, once the session has loaded its user', async () => {
    const first = app('cold-start');
    await lastValueFrom(first.get());
    await lastValueFrom(first.cache.flush());

    let partition = 'anonymous';
    const loaded$ = new Subject<void>();
    const second = app('cold-start', { offline: true, partition: () => partition, whenReady: () => (partition === 'anonymous' ? loaded$ : undefined) });
    const hit = lastValueFrom(second.get());
    setTimeout(() => {
      partition = 'user-a'; // the token store answered
      loaded$.next();
    }, 5);
    expect(await hit).toMatchObject({ fromCache: true, body: { id: 1, name: 'from network' } });
    expect(second.sent).toEqual([]);
  });

  it('does not bring back after a restart an entry invalidated while it was being written', async () => {
    const inner = createLocalforageCacheStore({ name: 'invalidated-mid-write' });
    let duringWrite: (() => void) | undefined;
    const store: CacheStore = {
      ...inner,
      // The driver has the value; its transaction has not completed yet.
      set: (key, value) =>
        new Observable<void>((subscriber) => {
          const writing = inner.set(key, value).subscribe(subscriber);
          if (key !== INDEX_KEY) duringWrite?.();
          duringWrite = undefined;
          return writing;
        }),
    };
    const first = app('invalidated-mid-write', { store });
    duringWrite = () => first.cache.invalidate('/items').subscribe();
    await lastValueFrom(first.get());
    await lastValueFrom(first.cache.flush());
    expect(duringWrite).toBeUndefined();

    const second = app('invalidated-mid-write');
    expect((await lastValueFrom(second.get())).fromCache).toBe(false);
    expect(second.sent).toHaveLength(1);
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
