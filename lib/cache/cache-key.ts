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
  const last = recentKeys.get(url);
  if (last !== undefined && last.partition === partition && last.method === method) return last.key;
  const key = buildCacheKey(partition, method, url);
  if (recentKeys.size >= RECENT_KEYS_MAX) recentKeys.clear();
  recentKeys.set(url, { partition, method, key });
  return key;
}

/**
 * The last key built per URL: the same string object for the same read, so the Maps that look it
 * up (variant groups, the LRU) find it by its cached hash instead of hashing a new string per hit.
 * Bounded; a URL read under another partition or method just rebuilds its key.
 */
const recentKeys = new Map<string, { readonly partition: string; readonly method: string; readonly key: string }>();
const RECENT_KEYS_MAX = 512;

function buildCacheKey(partition: string, method: string, url: string): string {
  const hash = url.indexOf('#');
  return `${partition.length}:${partition} ${method} ${hash === -1 ? url : url.slice(0, hash)}`;
}

/**
 * Marks the variant part of a key. A key's URL part never holds `#` ({@link cacheKey} cuts the
 * fragment), so the first `#` after the partition starts the variant.
 */
const VARIANT_MARK = '#vary:';

/**
 * The key of one stored response among the variants of a URL (RFC 9111 §4.1): the URL key
 * ({@link cacheKey}) when the response has no Vary, so entries stored before variants existed
 * stay readable; else the URL key plus a 64-bit digest of the Vary field names (sorted: their
 * order means nothing) and the values {@link selectVaryHeaders} selected (absent told apart from
 * empty). Values are digests for credentials already, so no token reaches a key. A digest
 * collision only makes two variants share a slot (a miss later): selection always compares the
 * stored values themselves ({@link varyMatches}).
 */
export function variantKey(urlKey: string, vary: readonly string[], varyHeaders: Readonly<Record<string, string>>): string {
  if (vary.length === 0) return urlKey;
  const names = [...new Set(vary)].sort();
  const selected = names.map((name) => [name, ownField(varyHeaders, name) ?? null]);
  return `${urlKey}${VARIANT_MARK}${credentialDigest(JSON.stringify(selected)).slice(2)}`;
}

/** The URL key a variant key belongs to (itself for a URL key or a foreign key). */
export function urlKeyOf(key: string): string {
  const start = urlPartStart(key);
  if (start === undefined) return key;
  const mark = key.indexOf(VARIANT_MARK, start);
  return mark === -1 ? key : key.slice(0, mark);
}

/** Where the `METHOD url` part of a key starts (after the length-prefixed partition). */
function urlPartStart(key: string): number | undefined {
  const colon = key.indexOf(':');
  const length = Number(key.slice(0, colon));
  return colon <= 0 || !Number.isInteger(length) ? undefined : colon + 1 + length;
}

export interface ParsedKey {
  readonly partition: string;
  readonly method: string;
  readonly url: string;
}

/** The parts of a key made by {@link cacheKey} (or {@link variantKey}), or `undefined` for a foreign key. */
export function parseCacheKey(key: string): ParsedKey | undefined {
  const start = urlPartStart(key);
  if (start === undefined) return undefined;
  const colon = key.indexOf(':');
  const partition = key.slice(colon + 1, start);
  const rest = urlKeyOf(key).slice(start);
  const match = /^ ([A-Z]+) (.*)$/s.exec(rest);
  return match ? { partition, method: match[1], url: match[2] } : undefined;
}

/**
 * Request fields that carry credentials. rxsync's own session token is added below the cache (by
 * auth), so the cache never sees it: a `Vary` naming these is honoured for it by the user
 * partition already in the key (tokens rotate, the user does not, and a refresh keeps the cache).
 * A credential the request carries at the cache is the app's own (an `Authorization` it set, a
 * `Cookie`): `Vary` is honoured for it too (issue #7), by a hash of its value, never the value
 * itself, so a token never reaches the persistent store, events or logs.
 */
const CREDENTIAL_FIELDS: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie']);

/**
 * The request's values of the fields a response's Vary names (RFC 9111 §4.1): credentials as
 * {@link credentialDigest}s. Field names are data here (`Vary: constructor`, `__proto__`):
 * only the request's own fields are read, and the record has no prototype to write into.
 */
export function selectVaryHeaders(vary: readonly string[], requestHeaders: HeaderMap): Record<string, string> {
  const selected: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const name of vary) {
    const value = varyValue(name, requestHeaders);
    if (value !== undefined) selected[name] = value;
  }
  return selected;
}

/**
 * RFC 9111 §4.1: the stored response is selected only if every field its Vary names has the same
 * (normalized) value in the new request, absent matching absent. `Vary: *` never matches.
 */
export function varyMatches(vary: readonly string[], stored: Readonly<Record<string, string>>, requestHeaders: HeaderMap): boolean {
  for (const name of vary) {
    if (name === '*') return false;
    if (varyValue(name, requestHeaders) !== ownField(stored, name)) return false;
  }
  return true;
}

/** A field of a header map or stored record, never an inherited property. */
export function ownField(map: Readonly<Record<string, string>>, name: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(map, name) ? map[name] : undefined;
}

function varyValue(name: string, requestHeaders: HeaderMap): string | undefined {
  const value = ownField(requestHeaders, name);
  if (typeof value !== 'string') return undefined;
  if (CREDENTIAL_FIELDS.has(name)) return credentialDigest(value);
  return name === 'accept-language' ? normalizeLanguageList(value) : normalizeFieldValue(value);
}

function normalizeFieldValue(value: string): string {
  return value.trim().replace(/\s*,\s*/g, ', ');
}

/**
 * RFC 9111 §4.1 lets a cache normalize before matching: language tags are case-insensitive
 * (RFC 5646 §2.1.1) and a list's order carries no meaning once each member has its q-value, so
 * `en-US, fr;q=0.5` and `fr;q=0.5,en-us` select the same stored response.
 */
function normalizeLanguageList(value: string): string {
  return value
    .split(',')
    .map((member) => member.replace(/\s+/g, '').toLowerCase())
    .filter(Boolean)
    .sort()
    .join(', ');
}

/**
 * A digest of a credential for Vary matching: 64 bits of FNV-1a (two 32-bit lanes). Not a secret
 * hash, and it need not be one: it only tells two values apart, and 64 bits of a high-entropy
 * token say nothing usable about the token.
 */
export function credentialDigest(value: string): string {
  let a = 0x811c9dc5;
  let b = 0xcbf29ce4;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
  }
  return `h:${a.toString(16).padStart(8, '0')}${b.toString(16).padStart(8, '0')}`;
}
