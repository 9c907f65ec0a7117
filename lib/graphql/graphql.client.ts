import { catchError, defer, map, type Observable, of, switchMap, tap, throwError } from 'rxjs';
import { RequestContext } from '../core/context';
import { REPEATABLE } from '../core/context-tokens';
import { RequestError } from '../core/errors';
import type { ApiResponse } from '../core/response';
import type { GraphQLClient, GraphQLConfig, GraphQLRequestFn, GraphQLRequestOptions, GraphQLRequestSpec } from './graphql-config';
import { GRAPHQL_OPERATION, type GraphQLOperationInfo } from './graphql-context';
import { graphqlBodyError, type GraphQLResponseBody } from './graphql-response';
import { parseOperation } from './operation';
import { memoizeHash, persistedQueryExtensions, persistedQueryFailure, type PersistedQueryExtensions, type QueryHashFn, sha256Hex } from './persisted-query';

/** The fields of a GraphQL-over-HTTP request (GraphQL over HTTP spec §5). */
interface OperationFields {
  readonly query?: string;
  readonly operationName?: string;
  readonly variables?: Readonly<Record<string, unknown>>;
  readonly extensions?: PersistedQueryExtensions;
}

type BaseSpec = Omit<GraphQLRequestSpec, 'method' | 'body' | 'params'>;

/**
 * Creates the `graphql(query, variables?, options?)` function over a request function (normally
 * `client.request`, so every call passes dedupe, cache, auth, retry and the transport).
 *
 * | operation | sent as                                                                          |
 * | --------- | -------------------------------------------------------------------------------- |
 * | mutation  | always POST `{ query, operationName, variables }`                                |
 * | query     | POST, or GET `?query=…` with `method: 'GET'`                                     |
 * | query+APQ | GET `?operationName&variables&extensions` (hash only); on PERSISTED_QUERY_NOT_FOUND once more as POST with the document |
 *
 * Each request carries {@link GRAPHQL_OPERATION}, so `graphqlErrorsLayer` (below auth) turns a 200
 * with `errors` into a `GraphQLError`, and `UNAUTHENTICATED` takes the refresh path. The body is
 * checked here too, so a request function without that layer still never passes `errors` off as data.
 * With `normalize`, each successful result is written into the registry before it is emitted;
 * results with errors are not written (their nulls would overwrite good fields).
 *
 * @example
 * const registry = createEntityRegistry();
 * const gql = createGraphQLClient(client.request, { persistedQueries: true, normalize: registry });
 * gql<{ item: Item }>('query Item($id: ID!) { item(id: $id) { id name } }', { id: '3' })
 *   .subscribe(({ item }) => console.log(item.name));
 * registry.select<Item>('Item:3').subscribe(render); // updated by every result containing Item 3
 */
export function createGraphQLClient(request: GraphQLRequestFn, config: GraphQLConfig = {}): GraphQLClient {
  const path = config.path ?? '/graphql';
  const hash = hasherFor(config.persistedQueries);
  // Turned off for good when the server says it does not support APQ.
  let persisted = hash !== undefined;
  const registry = config.normalize;

  const run = <T>(spec: GraphQLRequestSpec): Observable<T> => request<GraphQLResponseBody<T>>(spec).pipe(map((res) => dataOf(spec, res)));

  const persistedQuery = <T>(hashOf: QueryHashFn, base: BaseSpec, fields: OperationFields, query: string, method: 'GET' | 'POST'): Observable<T> =>
    hashOf(query).pipe(
      // Without a hash the document can still be sent: degrade to a plain request, never fail.
      catchError(() => of(undefined)),
      switchMap((sha) => {
        if (sha === undefined) return run<T>(post(base, { ...fields, query }));
        const extensions = persistedQueryExtensions(sha);
        const hashed = method === 'GET' ? get(base, { ...fields, extensions }) : post(base, { ...fields, extensions });
        return run<T>(hashed).pipe(
          catchError((error: unknown) => {
            const failure = persistedQueryFailure(error);
            if (failure === undefined) return throwError(() => error);
            if (failure === 'disable') persisted = false;
            // Once, as POST: the document registers the hash for everyone's next GET.
            return run<T>(post(base, failure === 'register' ? { ...fields, query, extensions } : { ...fields, query }));
          }),
        );
      }),
    );

  return <T>(query: string, variables?: Readonly<Record<string, unknown>>, options: GraphQLRequestOptions = {}): Observable<T> =>
    defer(() => {
      const operation = parseOperation(query, options.operationName);
      if (operation.type === 'subscription') {
        return throwError(() => new RequestError({ method: 'POST', url: path }, 'GraphQL subscriptions need a streaming transport (WebSocket, SSE)'));
      }
      const operationName = options.operationName ?? operation.name;
      const base = baseSpec(path, options, { operationName, operationType: operation.type });
      const fields: OperationFields = { operationName, variables };
      let data$: Observable<T>;
      if (operation.type === 'mutation') data$ = run<T>(post(base, { ...fields, query }));
      else if (hash !== undefined && persisted) data$ = persistedQuery<T>(hash, base, fields, query, options.method ?? 'GET');
      else data$ = run<T>(options.method === 'GET' ? get(base, { ...fields, query }) : post(base, { ...fields, query }));
      return registry ? data$.pipe(tap((data) => registry.write(data))) : data$;
    });
}

function hasherFor(option: GraphQLConfig['persistedQueries']): QueryHashFn | undefined {
  if (!option) return undefined;
  return memoizeHash(option === true ? sha256Hex : (option.hash ?? sha256Hex));
}

function baseSpec(path: string, options: GraphQLRequestOptions, operation: GraphQLOperationInfo): BaseSpec {
  const { method: _method, operationName: _name, context, ...rest } = options;
  let ctx = (context ?? RequestContext.empty()).set(GRAPHQL_OPERATION, operation);
  // A query reads, whatever verb carries it: retry may resend a POSTed query, and its lost
  // response is not an "outcome unknown" write. Mutations stay non-repeatable.
  if (operation.operationType === 'query') ctx = ctx.set(REPEATABLE, true);
  return { ...rest, url: path, context: ctx };
}

function post(base: BaseSpec, fields: OperationFields): GraphQLRequestSpec {
  const body: Record<string, unknown> = {};
  if (fields.query !== undefined) body['query'] = fields.query;
  if (fields.operationName !== undefined) body['operationName'] = fields.operationName;
  if (fields.variables !== undefined) body['variables'] = fields.variables;
  if (fields.extensions !== undefined) body['extensions'] = fields.extensions;
  return { ...base, method: 'POST', body };
}

/** GET parameters as the GraphQL over HTTP spec (§5.1) and Apollo APQ name them. */
function get(base: BaseSpec, fields: OperationFields): GraphQLRequestSpec {
  const hasVariables = fields.variables !== undefined && Object.keys(fields.variables).length > 0;
  return {
    ...base,
    method: 'GET',
    params: {
      query: fields.query,
      operationName: fields.operationName,
      // Sorted keys: `{ a, b }` and `{ b, a }` are one URL, so one HTTP cache entry.
      variables: hasVariables ? stableStringify(fields.variables) : undefined,
      extensions: fields.extensions && JSON.stringify(fields.extensions),
    },
  };
}

function dataOf<T>(spec: GraphQLRequestSpec, res: ApiResponse<GraphQLResponseBody<T>>): T {
  const error = graphqlBodyError({ method: spec.method, url: res.url }, res);
  if (error) throw error;
  return res.body.data as T;
}

/** JSON with object keys sorted at every level. */
function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );
}
