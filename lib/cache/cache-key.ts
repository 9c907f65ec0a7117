import type { HeaderMap } from '../core/headers';

/**
 * Cache keys: `<partition length>:<partition> <METHOD> <url without fragment>`. The length prefix
 * makes any partition string (a JWT `sub`, an e-mail) unambiguous without escaping, and the
 * partition comes first so one user's entries are found by key alone (purge on account switch).
 *
 * @example
 * cacheKey('user-1', 'GET', 'https://api.example.com/items?page=2')
 * // '6:user-1 GET https://api.example.com/items?page=2'
 */
export function cacheKey(partition: string, method: string, url: string): string {
  const hash = url.indexOf('#');
  return `${partition.length}:${partition} ${method} ${hash === -1 ? url : url.slice(0, hash)}`;
}

export interface ParsedKey {
  readonly partition: string;
  readonly method: string;
  readonly url: string;
}

/** The parts of a key made by {@link cacheKey}, or `undefined` for a foreign key. */
export function parseCacheKey(key: string): ParsedKey | undefined {
  const colon = key.indexOf(':');
  const length = Number(key.slice(0, colon));
  if (colon <= 0 || !Number.isInteger(length)) return undefined;
  const partition = key.slice(colon + 1, colon + 1 + length);
  const rest = key.slice(colon + 1 + length);
  const match = /^ ([A-Z]+) (.*)$/s.exec(rest);
  return match ? { partition, method: match[1] as string, url: match[2] as string } : undefined;
}

/**
 * Request fields a cache never keys on by value: credentials. A `Vary` naming them is honoured by
 * the user partition already in the key (tokens rotate, the user does not), so no token value
 * is ever stored, and a refresh does not empty the cache.
 */
const CREDENTIAL_FIELDS: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie']);

/** The request's values of the fields a response's Vary names (RFC 9111 §4.1), credentials excluded. */
export function selectVaryHeaders(vary: readonly string[], requestHeaders: HeaderMap): Record<string, string> {
  const selected: Record<string, string> = {};
  for (const name of vary) {
    if (CREDENTIAL_FIELDS.has(name)) continue;
    const value = requestHeaders[name];
    if (value !== undefined) selected[name] = normalizeFieldValue(value);
  }
  return selected;
}

/**
 * RFC 9111 §4.1: the stored response is selected only if every field its Vary names has the same
 * (whitespace-normalized) value in the new request, absent matching absent. `Vary: *` never matches.
 */
export function varyMatches(vary: readonly string[], stored: Readonly<Record<string, string>>, requestHeaders: HeaderMap): boolean {
  for (const name of vary) {
    if (name === '*') return false;
    if (CREDENTIAL_FIELDS.has(name)) continue;
    const value = requestHeaders[name];
    const storedValue = Object.prototype.hasOwnProperty.call(stored, name) ? stored[name] : undefined;
    if ((value === undefined ? undefined : normalizeFieldValue(value)) !== storedValue) return false;
  }
  return true;
}

function normalizeFieldValue(value: string): string {
  return value.trim().replace(/\s*,\s*/g, ', ');
}
