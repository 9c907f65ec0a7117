import type { HeaderMap } from '../core/headers';
import type { ApiRequest } from '../core/request';
import { setField } from './cache-entry';

/** Conditional requests (RFC 9111 §4.3): validators out, 304 merged back. Pure. */

/** Fields that make a request conditional or partial. A request that already carries one belongs to the app: the cache passes it through. */
const APP_CONDITIONALS = ['if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'if-range', 'range'] as const;

export function hasAppConditionals(headers: HeaderMap): boolean {
  // Most reads carry no headers at all at this point (auth adds its own below the cache).
  for (const _ in headers) {
    for (const name of APP_CONDITIONALS) if (headers[name] !== undefined) return true;
    return false;
  }
  return false;
}

/**
 * §4.3.1: send the stored entity tag in If-None-Match and the stored Last-Modified in
 * If-Modified-Since (both when both exist; a server evaluates If-None-Match first).
 */
export function withValidators(req: ApiRequest, stored: HeaderMap): ApiRequest {
  const headers: Record<string, string> = { ...req.headers };
  if (stored.etag !== undefined) headers['if-none-match'] = stored.etag;
  if (stored['last-modified'] !== undefined) headers['if-modified-since'] = stored['last-modified'];
  return { ...req, headers };
}

/**
 * §4.3.4: may this 304 update the stored response it was asked about?
 * - a 304 with an entity tag matches a stored tag (weak comparison), else it selects nothing;
 * - a 304 with only Last-Modified matches an equal stored Last-Modified;
 * - a 304 with no validator updates the one stored response the request was conditioned on.
 */
export function notModifiedMatches(stored: HeaderMap, notModified: HeaderMap): boolean {
  if (notModified.etag !== undefined) {
    return stored.etag !== undefined && opaqueTag(stored.etag) === opaqueTag(notModified.etag);
  }
  if (notModified['last-modified'] !== undefined && stored['last-modified'] !== undefined) {
    return stored['last-modified'] === notModified['last-modified'];
  }
  return true;
}

/**
 * §4.3.5: may a 200 to HEAD update the stored GET response it could select? When every validator
 * it carries (ETag, weak comparison as for a 304; Last-Modified) matches the stored one, it
 * carries at least one (without, nothing shows the representation is the same), and its
 * Content-Length, if any, equals the stored one. Otherwise the stored response is to be
 * considered stale.
 */
export function headFreshens(stored: HeaderMap, head: HeaderMap): boolean {
  const { etag } = head;
  const lastModified = head['last-modified'];
  if (etag === undefined && lastModified === undefined) return false;
  if (etag !== undefined && (stored.etag === undefined || opaqueTag(stored.etag) !== opaqueTag(etag))) return false;
  if (lastModified !== undefined && stored['last-modified'] !== lastModified) return false;
  const length = head['content-length'];
  return length === undefined || stored['content-length'] === length;
}

/**
 * Fields a 304 may not replace (§3.2): the stored body's own framing and coding, and fields not
 * stored at all (§3.1).
 */
const KEEP_STORED: ReadonlySet<string> = new Set([
  'content-length',
  'content-encoding',
  'content-range',
  'content-type',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'te',
  'upgrade',
  'set-cookie',
]);

/**
 * §3.2 (§4.3.4): every field of the 304 is added to the stored response, replacing the stored
 * value, except {@link KEEP_STORED}. Fields only the 304 carries are added too (http-cache-semantics
 * 4.3 drops them, losing e.g. a Cache-Control the server sends only now). Pass the 304's fields
 * through `storedHeaders()` first so it carries a Date.
 */
export function mergeNotModified(stored: HeaderMap, notModified: HeaderMap): HeaderMap {
  const merged: Record<string, string> = { ...stored };
  // The old Age described the old copy; the validation restarts it (the 304's own Age, if any, is added below).
  delete merged.age;
  for (const name of Object.keys(notModified)) {
    if (!KEEP_STORED.has(name)) setField(merged, name, notModified[name]);
  }
  return merged;
}

function opaqueTag(tag: string): string {
  return tag.trim().replace(/^W\//, '');
}
