import type { Observable } from 'rxjs';
import type { ClientEvent } from '../../lib/core/events';
import { HttpError } from '../../lib/core/errors';
import type { Handler } from '../../lib/core/layer';
import { createRequest, type ApiRequest, type ApiRequestInit } from '../../lib/core/request';
import type { ApiResponse } from '../../lib/core/response';

export const API = 'https://api.example.com';

/**
 * An unsigned JWT (`alg: none`) carrying `claims`: jwt-decode reads claims without verifying,
 * which is all the client does with them.
 */
export function unsignedJwt(claims: Record<string, unknown>): string {
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
}

export function get(path: string, init: Partial<ApiRequestInit> = {}): ApiRequest {
  return createRequest({ url: path.startsWith('/') ? `${API}${path}` : path, ...init });
}

export function ok<T>(body: T, url = `${API}/`): ApiResponse<T> {
  return { status: 200, headers: {}, body, url, fromCache: false, stale: false };
}

export function unauthorized(req: Pick<ApiRequest, 'method' | 'url'> = get('/')): HttpError {
  return new HttpError(req, 401, {}, { error: 'invalid_token' });
}

/** The token a request carried, `undefined` when it went without one. */
export function bearerOf(req: ApiRequest): string | undefined {
  const header = req.headers['authorization'];
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : header;
}

/**
 * A backend that answers through `respond` and remembers every request it saw, so a test can say
 * how many went out and with which token.
 */
export function fakeBackend(respond: (req: ApiRequest) => Observable<ApiResponse>): { handler: Handler; seen: ApiRequest[]; tokensSent: () => Array<string | undefined> } {
  const seen: ApiRequest[] = [];
  return {
    handler: (req) => {
      seen.push(req);
      return respond(req);
    },
    seen,
    tokensSent: () => seen.map(bearerOf),
  };
}

/** Events without their time stamps, for the tests that only care about the order. */
export function types(events: readonly ClientEvent[]): string[] {
  return events.map((event) => event.type);
}
