/**
 * TanStack Query's per-query persister (`experimental_createQueryPersister`), the peer closest to
 * rxsync's design: each query is its own stored value, read lazily when a query without data runs,
 * so a cold start reads one entry instead of the whole cache. Configured as its docs show: the
 * `persisterFn` in the client's default query options, over an async storage (localforage, so
 * IndexedDB, the same driver rxsync uses), default JSON serialization, `maxAge` 24 h; `gcTime` and
 * `staleTime` as in the `persistQueryClient` page.
 */
import { QueryClient } from '@tanstack/query-core';
import { experimental_createQueryPersister } from '@tanstack/query-persist-client-core';
import localforage from 'localforage';
import { expose, fetchCount, fetchItem, forEachItem } from './page-api';

const DAY_MS = 24 * 60 * 60 * 1000;
const STALE_MS = 60 * 60 * 1000;
/** The persister's default key prefix (`tanstack-query-<queryHash>`), to count what it stored. */
const PREFIX = 'tanstack-query';

function queryClient(db: string): QueryClient {
  const persister = experimental_createQueryPersister({ storage: localforage.createInstance({ name: db }), maxAge: DAY_MS, prefix: PREFIX });
  return new QueryClient({ defaultOptions: { queries: { gcTime: DAY_MS, staleTime: STALE_MS, persister: persister.persisterFn } } });
}

const itemQuery = (id: number) => ({ queryKey: ['items', id], queryFn: () => fetchItem(id) }) as const;

expose({
  async seed(db, count) {
    const t0 = performance.now();
    const client = queryClient(db);
    await forEachItem(count, 8, (id) => client.fetchQuery(itemQuery(id)));
    // The persisterFn stores each answer on its own, after delivery and unawaited: wait until the
    // storage holds them all (the bench's timeout bounds the wait).
    const storage = localforage.createInstance({ name: db });
    const stored = async (): Promise<number> => (await storage.keys()).filter((key) => key.startsWith(`${PREFIX}-`)).length;
    while ((await stored()) < count) await new Promise((done) => setTimeout(done, 50));
    return { persisted: await stored(), ms: performance.now() - t0 };
  },
  async firstAnswer(db, id) {
    const t0 = performance.now();
    const client = queryClient(db);
    const item = await client.fetchQuery(itemQuery(id));
    const ms = performance.now() - t0;
    return { ms, id: item.id, source: fetchCount() === 0 ? 'storage' : 'network' };
  },
});
