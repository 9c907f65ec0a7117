import { createHash } from 'node:crypto';
import type { App, Route } from '../app';
import { BadRequest, sendRepresentation, strongEtag, type Exchange } from '../http';
import type { Item } from '../items-store';
import { bearerToken } from '../tokens';
import { cacheControlFrom } from './items';

/**
 * A hand-written GraphQL-ish endpoint, no graphql library: it recognizes a few known operations by
 * name and answers the way Apollo Server does over HTTP, including the error shapes clients must
 * handle (validation, UNAUTHENTICATED with status 200, partial data) and automatic persisted
 * queries. Selection sets are not interpreted; each operation returns its fixed shape.
 */

interface GraphQLError {
  message: string;
  path?: Array<string | number>;
  extensions: { code: string };
}

interface GraphQLResult {
  data?: Record<string, unknown> | null;
  errors?: GraphQLError[];
}

interface GraphQLRequest {
  query?: string;
  variables: Record<string, unknown>;
  extensions: { persistedQuery?: { sha256Hash?: unknown } };
}

type Operation = 'query' | 'mutation';
type Resolver = (variables: Record<string, unknown>, sub: string, app: App) => GraphQLResult;

const error = (message: string, code: string, path?: Array<string | number>): GraphQLError => ({
  message,
  ...(path ? { path } : {}),
  extensions: { code },
});

const itemNode = (item: Item) => ({ __typename: 'Item', id: item.id, name: item.name, price: item.price });

/** GraphQL's ID accepts strings and integers; both arrive here as strings. */
function idVariable(variables: Record<string, unknown>, name: string): string | undefined {
  const value = variables[name];
  return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value)) ? String(value) : undefined;
}

const missingVariable = (name: string, type: string): GraphQLResult => ({
  errors: [error(`Variable "$${name}" of required type "${type}" was not provided.`, 'BAD_USER_INPUT')],
});

const OPERATIONS: Readonly<Record<string, { type: Operation; resolve: Resolver }>> = {
  Items: {
    type: 'query',
    resolve: (_v, _sub, app) => ({ data: { items: app.items.list().map(itemNode) } }),
  },
  Item: {
    type: 'query',
    resolve: (variables, _sub, app) => {
      const id = idVariable(variables, 'id');
      if (id === undefined) return missingVariable('id', 'ID!');
      if (id === 'partial') {
        // Partial data: the item resolves but one nullable field fails, as a flaky sub-service would.
        return {
          data: { item: { __typename: 'Item', id, name: 'Partially available', price: null } },
          errors: [error('price service unavailable', 'INTERNAL_SERVER_ERROR', ['item', 'price'])],
        };
      }
      const item = app.items.get(id);
      return { data: { item: item ? itemNode(item) : null } };
    },
  },
  Rename: {
    type: 'mutation',
    resolve: (variables, _sub, app) => {
      const id = idVariable(variables, 'id');
      if (id === undefined) return missingVariable('id', 'ID!');
      const name = variables.name;
      if (typeof name !== 'string') return missingVariable('name', 'String!');
      const item = app.items.update(id, { name });
      if (!item) return { data: { renameItem: null }, errors: [error(`item ${id} not found`, 'NOT_FOUND', ['renameItem'])] };
      return { data: { renameItem: { __typename: 'Item', id: item.id, name: item.name } } };
    },
  },
  Me: {
    type: 'query',
    resolve: (_v, sub) => ({ data: { me: { __typename: 'User', id: sub, name: sub } } }),
  },
};

function parseJsonParam(ex: Exchange, name: string): Record<string, unknown> {
  const raw = ex.query.get(name);
  if (raw === null || raw === '') return {};
  try {
    const value = JSON.parse(raw) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new BadRequest(`${name} must be a JSON object`);
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

async function readRequest(ex: Exchange): Promise<GraphQLRequest> {
  if (ex.method === 'GET') {
    const query = ex.query.get('query');
    return {
      ...(query ? { query } : {}),
      variables: parseJsonParam(ex, 'variables'),
      extensions: parseJsonParam(ex, 'extensions'),
    };
  }
  const body = asObject(await ex.readJson());
  return {
    ...(typeof body.query === 'string' && body.query !== '' ? { query: body.query } : {}),
    variables: asObject(body.variables),
    extensions: asObject(body.extensions),
  };
}

/** Error answers must never be cached: a stored UNAUTHENTICATED would outlive the refresh that fixes it. */
function answer(ex: Exchange, status: number, result: GraphQLResult): void {
  ex.json(status, result, { 'cache-control': 'no-store' });
}

async function handleGraphQL(ex: Exchange, app: App): Promise<void> {
  let request: GraphQLRequest;
  try {
    request = await readRequest(ex);
  } catch (e) {
    answer(ex, 400, { errors: [error(e instanceof Error ? e.message : 'bad request', 'BAD_REQUEST')] });
    return;
  }

  // Automatic persisted queries (Apollo APQ): a hash alone runs a registered document; a hash
  // with its document registers it (after checking the hash) and runs it.
  let query = request.query;
  const hash = request.extensions.persistedQuery?.sha256Hash;
  if (typeof hash === 'string') {
    if (query === undefined) {
      query = app.persistedQueries.get(hash);
      if (query === undefined) {
        answer(ex, 200, { errors: [error('PersistedQueryNotFound', 'PERSISTED_QUERY_NOT_FOUND')] });
        return;
      }
    } else {
      if (createHash('sha256').update(query).digest('hex') !== hash) {
        answer(ex, 400, { errors: [error('provided sha does not match query', 'BAD_REQUEST')] });
        return;
      }
      app.persistedQueries.set(hash, query);
    }
  }
  if (query === undefined) {
    answer(ex, 400, { errors: [error('GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension.', 'BAD_REQUEST')] });
    return;
  }

  const parsed = /(query|mutation)\s+(\w+)/.exec(query);
  const operation = parsed ? OPERATIONS[parsed[2] ?? ''] : undefined;
  if (!parsed || !operation || operation.type !== parsed[1]) {
    const what = parsed ? `${parsed[1]} ${parsed[2]}` : 'anonymous operation';
    answer(ex, 200, { errors: [error(`Unknown document: ${what} is not supported by this server`, 'GRAPHQL_VALIDATION_FAILED')] });
    return;
  }
  if (ex.method === 'GET' && operation.type === 'mutation') {
    // GET must stay safe: a mutation over GET could be replayed by any cache or prefetcher.
    ex.json(405, { errors: [error('mutations must be sent with POST', 'BAD_REQUEST')] }, { allow: 'POST', 'cache-control': 'no-store' });
    return;
  }

  // As Apollo does, an auth failure is a GraphQL error with HTTP 200, not a 401.
  const sub = await app.tokens.verifyAccess(bearerToken(ex.header('authorization')));
  if (sub === undefined) {
    answer(ex, 200, { errors: [error('unauthenticated', 'UNAUTHENTICATED')], data: null });
    return;
  }

  const result = operation.resolve(request.variables, sub, app);
  if (ex.method === 'GET' && result.errors === undefined) {
    const body = JSON.stringify(result);
    sendRepresentation(ex, { body, etag: strongEtag(body), cacheControl: cacheControlFrom(ex, 'private, max-age=5') });
    return;
  }
  answer(ex, 200, result);
}

export const graphqlRoutes: readonly Route[] = [
  { method: 'POST', pattern: '/graphql', auth: 'none', handler: handleGraphQL },
  { method: 'GET', pattern: '/graphql', auth: 'none', handler: handleGraphQL },
];
