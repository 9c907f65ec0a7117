import { createAuth } from '../auth/auth.layer';
import type { AuthFeature, ClientFeature } from './client-feature';

/**
 * Bearer tokens for the API's origins, one shared refresh per 401 storm, proactive refresh from
 * the JWT `exp`, the user partition: `config.auth` of {@link composeApiClient}.
 *
 * @example
 * const client = composeApiClient({ baseUrl, auth: { tokens: memoryTokenStore(), refresh } }, withAuth());
 */
export function withAuth(): ClientFeature<'auth'> {
  const feature: AuthFeature = { ɵkind: 'auth', ɵcreate: createAuth };
  return feature;
}
