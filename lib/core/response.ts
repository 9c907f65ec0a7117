import type { HeaderMap } from './headers';

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
