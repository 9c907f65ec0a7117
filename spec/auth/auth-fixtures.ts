import { type Observable, type SchedulerLike, switchMap, timer } from 'rxjs';
import type { AuthConfig, AuthTokens } from '../../lib/auth/auth-config';
import { createAuth } from '../../lib/auth/auth.layer';
import { memoryTokenStore } from '../../lib/auth/token-store';
import { createEnv } from '../../lib/core/env';
import type { ClientEvent } from '../../lib/core/events';
import { HttpError } from '../../lib/core/errors';
import { chain, type Handler } from '../../lib/core/layer';
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
export function fakeBackend(respond: (req: ApiRequest) => Observable<ApiResponse>): {
  handler: Handler;
  seen: ApiRequest[];
  tokensSent: () => Array<string | undefined>;
} {
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

/**
 * `createAuth` on a scheduler, wired to a fake backend, with its events and `sessionEnded$`
 * reasons collected. `initial` seeds a memory store unless `tokens` brings its own store.
 */
export function authHarness(
  scheduler: SchedulerLike,
  respond: (req: ApiRequest) => Observable<ApiResponse>,
  config: AuthConfig & { initial?: AuthTokens | null } = {},
) {
  const { env, events$ } = createEnv({ scheduler });
  const events: ClientEvent[] = [];
  events$.subscribe((event) => events.push(event));
  const { initial = null, ...authConfig } = config;
  const auth = createAuth({ tokens: memoryTokenStore(initial), ...authConfig }, env, `${API}/v1/`);
  const backend = fakeBackend(respond);
  const ended: string[] = [];
  auth.session.sessionEnded$.subscribe((reason) => ended.push(reason));
  return { auth, handler: chain([auth.layer], backend.handler), backend, session: auth.session, events, ended };
}

/** Subscribes `source()` `frames` after the start of a marble test. */
export function at<T>(scheduler: SchedulerLike, frames: number, source: () => Observable<T>): Observable<T> {
  return timer(frames, scheduler).pipe(switchMap(source));
}
