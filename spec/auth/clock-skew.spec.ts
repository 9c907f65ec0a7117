import { defer, type Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import type { AuthTokens } from '../../lib/auth/auth-config';
import type { ApiRequest } from '../../lib/core/request';
import type { ApiResponse } from '../../lib/core/response';
import { createTestScheduler } from '../helpers/marbles';
import { at, authHarness, bearerOf, get, ok, types, unauthorized, unsignedJwt } from './auth-fixtures';

/**
 * The device clock is an hour ahead of the server's: at scheduler time `t` ms the server's clock
 * reads `t / 1000 - 3600` s. The server issues 15-minute tokens.
 */
const AHEAD_S = 3600;
const LIFE_S = 900;
const r = ok('the resource');

let issued = 0;
/** A token issued by the server at scheduler time `now`; `withIat: false` leaves `iat` out. */
function serverToken(now: number, withIat = true): AuthTokens {
  const iat = Math.floor(now / 1000) - AHEAD_S;
  const claims = withIat ? { sub: 'u1', iat, exp: iat + LIFE_S, n: ++issued } : { sub: 'u1', exp: iat + LIFE_S, n: ++issued };
  return { accessToken: unsignedJwt(claims), refreshToken: `REFRESH-${issued}` };
}

/** A refresh function answering after one frame with a token issued then; records when it was called and what it answered. */
function refreshAt(rx: TestScheduler, cold: TestScheduler['createColdObservable'], withIat = true) {
  const calls: number[] = [];
  const answers: AuthTokens[] = [];
  const refresh = (): Observable<unknown> =>
    defer(() => {
      calls.push(rx.now());
      answers.push(serverToken(rx.now() + 1, withIat));
      return cold('-(t|)', { t: answers[answers.length - 1] });
    });
  return { refresh, calls, answers };
}

describe('a device clock an hour ahead of the server', () => {
  it('a 15-minute token from setTokens that looks expired on this clock is refreshed once before use (never sent expired), then once per lifetime (receipt + life − skew)', () => {
    const rx = createTestScheduler();
    let outcome: unknown;
    rx.run(({ cold, expectObservable, flush }) => {
      const { refresh, calls, answers } = refreshAt(rx, cold);
      const { handler, session, backend, events, ended } = authHarness(rx, () => cold('-(r|)', { r }), { refresh });
      const login = serverToken(0);
      session.setTokens(login);
      // The device clock is an hour ahead: by it, the login token's `exp` has passed. It is
      // indistinguishable from a saved token restored at start-up, so it is refreshed first.
      expectObservable(handler(get('/items'))).toBe('--(r|)', { r });
      for (const time of [1_000, 2_000, 3_000, 4_000, 870_000]) {
        expectObservable(at(rx, time, () => handler(get('/items')))).toBe(`${time}ms -(r|)`, { r });
      }
      expectObservable(at(rx, 880_000, () => handler(get('/items')))).toBe('880000ms --(r|)', { r });
      flush();
      const name = (token: string | undefined) =>
        token === login.accessToken ? 'login' : token === answers[0]?.accessToken ? 'refreshed' : token === answers[1]?.accessToken ? 'refreshed again' : token;
      outcome = { calls, sent: backend.tokensSent().map(name), events: types(events), ended };
    });
    expect(outcome).toEqual({
      calls: [0, 880_000],
      sent: ['refreshed', 'refreshed', 'refreshed', 'refreshed', 'refreshed', 'refreshed', 'refreshed again'],
      events: ['token-refresh-start', 'token-refreshed', 'token-refresh-start', 'token-refreshed'],
      ended: [],
    });
  });

  it('keeps the exp rule for a token read back from the store (when it arrived is unknown): one refresh, then the new token’s lifetime', () => {
    const rx = createTestScheduler();
    let outcome: unknown;
    rx.run(({ cold, expectObservable, flush }) => {
      const { refresh, calls } = refreshAt(rx, cold);
      const { handler } = authHarness(rx, () => cold('-(r|)', { r }), { initial: serverToken(0), refresh });
      expectObservable(handler(get('/items'))).toBe('--(r|)', { r });
      for (const time of [1_000, 2_000, 3_000, 4_000]) {
        expectObservable(at(rx, time, () => handler(get('/items')))).toBe(`${time}ms -(r|)`, { r });
      }
      flush();
      outcome = calls;
    });
    expect(outcome).toEqual([0]);
  });

  it('sends a refreshed token that is already due by the device clock (no iat) as it is, and refreshes it on a 401 instead', () => {
    const rx = createTestScheduler();
    let outcome: unknown;
    rx.run(({ cold, expectObservable, flush }) => {
      const { refresh, calls, answers } = refreshAt(rx, cold, false);
      // From 5 s on, the server rejects the token of the first refresh.
      const respond = (req: ApiRequest): Observable<ApiResponse> =>
        rx.now() >= 5_000 && bearerOf(req) === answers[0]?.accessToken ? cold('-#', undefined, unauthorized(req)) : cold('-(r|)', { r });
      const { handler, events, ended } = authHarness(rx, respond, { initial: serverToken(0, false), refresh });
      expectObservable(handler(get('/items'))).toBe('--(r|)', { r });
      for (const time of [1_000, 2_000, 3_000, 4_000]) {
        expectObservable(at(rx, time, () => handler(get('/items')))).toBe(`${time}ms -(r|)`, { r });
      }
      expectObservable(at(rx, 5_000, () => handler(get('/items')))).toBe('5000ms ---(r|)', { r });
      flush();
      outcome = { calls, events: types(events), ended };
    });
    expect(outcome).toEqual({ calls: [0, 5_001], events: ['token-refresh-start', 'token-refreshed', 'token-refresh-start', 'token-refreshed'], ended: [] });
  });
});
