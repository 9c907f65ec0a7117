import { map } from 'rxjs';
import { lazyLayer, type Layer } from '../core/layer';
import { GRAPHQL_OPERATION } from './graphql-context';
import { graphqlBodyError } from './graphql-response';

/**
 * Turns a 200 GraphQL response carrying `errors` into a `GraphQLError` on the error channel, and a
 * body that is no GraphQL response into a `ParseError`. Only requests marked with
 * {@link GRAPHQL_OPERATION} are looked at; the others cost one context lookup.
 *
 * Why it sits between auth and retry: GraphQL servers answer "not authenticated" with HTTP 200 and
 * an `UNAUTHENTICATED` entry. Only once that is an error *below* auth can auth recognise the
 * challenge, refresh once and replay; above auth it would reach the caller as a success. Being
 * above retry, a GraphQL error is never retried as if it were a transport failure, and being
 * below the cache, an errored result is never stored.
 *
 * ```
 * next:   --r|              r = 200 { errors: [UNAUTHENTICATED], data: null }
 * result: --#               # = GraphQLError → auth refreshes and replays
 * ```
 *
 * @example
 * const layers = [dedupeLayer(env), cache.layer, auth.layer, graphqlErrorsLayer(), retryLayer(cfg, env)];
 */
export function graphqlErrorsLayer(): Layer {
  return lazyLayer((req, next) => {
    if (req.context.get(GRAPHQL_OPERATION) === undefined) return next(req);
    return next(req).pipe(
      map((res) => {
        const error = graphqlBodyError(req, res);
        // `map` turns the throw into an error notification: nothing escapes `subscribe`.
        if (error) throw error;
        return res;
      }),
    );
  });
}
