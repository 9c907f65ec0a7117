/**
 * `npm run demo`: a scripted session of a mobile app against the embedded demo backend, over real
 * fetch on loopback. It prints a timeline of what the client did (requests, retry waits, the
 * transparent refresh, cache hits) and a summary, then exits 0 by itself.
 */
import { forkJoin, lastValueFrom, skip, tap } from 'rxjs';
import { createApiClient, createEntityRegistry, createEntityStore, isApiError, type ApiClient, type AuthTokens } from 'rxsync';
import { runOfflineChapter } from './offline/chapter';
import { startDemoServer, type DemoServer } from './server/index';
import { describeEvent } from './timeline';

interface Item {
  readonly id: number;
  readonly name: string;
  readonly price: number;
}

/** GraphQL results are normalized into entity stores keyed by `__typename:id`. */
const registry = createEntityRegistry();

const print = (line = ''): void => void process.stdout.write(`${line}\n`);
const step = (title: string): void => print(`\n── ${title}`);

async function main(): Promise<void> {
  const server = await startDemoServer({ accessTokenTtlSec: 60 });
  const startedAt = Date.now();
  // The refresh function below refers to the client; it runs only after creation.
  const client: ApiClient = createApiClient({
    baseUrl: server.url,
    timeoutMs: 1_500,
    // The library default is 1 s, 2 s, 4 s; halved here so the demo stays short.
    retry: { maxAttempts: 4, baseDelayMs: 500 },
    // The steps below fail one request several times in a row on purpose. The default retry budget
    // (4 tokens, tuned for a fleet in an outage) allows one retry in a row before answers refill
    // it; gRFC A6's 10 lets each step show its full backoff schedule.
    fleet: { budget: { maxTokens: 10 } },
    graphql: { normalize: registry },
    auth: {
      // The refresh call goes through the same client (retries included) but skips the auth layer.
      refresh: (refreshToken) => client.post<AuthTokens>('/auth/refresh', { refreshToken }, { skipAuth: true }),
    },
  });
  const counts: Record<string, number> = {};
  client.events$.subscribe((event) => {
    counts[event.type] = (counts[event.type] ?? 0) + 1;
    const line = describeEvent(event, startedAt);
    if (line) print(line);
  });
  const outcome = (label: string, error: unknown): void =>
    print(`        ⇒ ${label}: ${isApiError(error) ? `${error.name} (${error.kind}) — ${error.message}` : String(error)}`);

  let offline: Awaited<ReturnType<typeof runOfflineChapter>> | undefined;
  try {
    await scenario(client, server, outcome);
    server.setFaults({ refreshFails: false });
    step('offline: edits in a tunnel, the app killed and restarted, each edit replayed once with its key');
    offline = await runOfflineChapter(server, print, startedAt);
  } finally {
    await server.close();
  }

  step('summary');
  const s = server.stats;
  print(`server: ${s.requests} requests, ${s.refreshCalls} token refreshes, ${s.notModified} × 304, ${s.idempotentReplays} idempotent replays`);
  print(`server faults injected: ${JSON.stringify(Object.fromEntries(Object.entries(s.faultsInjected).filter(([, n]) => n > 0)))}`);
  print(
    `client: ${counts['request-start'] ?? 0} attempts sent, ${counts['retry-scheduled'] ?? 0} retries, ${counts['cache-hit'] ?? 0} cache hits, ` +
      `${counts['deduplicated'] ?? 0} deduplicated, ${counts['token-refreshed'] ?? 0} refreshes, ${counts['request-failed'] ?? 0} requests failed (all expected)`,
  );
  if (offline) {
    const once = Object.values(offline.appliedPerKey).every((n) => n === 1);
    print(
      `offline: ${offline.queuedKeys.length} edits queued before the kill, applied ${once ? 'exactly once each' : `${JSON.stringify(offline.appliedPerKey)} (bug!)`}, ` +
        `in order: ${offline.appliedOrder.join() === offline.queuedKeys.join() ? 'yes' : 'no (bug!)'}, server now shows ${JSON.stringify(offline.serverNames)}`,
    );
  }
  print(`done in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
}

async function scenario(client: ApiClient, server: DemoServer, outcome: (label: string, error: unknown) => void): Promise<void> {
  step('log in (a public endpoint: skipAuth) and store the tokens');
  const tokens = await lastValueFrom(client.post<AuthTokens>('/auth/login', { username: 'ada', password: 'demo' }, { skipAuth: true }));
  client.auth?.setTokens(tokens);
  print(`        ⇒ signed in as ${client.auth?.userPartition()}`);

  step('read the catalogue, then read it again: the second read is a fresh cache hit (max-age=5)');
  const items = await lastValueFrom(client.get<Item[]>('/items'));
  print(`        ⇒ ${items.length} items`);
  await lastValueFrom(client.get<Item[]>('/items'));

  step('a short-lived resource (max-age=1) read again after it went stale: If-None-Match, 304, the stored body');
  await lastValueFrom(client.get<Item[]>('/items', { params: { cc: 'private, max-age=1' } }));
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  const revalidated = await lastValueFrom(client.request<Item[]>({ url: '/items', params: { cc: 'private, max-age=1' } }));
  print(`        ⇒ ${revalidated.body.length} items, status ${revalidated.status}, fromCache ${revalidated.fromCache}`);

  step('the entity store: a list view and an item view; renaming item 2 re-renders only the item-2 view');
  const store = createEntityStore<Item>({ idKey: 'id' });
  const renders = { item1: 0, item2: 0 };
  store
    .select(1)
    .pipe(skip(1))
    .subscribe(() => (renders.item1 += 1));
  store
    .select(2)
    .pipe(skip(1))
    .subscribe(() => (renders.item2 += 1));
  await lastValueFrom(client.get<Item[]>('/items', { fetchPolicy: 'network-only' }).pipe(store.upsertManyFrom()));
  await lastValueFrom(client.patch<Item>('/items/2', { name: 'Renamed lamp' }).pipe(store.upsertFrom()));
  await lastValueFrom(client.get<Item[]>('/items', { fetchPolicy: 'network-only' }).pipe(store.upsertManyFrom())); // same data: no render
  print(
    `        ⇒ renders: item 1 × ${renders.item1} (the load), item 2 × ${renders.item2} (the load, the rename); the reload with equal data re-rendered nothing`,
  );

  step('GraphQL through the same pipeline: a mutation result updates every view of Item:3');
  const gql = client.graphql;
  const names: string[] = [];
  registry.select<Item>('Item:3').subscribe((item) => item && names.push(item.name));
  await lastValueFrom(gql('query Item($id: ID!) { item(id: $id) { __typename id name price } }', { id: '3' }));
  await lastValueFrom(
    gql('mutation Rename($id: ID!, $name: String!) { renameItem(id: $id, name: $name) { __typename id name } }', { id: '3', name: 'Desk lamp' }),
  );
  print(`        ⇒ the Item:3 view showed: ${names.map((n) => JSON.stringify(n)).join(' → ')}`);

  step('three screens ask for item 1 at once: one request');
  await lastValueFrom(forkJoin([1, 2, 3].map(() => client.get<Item>('/items/1'))));

  step('the access token expired while the app slept: refreshed before sending, no 401 at all');
  client.auth?.setTokens(await server.issueTokens({ sub: 'ada', expiresInSec: -10 }));
  await lastValueFrom(client.get<Item>('/items/2'));

  step('the server rejects the token (revoked): 8 concurrent 401s, one shared refresh, 8 successes');
  const revoked = await server.issueTokens({ sub: 'ada', expiresInSec: 3600 });
  client.auth?.setTokens({ ...revoked, accessToken: tamper(revoked.accessToken) });
  const many = await lastValueFrom(forkJoin([3, 4, 5, 6, 7, 8, 9, 10].map((id) => client.get<Item>(`/items/${id}`))));
  print(`        ⇒ ${many.length} items, ${server.stats.refreshCalls} refresh calls so far`);

  step('a burst of 503s: retried after 500 ms, then 1 s');
  server.setFaults({ burst503: 2 });
  await lastValueFrom(client.get<Item>('/items/11'));

  step('429 with Retry-After: 1 — the server decides the wait');
  server.setFaults({ rateLimitRate: 1, retryAfterSec: 1 });
  await lastValueFrom(client.get<Item>('/items/12').pipe(tap({ subscribe: () => setTimeout(() => server.setFaults({ rateLimitRate: 0 }), 100) })));

  step('a request hangs: the 1.5 s timeout aborts it, the retry succeeds');
  server.setFaults({ hangRate: 1 });
  setTimeout(() => server.setFaults({ hangRate: 0 }), 100);
  await lastValueFrom(client.get<Item>('/items/13'));

  step('a POST with an idempotency key survives a connection reset (retried, created once)');
  server.setFaults({ resetRate: 1 });
  setTimeout(() => server.setFaults({ resetRate: 0 }), 100);
  const created = await lastValueFrom(client.post<Item>('/items', { name: 'Umbrella', price: 12 }, { idempotencyKey: 'order-7f3a' }));
  print(`        ⇒ created item ${created.id}`);

  step('the same reset on a POST without a key: rxsync will not guess, the outcome is unknown');
  server.setFaults({ resetRate: 1 });
  await lastValueFrom(client.post('/items', { name: 'Raincoat', price: 40 })).catch((e: unknown) => outcome('error', e));
  server.setFaults({ resetRate: 0 });

  step('a captive portal answers HTML where JSON was expected: a ParseError, not bad data');
  server.setFaults({ captivePortalRate: 1 });
  await lastValueFrom(client.get('/items/14')).catch((e: unknown) => outcome('error', e));
  server.setFaults({ captivePortalRate: 0 });

  step('the refresh token is rejected: the session ends cleanly, no loop');
  server.setFaults({ refreshFails: true });
  client.auth?.setTokens(await server.issueTokens({ sub: 'ada', expiresInSec: -10 }));
  await lastValueFrom(client.get('/items/15')).catch((e: unknown) => outcome('error', e));
  print(`        ⇒ tokens after the failed refresh: ${client.auth?.currentTokens() === null ? 'cleared' : 'still present (bug!)'}`);
}

/** Breaks a JWT's signature but keeps its readable claims (the server will answer 401). */
function tamper(jwt: string): string {
  const parts = jwt.split('.');
  const signature = parts[2] ?? '';
  parts[2] = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
  return parts.join('.');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
