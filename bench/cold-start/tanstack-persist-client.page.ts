/**
 * TanStack Query in the cold-start page, configured as its `persistQueryClient` docs recommend:
 * `createAsyncStoragePersister` over an async storage (here localforage, so IndexedDB, the same
 * driver rxsync uses), `gcTime` of 24 h on the queries so restored ones are not collected, and
 * `maxAge` 24 h on the persisted client. `staleTime` of 1 h stands in for the server's
 * `max-age=3600` (TanStack reads no HTTP headers), so a restored query answers without a fetch.
 *
 * The whole cache is one stored value (the dehydrated client, JSON): a new client reads, parses and
 * hydrates all of it before any query can be answered from it.
 */
import { createAsyncStoragePersister } from '@tanstack/query-async-storage-persister';
import { QueryClient } from '@tanstack/query-core';
import { persistQueryClient, persistQueryClientSave } from '@tanstack/query-persist-client-core';
import localforage from 'localforage';
import { expose, fetchCount, fetchItem, forEachItem } from './page-api';

const DAY_MS = 24 * 60 * 60 * 1000;
const STALE_MS = 60 * 60 * 1000;

const queryClient = (): QueryClient => new QueryClient({ defaultOptions: { queries: { gcTime: DAY_MS, staleTime: STALE_MS } } });
const persister = (db: string): ReturnType<typeof createAsyncStoragePersister> =>
  createAsyncStoragePersister({ storage: localforage.createInstance({ name: db }) });
const itemQuery = (id: number) => ({ queryKey: ['items', id], queryFn: () => fetchItem(id) }) as const;

expose({
  async seed(db, count) {
    const t0 = performance.now();
    const client = queryClient();
    await forEachItem(count, 8, (id) => client.fetchQuery(itemQuery(id)));
    // What persistQueryClient's subscription runs on every cache change (throttled), called once
    // and awaited here so the seed ends with everything stored.
    const seeding = persister(db);
    await persistQueryClientSave({ queryClient: client, persister: seeding });
    const stored = await seeding.restoreClient();
    return { persisted: stored?.clientState.queries.length ?? 0, ms: performance.now() - t0 };
  },
  async firstAnswer(db, id) {
    const t0 = performance.now();
    const client = queryClient();
    const [, restored] = persistQueryClient({ queryClient: client, persister: persister(db), maxAge: DAY_MS });
    // The docs' vanilla setup: queries wait for the restore (PersistQueryClientProvider does this in React).
    await restored;
    const item = await client.fetchQuery(itemQuery(id));
    const ms = performance.now() - t0;
    return { ms, id: item.id, source: fetchCount() === 0 ? 'storage' : 'network' };
  },
});
