/**
 * The demo's phone app, one process per life: `runOfflineChapter` starts it, kills it with SIGKILL
 * and starts it again on the same files, so the restart is a real one (nothing survives in
 * memory). It talks to its parent over the IPC channel of `fork`:
 * - to the parent: `{ type: 'line', text }` (the timeline), `{ type: 'queued', keys }` (life 1, the
 *   edits are on disk: kill me now), `{ type: 'report', ... }` (life 2, everything settled);
 * - from the parent: `{ type: 'online' }` (life 2: connectivity is back).
 *
 * Args: `<life 1|2> <server url> <data dir> <startedAt ms>`.
 */
import { join } from 'node:path';
import { filter, firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { createApiClient, createEntityStore, manualConnectivity, type ApiClient, type AuthTokens, type EntityStore } from 'rxsync';
import { describeEvent } from '../timeline';
import { fileStore, fileTokenStore } from './file-store';
import { EDITS, type Item, type PhoneMessage } from './phone-protocol';

const [life, serverUrl, dir, startedAtArg] = process.argv.slice(2);
const startedAt = Number(startedAtArg);
const tell = (message: PhoneMessage): void => void process.send?.(message);
const say = (text: string): void => tell({ type: 'line', text });

function openApp(online: boolean): { client: ApiClient; store: EntityStore<Item>; network: ReturnType<typeof manualConnectivity> } {
  const network = manualConnectivity(online);
  const store = createEntityStore<Item>({ idKey: 'id' });
  const client: ApiClient = createApiClient({
    baseUrl: serverUrl,
    timeoutMs: 1_500,
    retry: { maxAttempts: 4, baseDelayMs: 300 },
    cache: { store: fileStore(join(dir, 'cache.json')) },
    auth: {
      tokens: fileTokenStore(join(dir, 'session.json')),
      refresh: (refreshToken) => client.post<AuthTokens>('/auth/refresh', { refreshToken }, { skipAuth: true }),
    },
    offline: {
      sources: [network.source],
      outbox: {
        storage: fileStore(join(dir, 'outbox.json')),
        // One process is the whole phone: no second drainer to exclude (a browser uses Web Locks).
        drainLock: 'none',
        baseDelayMs: 300,
        optimisticStores: { items: store },
      },
    },
  });
  client.events$.subscribe((event) => {
    const line = describeEvent(event, startedAt);
    if (line) say(line);
  });
  return { client, store, network };
}

const view = (store: EntityStore<Item>): string => EDITS.map(({ id }) => `${id}: ${JSON.stringify(store.get(id)?.name ?? '—')}`).join(', ');

/** Life 1: online, signed in, the catalogue loaded; then a tunnel, and three edits. */
async function firstLife(): Promise<void> {
  const { client, store, network } = openApp(true);
  const tokens = await lastValueFrom(client.post<AuthTokens>('/auth/login', { username: 'ada', password: 'demo' }, { skipAuth: true }));
  client.auth?.setTokens(tokens);
  await lastValueFrom(client.get<Item[]>('/items').pipe(store.upsertManyFrom()));
  // Cache writes go to disk behind the answer; an app flushes them when it is sent to the
  // background (Capacitor's App `pause`), the last moment it is sure to be alive.
  await lastValueFrom(client.cache.flush(), { defaultValue: undefined });
  say(`        ⇒ phone (pid ${process.pid}): signed in, ${store.getAll().length} items loaded and cached on disk`);

  network.set(false);
  say('        ⇒ the phone enters a tunnel: offline');
  const queued = firstValueFrom(
    client.events$.pipe(
      filter((e) => e.type === 'outbox-queued'),
      take(EDITS.length),
      toArray(),
    ),
  );
  for (const edit of EDITS) {
    // The Observable would end with the server's answer; this life will not see it.
    client
      .patch<Item>(
        `/items/${edit.id}`,
        { name: edit.name },
        { offline: 'queue', outbox: { optimistic: { store: 'items', id: edit.id, patch: { name: edit.name } } } },
      )
      .subscribe({ error: () => undefined });
  }
  say(`        ⇒ the screen at once: ${view(store)}`);
  const events = await queued;
  tell({ type: 'queued', keys: events.map((e) => (e.type === 'outbox-queued' ? e.idempotencyKey : '')) });
}

/** Life 2: a cold start in the tunnel; then connectivity returns and the outbox drains. */
async function secondLife(): Promise<void> {
  const { client, store, network } = openApp(false);
  const online = new Promise<void>((resolve) => process.on('message', (m: { type?: string }) => m.type === 'online' && resolve()));
  const cached = await lastValueFrom(client.request<Item[]>({ url: '/items' }));
  store.upsertMany(cached.body);
  say(
    `        ⇒ phone (pid ${process.pid}), cold start offline: ${cached.body.length} items from the disk cache (fromCache ${cached.fromCache}, stale ${cached.stale})`,
  );
  const pending = await firstValueFrom(client.outbox.entries$);
  say(
    `        ⇒ outbox on disk: ${pending.map((e) => `${e.method} ${new URL(e.url).pathname} [${e.status}, key ${e.idempotencyKey.slice(0, 8)}…]`).join('; ')}`,
  );
  say(`        ⇒ the screen, edits re-applied from the outbox: ${view(store)}`);
  tell({ type: 'line', text: '        ⇒ waiting for connectivity' });
  await online;
  network.set(true);
  await firstValueFrom(client.outbox.whenIdle());
  const dead = await firstValueFrom(client.outbox.deadLetters$);
  tell({
    type: 'report',
    keys: pending.map((e) => e.idempotencyKey),
    names: EDITS.map(({ id }) => store.get(id)?.name ?? ''),
    pending: await firstValueFrom(client.outbox.pending$),
    dead: dead.length,
  });
  client.close();
  // Nothing of the client may keep this process alive once the channel to the parent is gone.
  process.disconnect();
}

(life === '1' ? firstLife() : secondLife()).catch((error: unknown) => {
  say(`        ✗ phone crashed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
