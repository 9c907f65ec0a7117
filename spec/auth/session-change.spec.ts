import type { Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import type { AuthTokens } from '../../lib/auth/auth-config';
import { AuthError } from '../../lib/core/errors';
import type { ApiRequest } from '../../lib/core/request';
import type { ApiResponse } from '../../lib/core/response';
import { createTestScheduler } from '../helpers/marbles';
import { at, authHarness, bearerOf, get, ok, types, unauthorized, unsignedJwt } from './auth-fixtures';

/**
 * A request belongs to the session it was sent in. When a logout or an account switch happens
 * while it is in flight (or waiting for a refresh), its 401 must never be answered by re-sending
 * it with the next user's token: user A's subscriber would receive user B's data.
 */

const r = ok('the resource');
const A: AuthTokens = { accessToken: 'OPAQUE-A', refreshToken: 'REFRESH-A' };
const A2: AuthTokens = { accessToken: 'OPAQUE-A2', refreshToken: 'REFRESH-A2' };
const B: AuthTokens = { accessToken: 'OPAQUE-B', refreshToken: 'REFRESH-B' };

/** B's token is good; A's is rejected after `delay`. */
function respondWith(cold: TestScheduler['createColdObservable'], delay = '---#') {
  return (req: ApiRequest): Observable<ApiResponse> =>
    bearerOf(req) === B.accessToken || bearerOf(req) === A2.accessToken
      ? cold<ApiResponse>('-(r|)', { r })
      : cold<ApiResponse>(delay, undefined, unauthorized(req));
}

describe('a 401 for a request sent in an earlier session', () => {
  it('fails with AuthError(session-changed) after an account switch, without refreshing or re-sending it with the new user’s token', () => {
    const rx = createTestScheduler();
    let outcome: unknown;
    rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const refresh = cold('-(t|)', { t: A2 });
      const { handler, backend, session, events } = authHarness(rx, respondWith(cold), { initial: A, refresh: () => refresh });
      expectObservable(handler(get('/a'))).toBe('---#', undefined, new AuthError(get('/a'), 'session-changed'));
      rx.schedule(() => session.setTokens(B), 1);
      expectObservable(at(rx, 2, () => handler(get('/b')))).toBe('---(r|)', { r });
      expectSubscriptions(refresh.subscriptions).toBe([]);
      flush();
      outcome = { sent: backend.seen.map((req) => `${req.url.slice(-2)} ${bearerOf(req)}`), tokens: session.currentTokens(), events: types(events) };
    });
    expect(outcome).toEqual({ sent: ['/a OPAQUE-A', '/b OPAQUE-B'], tokens: B, events: [] });
  });

  it('fails with AuthError(session-changed) after a logout, without refreshing', () => {
    const rx = createTestScheduler();
    let outcome: unknown;
    rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const refresh = cold('-(t|)', { t: A2 });
      const { handler, backend, session, events, ended } = authHarness(rx, respondWith(cold), { initial: A, refresh: () => refresh });
      expectObservable(handler(get('/a'))).toBe('---#', undefined, new AuthError(get('/a'), 'session-changed'));
      rx.schedule(() => session.logout(), 1);
      expectSubscriptions(refresh.subscriptions).toBe([]);
      flush();
      outcome = { sent: backend.tokensSent(), tokens: session.currentTokens(), events: types(events), ended };
    });
    expect(outcome).toEqual({ sent: ['OPAQUE-A'], tokens: null, events: [], ended: ['logout'] });
  });

  it('keeps the 401 as the cause', () => {
    const rx = createTestScheduler();
    const errors: unknown[] = [];
    rx.run(({ cold, flush }) => {
      const { handler, session } = authHarness(rx, respondWith(cold), { initial: A, refresh: () => cold('-(t|)', { t: A2 }) });
      handler(get('/a')).subscribe({ error: (error: unknown) => errors.push(error) });
      rx.schedule(() => session.setTokens(B), 1);
      flush();
    });
    expect((errors[0] as AuthError).cause).toMatchObject({ name: 'HttpError', status: 401 });
  });
});

describe('a request waiting for a refresh when the session changes', () => {
  it('fails with AuthError(session-changed) as soon as another user logs in, and the old refresh leaves the new session alone', () => {
    const rx = createTestScheduler();
    let outcome: unknown;
    rx.run(({ cold, expectObservable, flush }) => {
      const { handler, backend, session } = authHarness(rx, respondWith(cold, '-#'), { initial: A, refresh: () => cold('----(t|)', { t: A2 }) });
      // 401 at 1, joins the refresh (1 → 5); B logs in at 2.
      expectObservable(handler(get('/a'))).toBe('--#', undefined, new AuthError(get('/a'), 'session-changed'));
      rx.schedule(() => session.setTokens(B), 2);
      flush();
      outcome = { sent: backend.tokensSent(), tokens: session.currentTokens() };
    });
    expect(outcome).toEqual({ sent: ['OPAQUE-A'], tokens: B });
  });

  it('fails with AuthError(session-changed) once the refresh answers after a logout, without sending the refreshed token', () => {
    const rx = createTestScheduler();
    let outcome: unknown;
    rx.run(({ cold, expectObservable, flush }) => {
      const { handler, backend, session } = authHarness(rx, respondWith(cold, '-#'), { initial: A, refresh: () => cold('---(t|)', { t: A2 }) });
      expectObservable(handler(get('/a'))).toBe('----#', undefined, new AuthError(get('/a'), 'session-changed'));
      rx.schedule(() => session.logout(), 2);
      flush();
      outcome = { sent: backend.tokensSent(), tokens: session.currentTokens() };
    });
    expect(outcome).toEqual({ sent: ['OPAQUE-A'], tokens: null });
  });

  it('fails a request waiting for a proactive refresh (expiring JWT) when the account switches: it is never sent', () => {
    const rx = createTestScheduler();
    let outcome: unknown;
    rx.run(({ cold, expectObservable, flush }) => {
      const expiring = { accessToken: unsignedJwt({ sub: 'alice', exp: 0 }), refreshToken: 'REFRESH-A' };
      const { handler, backend, session } = authHarness(rx, respondWith(cold), { initial: expiring, refresh: () => cold('---(t|)', { t: A2 }) });
      expectObservable(handler(get('/a'))).toBe('-#', undefined, new AuthError(get('/a'), 'session-changed'));
      rx.schedule(() => session.setTokens(B), 1);
      flush();
      outcome = { sent: backend.tokensSent(), tokens: session.currentTokens() };
    });
    expect(outcome).toEqual({ sent: [], tokens: B });
  });

  it('still ends with AuthError(refresh-failed) when the refresh itself fails and ends the session', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const rejected = unauthorized({ method: 'POST', url: 'https://auth.example.com/token' });
      const { handler } = authHarness(rx, respondWith(cold, '-#'), { initial: A, refresh: () => cold('--#', undefined, rejected) });
      expectObservable(handler(get('/a'))).toBe('---#', undefined, new AuthError(get('/a'), 'refresh-failed'));
    });
  });
});
