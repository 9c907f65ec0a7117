import type { Observable } from 'rxjs';
import type { RequestOptions } from '../request-options';
import type { ApiResponse } from '../core/response';
import type { EntityRegistry } from './entity-registry';
import type { QueryHashFn } from './persisted-query';

/**
 * Options of `client.graphql`: the `graphql` setting of `createApiClient` (README: "GraphQL").
 *
 * | option             | default      | why                                                              |
 * | ------------------ | ------------ | ---------------------------------------------------------------- |
 * | `path`             | `'/graphql'` | the usual endpoint; relative to the client's `baseUrl`           |
 * | `persistedQueries` | `false`      | APQ needs server support; on, queries go as cacheable GETs       |
 * | `normalize`        | none         | without a registry nothing is written anywhere                  |
 *
 * @example
 * const registry = createEntityRegistry();
 * const config: GraphQLConfig = { path: '/api/graphql', persistedQueries: true, normalize: registry };
 */
export interface GraphQLConfig {
  readonly path?: string;
  /**
   * Apollo automatic persisted queries: a query is first sent as
   * `GET path?operationName=…&variables=…&extensions={"persistedQuery":…}` (short, and cacheable by
   * the HTTP cache); if the server does not know the hash yet, it is sent once more with the
   * document (POST), which registers it. `hash` replaces the default, the SHA-256 of the query in
   * hex (`node:crypto` in Node, Web Crypto's `crypto.subtle` in browsers).
   */
  readonly persistedQueries?: boolean | { readonly hash?: QueryHashFn };
  /** Writes every entity (`__typename` + `id`) of each successful result into this registry. */
  readonly normalize?: EntityRegistry;
}

/**
 * Per-call options of `graphql(query, variables, options)`.
 *
 * @example
 * gql<{ item: Item }>(ITEM, { id: '3' }, { method: 'GET', fetchPolicy: 'cache-and-network' });
 */
export interface GraphQLRequestOptions extends Pick<
  RequestOptions,
  'headers' | 'fetchPolicy' | 'ttlMs' | 'timeoutMs' | 'retry' | 'skipAuth' | 'idempotencyKey' | 'context'
> {
  /**
   * HTTP method of a query: `'POST'` by default, `'GET'` makes it cacheable by URL. With persisted
   * queries the hashed request defaults to `'GET'`. Mutations are always POSTed (a GET must stay
   * safe: caches and prefetchers may repeat it).
   */
  readonly method?: 'POST' | 'GET';
  /** Picks the operation of a document that holds several; default: the document's first operation's name. */
  readonly operationName?: string;
}

/** The subset of `client.request`'s spec the GraphQL client sends. */
export interface GraphQLRequestSpec extends Omit<GraphQLRequestOptions, 'method' | 'operationName'> {
  readonly method: 'GET' | 'POST';
  /** The endpoint path (relative to `baseUrl`) or an absolute URL. */
  readonly url: string;
  readonly body?: unknown;
  readonly params?: Readonly<Record<string, string | undefined>>;
}

/** What `createGraphQLClient` sends through: `client.request`, or any function of that shape. */
export type GraphQLRequestFn = <T>(spec: GraphQLRequestSpec) => Observable<ApiResponse<T>>;

/**
 * Runs one GraphQL operation and emits its `data` (once, or twice with `cache-and-network`).
 * Errors: `GraphQLError` (with partial `data`), `ParseError`, and every HTTP-level `ApiError`.
 */
export type GraphQLClient = <T = unknown>(query: string, variables?: Readonly<Record<string, unknown>>, options?: GraphQLRequestOptions) => Observable<T>;
