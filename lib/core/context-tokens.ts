import { ContextToken } from './context';

/**
 * Context tokens shared by more than one layer. Layers never import each other, so the few
 * facts that cross them live here.
 */

/**
 * Set by the cache layer when it owns a request: the transport then asks fetch for
 * `cache: 'no-store'` so the browser's own HTTP cache underneath never answers for it
 * (double storage, or a stale hit from below after rxsync revalidated).
 */
export const BYPASS_PLATFORM_CACHE = /* @__PURE__ */ new ContextToken<boolean>('bypass-platform-cache', () => false);

/** Skips the auth layer: no token added, a 401 passes through (e.g. login or public endpoints). */
export const SKIP_AUTH = /* @__PURE__ */ new ContextToken<boolean>('skip-auth', () => false);

/**
 * The sender declares the request safe to repeat although its method is not idempotent, e.g. a
 * GraphQL query sent as POST: retry may resend it, and a lost response is not "outcome unknown".
 */
export const REPEATABLE = /* @__PURE__ */ new ContextToken<boolean>('repeatable', () => false);
