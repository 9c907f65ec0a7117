import type { HeaderMap } from '../core/headers';
import type { ApiResponse } from '../core/response';
import type { TtlMode } from './cache-config';
import { analyzeResponse, httpDate, usefulUntil, type ResponseFacts } from './freshness';

/**
 * The serializable form of one stored response, as written to the persistent tier. Versioned:
 * anything else found in a store (another version, another app's data, a half-written record)
 * is dropped with a `cache-error` event and the request goes to the network.
 */
export interface CacheEntry {
  readonly v: 1;
  /** The key it was stored under; an entry found under another key is foreign. */
  readonly key: string;
  /** Final URL of the response (after redirects). */
  readonly url: string;
  readonly method: string;
  readonly status: number;
  /** Response header fields as received (hop-by-hop removed, Date added if missing). */
  readonly headers: HeaderMap;
  readonly body: unknown;
  /** Receipt of the response or of its last successful validation (`scheduler.now()`). */
  readonly storedAt: number;
  readonly requestTime: number;
  readonly responseTime: number;
  /** App-level TTL resolved when stored (see `TtlConfig`). */
  readonly ttlMs?: number;
  /** Values of the request fields named by Vary (never credentials). */
  readonly varyHeaders: Readonly<Record<string, string>>;
  /** Approximate size in bytes (JSON characters), for the byte bounds. */
  readonly size: number;
}

export const CACHE_ENTRY_VERSION = 1;

/** An entry with what is derived from it once (in memory only, recomputed when loaded). */
export interface StoredResponse {
  readonly entry: CacheEntry;
  readonly facts: ResponseFacts;
  /** When it may be swept (see {@link usefulUntil}). */
  readonly expiresAt: number;
  /** The last response served from it; reused while its Age (in whole seconds) is unchanged. */
  served?: { readonly ageSeconds: number; readonly response: ApiResponse };
}

export interface HydrateOptions {
  readonly ttlMode: TtlMode;
  readonly maxStaleMs: number;
}

export function hydrate(entry: CacheEntry, options: HydrateOptions): StoredResponse {
  const facts = analyzeResponse({
    method: entry.method,
    status: entry.status,
    requestHeaders: {},
    responseHeaders: entry.headers,
    responseTime: entry.responseTime,
  });
  const expiresAt = usefulUntil(entry, facts, { ttlMs: entry.ttlMs, mode: options.ttlMode }, options.maxStaleMs);
  return { entry, facts, expiresAt };
}

/**
 * Fields a cache does not store (RFC 9111 §3.1): hop-by-hop fields (RFC 9110 §7.6.1) and those
 * the transport already acted on.
 */
const NOT_STORED: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'transfer-encoding',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
  'set-cookie',
]);

/** Response headers as stored: all fields but {@link NOT_STORED} (and those named by Connection); a missing Date is added (RFC 9110 §6.6.1). */
export function storedHeaders(headers: HeaderMap, responseTime: number): HeaderMap {
  const dropped = new Set(NOT_STORED);
  for (const name of (ownValue(headers, 'connection') ?? '').split(',')) dropped.add(name.trim().toLowerCase());
  const out: Record<string, string> = {};
  for (const name of Object.keys(headers)) {
    if (!dropped.has(name)) setField(out, name, headers[name]);
  }
  if (ownValue(out, 'date') === undefined) out.date = httpDate(Math.floor(responseTime / 1000) * 1000);
  return out;
}

/**
 * Sets a header field by name as data: a field named `__proto__` (a response may carry one)
 * becomes an own field, never the map's prototype.
 */
export function setField(map: Record<string, string>, name: string, value: string): void {
  if (name === '__proto__') Object.defineProperty(map, name, { value, enumerable: true, writable: true, configurable: true });
  else map[name] = value;
}

/**
 * Approximate size of an entry: the body's (see {@link bodySize}: `Infinity` when it cannot be
 * measured, so it never fits a bound), headers and URL.
 */
export function estimateSize(bodyBytes: number, headers: HeaderMap, url: string): number {
  let headerSize = 0;
  for (const name of Object.keys(headers)) headerSize += name.length + headers[name].length + 4;
  return bodyBytes + headerSize + url.length * 2 + 200;
}

/**
 * Validates what a store returned for `key`. Returns the entry, or a reason why it is unusable
 * (corrupted, another version, foreign). Never throws.
 */
export function parseCacheEntry(raw: unknown, key: string): CacheEntry | { readonly invalid: string } {
  if (typeof raw !== 'object' || raw === null) return { invalid: `not an object (${typeof raw})` };
  const e = raw as Record<string, unknown>;
  if (e.v !== CACHE_ENTRY_VERSION) return { invalid: `unknown entry version ${JSON.stringify(e.v)}` };
  if (e.key !== key) return { invalid: 'entry stored under another key (foreign)' };
  const numbers = ['status', 'storedAt', 'requestTime', 'responseTime', 'size'] as const;
  for (const field of numbers) {
    if (typeof e[field] !== 'number' || !Number.isFinite(e[field])) return { invalid: `bad field ${field}` };
  }
  if (e.ttlMs !== undefined && (typeof e.ttlMs !== 'number' || !Number.isFinite(e.ttlMs))) return { invalid: 'bad field ttlMs' };
  if (typeof e.url !== 'string' || typeof e.method !== 'string') return { invalid: 'bad url or method' };
  if (!isStringRecord(e.headers)) return { invalid: 'bad headers' };
  if (!isStringRecord(e.varyHeaders)) return { invalid: 'bad varyHeaders' };
  if (!Object.prototype.hasOwnProperty.call(e, 'body')) return { invalid: 'missing body' };
  return raw as CacheEntry;
}

export function isInvalid(parsed: CacheEntry | { readonly invalid: string }): parsed is { readonly invalid: string } {
  return 'invalid' in parsed;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((v) => typeof v === 'string');
}

function ownValue(map: HeaderMap, name: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(map, name) ? map[name] : undefined;
}
