import { RequestContext } from '../../lib/core/context';
import { HttpError } from '../../lib/core/errors';
import type { HeaderMap } from '../../lib/core/headers';
import type { ApiRequest, HttpMethod } from '../../lib/core/request';
import type { ApiResponse } from '../../lib/core/response';

/** A request as the client hands it to the layers: absolute URL, no headers, empty context. */
export function request(method: HttpMethod = 'GET', url = 'https://api.example.com/items/42', extra: Partial<ApiRequest> = {}): ApiRequest {
  // As createRequest does: a request with an idempotency key carries it as a header from the start.
  const headers: Record<string, string> = extra.idempotencyKey === undefined ? {} : { 'idempotency-key': extra.idempotencyKey };
  return { method, url, headers, responseType: 'auto', context: RequestContext.empty(), ...extra };
}

export function response(status = 200, body: unknown = { id: 42 }): ApiResponse {
  return { status, headers: {}, body, url: 'https://api.example.com/items/42', fromCache: false, stale: false };
}

export function httpError(req: ApiRequest, status: number, headers: HeaderMap = {}): HttpError {
  return new HttpError(req, status, headers, null);
}
