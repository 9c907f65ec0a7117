import { createGraphQLClient } from '../graphql/graphql.client';
import { graphqlErrorsLayer } from '../graphql/graphql-errors.layer';
import type { ClientFeature, GraphQLFeature } from './client-feature';

/**
 * `client.graphql` (queries, mutations, automatic persisted queries, normalization) and the layer
 * that turns a 200 carrying `errors` into a `GraphQLError`: `config.graphql` of {@link composeApiClient}.
 *
 * @example
 * const client = composeApiClient({ baseUrl, graphql: { path: '/graphql' } }, withGraphQL());
 */
export function withGraphQL(): ClientFeature<'graphql'> {
  const feature: GraphQLFeature = { ɵkind: 'graphql', ɵclient: createGraphQLClient, ɵerrorsLayer: graphqlErrorsLayer };
  return feature;
}
