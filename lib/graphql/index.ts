/**
 * GraphQL over the rxsync pipeline: the client function, the errors layer that lets auth see
 * `UNAUTHENTICATED`, Apollo automatic persisted queries, and entity normalization.
 */
export { createGraphQLClient } from './graphql.client';
export type { GraphQLClient, GraphQLConfig, GraphQLRequestFn, GraphQLRequestOptions, GraphQLRequestSpec } from './graphql-config';
export { GRAPHQL_OPERATION } from './graphql-context';
export type { GraphQLOperationInfo, OperationType } from './graphql-context';
export { graphqlErrorsLayer } from './graphql-errors.layer';
export { graphqlBodyError } from './graphql-response';
export type { GraphQLResponseBody } from './graphql-response';
export { parseOperation } from './operation';
export type { ParsedOperation } from './operation';
export { memoizeHash, persistedQueryExtensions, persistedQueryFailure, sha256Hex } from './persisted-query';
export type { PersistedQueryExtensions, QueryHashFn } from './persisted-query';
export { collectEntities, parseEntityRef } from './normalize';
export type { EntityObject, EntityRef } from './normalize';
export { createEntityRegistry } from './entity-registry';
export type { EntityRegistry } from './entity-registry';
