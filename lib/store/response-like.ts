/**
 * Structural reading of response-shaped values. The store knows nothing of HTTP: it accepts any
 * object carrying a `body` (rxsync's `ApiResponse`, Angular's `HttpResponse`, a hand-made
 * `{ body }`) and reads the `fromCache` / `stale` flags when they are there.
 */

/** A value that carries its payload in `body`, with optional cache flags. */
export interface BodyEnvelope<B> {
  readonly body: B;
  readonly fromCache?: boolean;
  readonly stale?: boolean;
}

/** `true` for a non-array object with a `body` property. */
export function hasBody(value: unknown): value is BodyEnvelope<unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'body' in value;
}

/**
 * `true` for an ApiResponse-like value: `body` plus boolean `fromCache` and `stale`. Stricter than
 * `hasBody`, so that an entity that merely has a `body` field (a blog post) is not unwrapped.
 */
export function isResponseLike(value: unknown): value is Required<BodyEnvelope<unknown>> {
  return hasBody(value) && typeof (value as { fromCache?: unknown }).fromCache === 'boolean' && typeof (value as { stale?: unknown }).stale === 'boolean';
}
