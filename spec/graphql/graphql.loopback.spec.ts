import { firstValueFrom, forkJoin, lastValueFrom, type Observable } from 'rxjs';
import { startDemoServer, type DemoServer } from '../../demo/server';
import { createAuth } from '../../lib/auth/auth.layer';
import { memoryTokenStore } from '../../lib/auth/token-store';
import { createApiClient, type ApiClient } from '../../lib/client';
import { createEnv } from '../../lib/core/env';
import { GraphQLError } from '../../lib/core/errors';
import { chain } from '../../lib/core/layer';
import { createRequest } from '../../lib/core/request';
import type { ApiResponse } from '../../lib/core/response';
import { resolveUrl } from '../../lib/core/url';
import { retryLayer } from '../../lib/retry/retry.layer';
import { fetchTransport } from '../../lib/transport/fetch.transport';
import { createEntityRegistry, type EntityRegistry } from '../../lib/graphql/entity-registry';
import type { GraphQLClient, GraphQLConfig, GraphQLRequestFn, GraphQLRequestSpec } from '../../lib/graphql/graphql-config';
import { graphqlErrorsLayer } from '../../lib/graphql/graphql-errors.layer';
import { createGraphQLClient } from '../../lib/graphql/graphql.client';
import { settle } from '../helpers/loopback-server';

/**
 * The GraphQL client through a real `createApiClient` (dedupe, cache, auth, retry, fetch) against
 * the demo backend on loopback. The errors layer goes in as an `attempt` layer here; the client
 * proper places it between auth and retry. Either way it is below auth, which is what lets
 * `UNAUTHENTICATED` take the refresh path.
 */

interface Item {
  __typename: 'Item';
  id: string;
  name: string;
  price?: number | null;
}

const ITEMS = 'query Items { items { id name price } }';
const ITEM = 'query Item($id: ID!) { item(id: $id) { id name price } }';
const RENAME = 'mutation Rename($id: ID!, $name: String!) { renameItem(id: $id, name: $name) { id name } }';
const ME = 'query Me { me { id name } }';

let server: DemoServer;

beforeEach(async () => {
  server = await startDemoServer({ itemCount: 5 });
});

afterEach(async () => {
  await server.close();
});

/** A client logged in with `accessToken` (default: a valid one) and the demo's refresh endpoint. */
async function setup(options: { accessToken?: string; graphql?: GraphQLConfig } = {}): Promise<{ client: ApiClient; gql: GraphQLClient }> {
  const pair = await server.issueTokens();
  const client: ApiClient = createApiClient({
    baseUrl: server.url,
    auth: {
      tokens: memoryTokenStore({ accessToken: options.accessToken ?? pair.accessToken, refreshToken: pair.refreshToken }),
      refresh: (refreshToken) => client.post('/auth/refresh', { refreshToken }, { skipAuth: true }),
    },
    retry: { baseDelayMs: 10 },
    layers: { attempt: [graphqlErrorsLayer()] },
  });
  return { client, gql: createGraphQLClient(client.request, options.graphql) };
}

it('runs a query and emits its data', async () => {
  const { gql } = await setup();
  const { items } = await firstValueFrom(gql<{ items: Item[] }>(ITEMS));
  expect(items).toHaveLength(5);
  expect(items[0]).toEqual({ __typename: 'Item', id: '1', name: expect.any(String), price: expect.any(Number) });
  expect(server.stats.requestsByRoute).toEqual({ 'POST /graphql': 1 });
});

it('errors with GraphQLError keeping the partial data', async () => {
  const { gql } = await setup();
  const { values, error } = await settle(gql(ITEM, { id: 'partial' }));
  expect(values).toEqual([]);
  expect(error).toBeInstanceOf(GraphQLError);
  expect(error).toMatchObject({
    errors: [{ message: 'price service unavailable', path: ['item', 'price'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
    data: { item: { __typename: 'Item', id: 'partial', name: 'Partially available', price: null } },
  });
  expect(server.stats.requestsByRoute).toEqual({ 'POST /graphql': 1 }); // a GraphQL error is not retried
});

it('answers UNAUTHENTICATED (HTTP 200) with exactly one refresh, then the query succeeds', async () => {
  const { gql } = await setup({ accessToken: 'revoked-token' });
  await expect(firstValueFrom(gql<{ me: { id: string } }>(ME))).resolves.toEqual({ me: { __typename: 'User', id: 'demo-user', name: 'demo-user' } });
  expect(server.stats.refreshCalls).toBe(1);
  expect(server.stats.requestsByRoute).toEqual({ 'POST /graphql': 2, 'POST /auth/refresh': 1 });
});

it('shares one refresh between concurrent queries that all meet UNAUTHENTICATED', async () => {
  const { gql } = await setup({ accessToken: 'revoked-token' });
  const results = await firstValueFrom(forkJoin(['1', '2', '3', '4', '5'].map((id) => gql<{ item: Item }>(ITEM, { id }))));
  expect(results.map((r) => r.item.id)).toEqual(['1', '2', '3', '4', '5']);
  expect(server.stats.refreshCalls).toBe(1);
});

it('normalizes: a Rename mutation updates the view of Item:3', async () => {
  const registry: EntityRegistry = createEntityRegistry();
  const { gql } = await setup({ graphql: { normalize: registry } });
  const seen: Array<Item | undefined> = [];
  const view = registry.select<Item>('Item:3').subscribe((item) => seen.push(item));

  await lastValueFrom(gql(ITEMS));
  const before = registry.storeFor<Item>('Item').get('3');
  expect(before).toEqual({ __typename: 'Item', id: '3', name: expect.any(String), price: expect.any(Number) });
  await lastValueFrom(gql(ITEMS)); // the same data again: the view emits nothing
  await lastValueFrom(gql(RENAME, { id: '3', name: 'Renamed lamp' }));
  view.unsubscribe();

  expect(seen).toEqual([undefined, before, { ...before, name: 'Renamed lamp' }]); // price kept from the list
  expect(registry.storeFor<Item>('Item').getAll()).toHaveLength(5);
});

it('APQ: hash-only GET → PERSISTED_QUERY_NOT_FOUND → POST registers → the next call is one GET, then an HTTP cache hit', async () => {
  const { gql, client } = await setup({ graphql: { persistedQueries: true } });
  const cacheHits: string[] = [];
  client.events$.subscribe((event) => event.type === 'cache-hit' && cacheHits.push(event.url));

  await expect(firstValueFrom(gql<{ item: Item }>(ITEM, { id: '2' }))).resolves.toMatchObject({ item: { id: '2' } });
  expect(server.stats.requestsByRoute).toEqual({ 'GET /graphql': 1, 'POST /graphql': 1 });

  await expect(firstValueFrom(gql<{ item: Item }>(ITEM, { id: '2' }))).resolves.toMatchObject({ item: { id: '2' } });
  expect(server.stats.requestsByRoute).toEqual({ 'GET /graphql': 2, 'POST /graphql': 1 });

  // The GET answer is `private, max-age=5`: the HTTP cache serves the third call, no request at all.
  await expect(firstValueFrom(gql<{ item: Item }>(ITEM, { id: '2' }))).resolves.toMatchObject({ item: { id: '2' } });
  expect(server.stats.requestsByRoute).toEqual({ 'GET /graphql': 2, 'POST /graphql': 1 });
  expect(cacheHits).toEqual([expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/graphql\?operationName=Item&variables=.*&extensions=/)]);
});

it('works in its production position, between auth and retry (chain built by hand)', async () => {
  const pair = await server.issueTokens();
  const { env } = createEnv();
  const refresh = (refreshToken: string) =>
    fetch(`${server.url}/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken }) }).then(
      (res) => res.json(),
    );
  const auth = createAuth({ tokens: memoryTokenStore({ accessToken: 'revoked-token', refreshToken: pair.refreshToken }), refresh }, env, server.url);
  const send = chain([auth.layer, graphqlErrorsLayer(), retryLayer({ baseDelayMs: 10 }, env)], fetchTransport(env));
  const request: GraphQLRequestFn = <T>(spec: GraphQLRequestSpec) =>
    send(createRequest({ method: spec.method, url: resolveUrl(server.url, spec.url, spec.params), body: spec.body, context: spec.context })) as Observable<
      ApiResponse<T>
    >;
  const gql = createGraphQLClient(request, { persistedQueries: true });

  await expect(firstValueFrom(gql(ME))).resolves.toEqual({ me: { __typename: 'User', id: 'demo-user', name: 'demo-user' } });
  await expect(firstValueFrom(gql(ME))).resolves.toEqual({ me: { __typename: 'User', id: 'demo-user', name: 'demo-user' } });
  expect(server.stats.refreshCalls).toBe(1);
  // 1st call: GET (PERSISTED_QUERY_NOT_FOUND; the server checks the hash before the token) → POST with
  // the document (UNAUTHENTICATED) → refresh → the same POST replayed; 2nd call: one GET.
  expect(server.stats.requestsByRoute).toEqual({ 'GET /graphql': 2, 'POST /graphql': 2, 'POST /auth/refresh': 1 });
});
