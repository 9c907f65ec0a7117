import { headerValue, type HeaderMap } from './headers';

/** A response as the layers and `client.request()` see it. */
export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly headers: HeaderMap;
  readonly body: T;
  /** Final URL (after redirects) as fetch reports it. */
  readonly url: string;
  /** True when the body came from the rxsync cache (a fresh hit, a 304 merge, a stale fallback). */
  readonly fromCache: boolean;
  /** True when the body is served past its freshness (stale-while-revalidate, stale-if-error, offline). */
  readonly stale: boolean;
  /**
   * When the attempt that got this response went out, on the client's clock (set by the
   * transport). The cache measures a response's age from it (RFC 9111 §4.2.3 request_time), so
   * backoff waits before the final attempt never make a fresh answer look old.
   */
  readonly requestTime?: number;
}

/** Where a lazy response's header map comes from until it is built (see {@link lazyHeadersResponse}). */
const HEADER_SOURCE = Symbol('rxsync.header-source');

interface HeaderSource {
  get(name: string): string | null;
}

interface LazyHeaders<S extends HeaderSource> {
  readonly source: S;
  readonly build: (source: S) => HeaderMap;
  map: HeaderMap | undefined;
}

/** One getter shared by every lazy response, so that they all keep one hidden class (see below). */
function lazyHeadersGetter(this: { [HEADER_SOURCE]: LazyHeaders<HeaderSource> }): HeaderMap {
  const lazy = this[HEADER_SOURCE];
  return (lazy.map ??= lazy.build(lazy.source));
}

const LAZY_HEADERS_PROPERTY: PropertyDescriptor = { get: lazyHeadersGetter, enumerable: true, configurable: true };

/**
 * A response whose `headers` map is built on first read. Iterating fetch's `Headers` (sorted,
 * brand-checked, one entry at a time) is the costliest step of reading a response on Node 20, and
 * most responses only ever have two fields looked at, by the cache ({@link responseHeader}): a
 * `client.get()` never shows its caller the map at all. Reading `headers` (a spread,
 * `JSON.stringify`, `structuredClone`) gives the full plain map, built once. Measured over
 * loopback: an uncacheable GET through the whole client went from 1.35× to 1.27× raw fetch.
 *
 * Takes over `fields` (a fresh object from the caller) rather than copying it. How the accessor is
 * added matters on V8: an object literal with a `get` of its own, or a data property turned into
 * an accessor, puts the object in dictionary mode, and every layer's read of `status` or `body`
 * and every `{ ...res }` after that is a slow lookup. Defining one shared getter on a plain
 * literal keeps every response on the same fast hidden class; `headers` comes last in key order.
 */
export function lazyHeadersResponse<S extends HeaderSource>(fields: Omit<ApiResponse, 'headers'>, source: S, build: (source: S) => HeaderMap): ApiResponse {
  const lazy: LazyHeaders<S> = { source, build, map: undefined };
  Object.defineProperty(fields, HEADER_SOURCE, { value: lazy });
  return Object.defineProperty(fields, 'headers', LAZY_HEADERS_PROPERTY) as ApiResponse;
}

/**
 * One header field of a response by its lower-case name, without building a lazy response's map.
 * Fetch's `get()` joins repeated fields with ", " as the map does; `set-cookie` (joined with a
 * line break in the map) is always read from the map.
 */
export function responseHeader(res: Pick<ApiResponse, 'headers'>, name: string): string | undefined {
  const lazy = (res as { [HEADER_SOURCE]?: LazyHeaders<HeaderSource> })[HEADER_SOURCE];
  if (lazy === undefined || name === 'set-cookie') return headerValue(res.headers, name);
  return lazy.source.get(name) ?? undefined;
}
