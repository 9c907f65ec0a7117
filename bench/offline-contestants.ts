/**
 * The offline-first clients of the offline benchmark, each set up the way its docs recommend for
 * mutations made offline that must survive an app restart, on the same storage ({@link DiskHandle})
 * and the same server. Every retry delay is the library's own default divided by {@link SCALE}.
 *
 * | contestant    | persistence                                      | replay and order                              | retry (÷ 100)                         |
 * | ------------- | ------------------------------------------------ | --------------------------------------------- | ------------------------------------- |
 * | rxsync        | `offline.outbox.storage` (an `OutboxStorage` on the disk), `drainLock: 'none'` (one process; the default lease lasts 10 s) | `post(…, { offline: 'queue' })`; per-origin scope, Idempotency-Key per entry | outbox 1 s → 5 min full jitter; retry layer 1/2/4 s; breaker 3 s; connectivity recheck 5 s |
 * | TanStack Query | `persistQueryClient` + `createAsyncStoragePersister` (throttle 1 s) | paused mutations, `setMutationDefaults` (mutationFn survives), `resumePausedMutations()` after restore, `scope: { id }` | `retry: 3` (the queries' default; mutations default to 0), default `retryDelay` min(1 s · 2ⁿ, 30 s) |
 * | redux-offline | its defaults (redux-persist v4 `persistStore`) with `persistOptions.storage` = the disk | one outbox, head first; `detectNetwork` fed by the bench | default decay schedule 1 s, 5 s, 15 s … 1 h; default `discard` |
 */
import { offline } from '@redux-offline/redux-offline';
import offlineDefaults from '@redux-offline/redux-offline/lib/defaults';
import { createAsyncStoragePersister } from '@tanstack/query-async-storage-persister';
import { MutationObserver, onlineManager, QueryClient } from '@tanstack/query-core';
import { persistQueryClient } from '@tanstack/query-persist-client-core';
import { applyMiddleware, compose, legacy_createStore as createStore, type Middleware, type StoreEnhancer, type UnknownAction } from 'redux';
import { defer, map, skip, take, type Subscription } from 'rxjs';
import type { OutboxStorage } from '../lib';
import type { Rxsync } from './cache-built';
import type { DiskHandle } from './offline-disk';

/** Every library's retry delays are divided by this, so the run takes seconds, not hours. */
export const SCALE = 100;

/** One edit the user made offline; `n` is its place in the order the user made them. */
export interface Edit {
  readonly n: number;
  readonly text: string;
}

export const editOf = (n: number): Edit => ({ n, text: `edit #${n}` });

/** Shared by the app processes of one contestant's run. */
export interface OfflineRun {
  readonly baseUrl: string;
  /** Edits the client gave up on and told the app so (rolled back, dead-lettered, failed). */
  readonly gaveUp: Set<number>;
}

/** One app process. */
export interface OfflineApp {
  /** Resolves once the persisted state of earlier processes is restored (the app may edit then). */
  readonly ready: Promise<void>;
  edit(n: number): void;
  /** Connectivity returns. */
  online(): void;
  /** Edits the client still holds to send. */
  pending(): number;
  /** The process dies: its storage handle drops writes first, then the instance stops. */
  kill(): void;
  /** The end of the run (after the drain). */
  close(): void;
}

export interface OfflineContestant {
  readonly name: string;
  start(disk: DiskHandle, run: OfflineRun): OfflineApp;
}

/** `fetch` as the peers' apps would write it: JSON in, JSON out, an error with `status` for a non-2xx. */
async function postEdit(baseUrl: string, edit: Edit): Promise<unknown> {
  const res = await fetch(`${baseUrl}/edits`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(edit) });
  if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { status: res.status });
  return res.json();
}

export function rxsyncContestant(rx: Rxsync): OfflineContestant {
  return {
    name: "rxsync outbox (post(…, { offline: 'queue' }))",
    start(disk, run) {
      const network = rx.manualConnectivity(false);
      const client = rx.createApiClient({
        baseUrl: run.baseUrl,
        retry: { baseDelayMs: 1000 / SCALE, maxDelayMs: 30_000 / SCALE },
        fleet: { breaker: { openMs: 3000 / SCALE, maxOpenMs: 3000 / SCALE } },
        offline: {
          sources: [network.source],
          recheckDelayMs: 5000 / SCALE,
          maxRecheckDelayMs: 60_000 / SCALE,
          outbox: { storage: outboxStorageOn(disk), drainLock: 'none', baseDelayMs: 1000 / SCALE, maxDelayMs: 300_000 / SCALE },
        },
      });
      let pending = 0;
      const subscriptions: Subscription[] = [
        client.outbox.pending$.subscribe((count) => (pending = count)),
        client.outbox.deadLetters$.subscribe((dead) => {
          for (const entry of dead) run.gaveUp.add((entry.body as Edit).n);
        }),
      ];
      const stop = (): void => {
        for (const sub of subscriptions) sub.unsubscribe();
        client.close();
      };
      return {
        // The outbox has no "restored" signal of its own: it publishes its entries once it has
        // read the storage (the first emission is the empty list it starts with).
        ready: new Promise<void>((resolve) => client.outbox.entries$.pipe(skip(1), take(1)).subscribe(() => resolve())),
        edit: (n) => client.post('/edits', editOf(n), { offline: 'queue' }).subscribe({ error: () => undefined }),
        online: () => network.set(true),
        pending: () => pending,
        kill: () => {
          disk.kill();
          stop();
        },
        close: stop,
      };
    },
  };
}

/** The outbox's storage port on the disk; values go through JSON, as localforage's would. */
function outboxStorageOn(disk: DiskHandle): OutboxStorage {
  return {
    get: (key) => defer(() => disk.getItem(key)).pipe(map((value) => (value === null ? undefined : (JSON.parse(value) as unknown)))),
    set: (key, value) => defer(() => disk.setItem(key, JSON.stringify(value))),
    remove: (key) => defer(() => disk.removeItem(key)),
    keys: () => defer(() => disk.getAllKeys()),
  };
}

export const tanstackContestant: OfflineContestant = {
  name: 'TanStack Query 5.104.5 (persisted paused mutations)',
  start(disk, run) {
    // onlineManager is a module singleton: every process starts offline, the last one goes online.
    onlineManager.setOnline(false);
    const queryClient = new QueryClient({ defaultOptions: { queries: { gcTime: 1000 * 60 * 60 * 24 } } });
    // The docs: a default mutationFn per key, so that paused mutations can resume after a reload.
    queryClient.setMutationDefaults(['edit'], {
      mutationFn: (edit: Edit) => postEdit(run.baseUrl, edit),
      scope: { id: 'edits' },
      retry: 3,
      retryDelay: (failureCount: number) => Math.min(1000 * 2 ** failureCount, 30_000) / SCALE,
      onError: (_error: unknown, edit: Edit) => run.gaveUp.add(edit.n),
    });
    queryClient.mount();
    const persister = createAsyncStoragePersister({ storage: disk });
    const [stopPersisting, restored] = persistQueryClient({ queryClient, persister });
    const stop = (): void => {
      stopPersisting();
      queryClient.unmount();
    };
    return {
      // PersistQueryClientProvider's documented onSuccess: resume the restored paused mutations.
      ready: restored.then(() => void queryClient.resumePausedMutations()),
      edit: (n) => void new MutationObserver<unknown, Error, Edit>(queryClient, { mutationKey: ['edit'] }).mutate(editOf(n)).catch(() => undefined),
      online: () => onlineManager.setOnline(true),
      pending: () =>
        queryClient
          .getMutationCache()
          .getAll()
          .filter((m) => m.state.status === 'pending').length,
      kill: () => {
        disk.kill();
        stop();
      },
      close: () => {
        stop();
        queryClient.clear();
      },
    };
  },
};

type EditAction = UnknownAction & { readonly meta: { readonly n: number } };

export const reduxOfflineContestant: OfflineContestant = {
  name: 'redux-offline 2.6.0 (defaults)',
  start(disk, run) {
    let hear: (online: boolean) => void = () => undefined;
    let alive = true;
    let restored: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (restored = resolve));
    // The app's own middleware, where it learns of rollbacks; inside the offline enhancer so it
    // also sees the actions redux-offline dispatches itself.
    const rollbacks: Middleware = () => (next) => (action) => {
      if ((action as EditAction).type === 'EDIT_ROLLBACK') run.gaveUp.add((action as EditAction).meta.n);
      return next(action);
    };
    const enhancer = offline({
      ...offlineDefaults,
      // The default listens to `window` online/offline events, which Node does not have.
      detectNetwork: (callback) => {
        hear = callback;
        callback(false);
      },
      persistOptions: { storage: disk },
      persistCallback: () => restored(),
      retry: (action, retries) => {
        const delay = offlineDefaults.retry(action, retries);
        return typeof delay === 'number' ? delay / SCALE : delay;
      },
    }) as unknown as StoreEnhancer;
    const store = createStore((state: object = {}) => state, compose(enhancer, applyMiddleware(rollbacks)) as StoreEnhancer);
    const outbox = (): unknown[] => (store.getState() as { offline: { outbox: unknown[] } }).offline.outbox;
    return {
      ready,
      edit: (n) =>
        store.dispatch({
          type: 'EDIT',
          payload: editOf(n),
          meta: {
            offline: {
              effect: { url: `${run.baseUrl}/edits`, method: 'POST', json: editOf(n) },
              commit: { type: 'EDIT_COMMIT', meta: { n } },
              rollback: { type: 'EDIT_ROLLBACK', meta: { n } },
            },
          },
        }),
      online: () => {
        if (alive) hear(true);
      },
      pending: () => outbox().length,
      kill: () => {
        disk.kill();
        alive = false;
      },
      close: () => {
        alive = false;
      },
    };
  },
};
