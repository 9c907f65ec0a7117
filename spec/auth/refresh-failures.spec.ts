import { type Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import type { AuthTokens } from '../../lib/auth/auth-config';
import { AuthError, HttpError, ParseError, RetryAfterTooLongError } from '../../lib/core/errors';
import type { ApiRequest } from '../../lib/core/request';
import type { ApiResponse } from '../../lib/core/response';
import { createTestScheduler } from '../helpers/marbles';
import { at, authHarness, bearerOf, get, ok, types, unauthorized } from './auth-fixtures';

/**
 * A refresh that got no verdict on the refresh token (the server was busy, a captive portal
 * answered) must not end the session: the waiting requests fail with that error, the tokens stay,
 * and the next request tries again.
 */

const r = ok('the resource');
const OLD: AuthTokens = { accessToken: 'OPAQUE-1', refreshToken: 'REFRESH-1' };
const NEW: AuthTokens = { accessToken: 'OPAQUE-2', refreshToken: 'REFRESH-2' };
const token = { method: 'POST' as const, url: 'https://auth.example.com/token' };

const respond =
  (cold: TestScheduler['createColdObservable']) =>
  (req: ApiRequest): Observable<ApiResponse> =>
    bearerOf(req) === NEW.accessToken ? cold<ApiResponse>('-(r|)', { r }) : cold<ApiResponse>('-#', undefined, unauthorized(req));

const busy = (status: number): RetryAfterTooLongError => new RetryAfterTooLongError(token, 120_000, status, new HttpError(token, status, {}, null));
const portal = (contentType: string | undefined): ParseError =>
  new ParseError(token, '<html>Sign in to the hotel Wi-Fi</html>', contentType, 'expected JSON, got text/html');

describe('a temporary refresh failure keeps the session', () => {
  it.each<[string, unknown]>([
    ['a Retry-After too long on a 503', busy(503)],
    ['a Retry-After too long on a 500', busy(500)],
    ['a Retry-After too long on a 429', busy(429)],
    ['a Retry-After too long on a 408', busy(408)],
    ['an HTML page where JSON was expected (captive portal)', portal('text/html; charset=utf-8')],
    ['a body that is not JSON and declares no content type', portal(undefined)],
  ])('%s: waiting requests get the error, the tokens stay, no session-expired, and the next request refreshes again', (_what, failure) => {
    const rx = createTestScheduler();
    let outcome: unknown;
    rx.run(({ cold, expectObservable, flush }) => {
      const answers = [cold('-#', undefined, failure), cold('-(t|)', { t: NEW })];
      const { handler, session, events, ended } = authHarness(rx, respond(cold), {
        initial: OLD,
        refresh: () => answers.shift()!,
        refreshRetry: { maxAttempts: 1 },
      });
      expectObservable(handler(get('/a'))).toBe('--#', undefined, new AuthError(get('/a'), 'refresh-unavailable'));
      expectObservable(handler(get('/b'))).toBe('--#', undefined, new AuthError(get('/b'), 'refresh-unavailable'));
      const tokensAfterFailure: unknown[] = [];
      rx.schedule(() => tokensAfterFailure.push(session.currentTokens()), 3);
      expectObservable(at(rx, 10, () => handler(get('/c')))).toBe('10ms ---(r|)', { r });
      flush();
      outcome = { tokensAfterFailure, tokens: session.currentTokens(), events: types(events), ended };
    });
    expect(outcome).toEqual({
      tokensAfterFailure: [OLD],
      tokens: NEW,
      events: ['token-refresh-start', 'token-refresh-failed', 'token-refresh-start', 'token-refreshed'],
      ended: [],
    });
  });
});

describe('a refresh failure that is a verdict still ends the session', () => {
  it.each<[string, unknown]>([
    ['a Retry-After too long on a 400', busy(400)],
    ['malformed JSON declared as JSON', portal('application/json')],
    ['malformed JSON declared as problem+json', portal('application/problem+json; charset=utf-8')],
  ])('%s: AuthError(refresh-failed), tokens cleared', (_what, failure) => {
    const rx = createTestScheduler();
    let outcome: unknown;
    rx.run(({ cold, expectObservable, flush }) => {
      const { handler, session, events, ended } = authHarness(rx, respond(cold), { initial: OLD, refresh: () => cold('-#', undefined, failure) });
      expectObservable(handler(get('/a'))).toBe('--#', undefined, new AuthError(get('/a'), 'refresh-failed'));
      flush();
      outcome = { tokens: session.currentTokens(), events: types(events), ended };
    });
    expect(outcome).toEqual({ tokens: null, events: ['token-refresh-start', 'token-refresh-failed', 'session-expired'], ended: ['refresh-failed'] });
  });
});
