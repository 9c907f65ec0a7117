import { HttpError, NetworkError } from '../core/errors';
import { normalizeHeaders, type HeadersInit } from '../core/headers';
import { createRequest, type ApiRequest } from '../core/request';
import type { ApiResponse } from '../core/response';

/**
 * A 200 (or other 2xx) response as the transport would emit it.
 *
 * @example
 * const handler: Handler = () => of(okResponse({ id: 1 }, { etag: '"v1"' }));
 */
export function okResponse<T>(body: T, headers: HeadersInit = {}, status = 200, url = 'https://api.test/'): ApiResponse<T> {
  return { status, headers: normalizeHeaders(headers), body, url, fromCache: false, stale: false };
}

/** The error the transport emits for a non-2xx status. */
export function httpError(
  status: number,
  body: unknown = null,
  headers: HeadersInit = {},
  request: Pick<ApiRequest, 'method' | 'url'> = anyRequest,
): HttpError {
  return new HttpError(request, status, normalizeHeaders(headers), body);
}

/** The error the transport emits when the network fails. `outcome: 'not-sent'` means the server never saw it. */
export function networkError(outcome: 'not-sent' | 'unknown' = 'unknown', request: Pick<ApiRequest, 'method' | 'url'> = anyRequest): NetworkError {
  return new NetworkError(request, outcome, { detail: 'simulated' });
}

const anyRequest = createRequest({ url: 'https://api.test/' });
