import { ContextToken } from '../core/context';

/** The kind of a GraphQL operation, as the document's first keyword says (`{ … }` alone is a query). */
export type OperationType = 'query' | 'mutation' | 'subscription';

/** What a GraphQL request carries in its context; its presence is what marks it as GraphQL. */
export interface GraphQLOperationInfo {
  readonly operationName?: string;
  readonly operationType?: OperationType;
}

/**
 * Marks a request as a GraphQL operation. {@link graphqlErrorsLayer} reads it to decide whether a
 * 200 body must be checked for `errors`; every other request pays one context lookup and nothing
 * else. `createGraphQLClient` sets it; set it yourself when you send GraphQL through
 * `client.request` directly.
 *
 * @example
 * client.request({
 *   method: 'POST',
 *   url: '/graphql',
 *   body: { query: 'query Me { me { id } }' },
 *   context: RequestContext.empty().set(GRAPHQL_OPERATION, { operationName: 'Me', operationType: 'query' }),
 * });
 */
export const GRAPHQL_OPERATION = /* @__PURE__ */ new ContextToken<GraphQLOperationInfo | undefined>('graphql-operation', () => undefined);
