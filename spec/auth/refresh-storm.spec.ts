import { NEVER, type Observable, of } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import type { AuthTokens } from '../../lib/auth/auth-config';
import type { TokenStore } from '../../lib/auth/token-store';
import { AuthError, HttpError, NetworkError, ParseError, TimeoutError } from '../../lib/core/errors';
import type { ApiRequest } from '../../lib/core/request';
import type { ApiResponse } from '../../lib/core/response';
import { createTestScheduler } from '../helpers/marbles';
import { at, authHarness, bearerOf, get, ok, types, unauthorized, unsignedJwt } from './auth-fixtures';

/**
 * Issue #10, "Refresh storms": 20 requests sent with the same old token get their 401s spread
 * over 5 s; whatever the refresh endpoint answers, there is one refresh flight, every caller gets
 * the one reason that refresh settled on, for its own request, and no 401 that comes back after
 * the failure starts another refresh.
 */
const OLD: AuthTokens = { accessToken: 'OLD-ACCESS', refreshToken: 'OLD-REFRESH' };
const tokenCall = { method: 'POST' as const, url: 'https://auth.example.com/token' };
const STORM = 20;

type Answer = (cold: TestScheduler['createColdObservable']) => Observable<unknown>;

describe('a refresh storm gets one refresh, whatever the refresh endpoint answers', () => {
  it.each<[string, Answer, { calls: number; reason: string; sessionKept: boolean; cause: unknown }]>([
    [
      '500 every time',
      (cold) => cold('5ms #', undefined, new HttpError(tokenCall, 500, {}, null)),
      { calls: 3, reason: 'refresh-unavailable', sessionKept: true, cause: HttpError },
    ],
    [
      'a network failure every time',
      (cold) => cold('5ms #', undefined, new NetworkError(tokenCall, 'not-sent')),
      { calls: 3, reason: 'refresh-unavailable', sessionKept: true, cause: NetworkError },
    ],
    ['never (each call bounded by refreshTimeoutMs)', () => NEVER, { calls: 3, reason: 'refresh-unavailable', sessionKept: true, cause: TimeoutError }],
    [
      '400 invalid_grant',
      (cold) => cold('5ms #', undefined, new HttpError(tokenCall, 400, {}, { error: 'invalid_grant' })),
      { calls: 1, reason: 'refresh-failed', sessionKept: false, cause: HttpError },
    ],
    [
      '401',
      (cold) => cold('5ms #', undefined, new HttpError(tokenCall, 401, {}, null)),
      { calls: 1, reason: 'refresh-failed', sessionKept: false, cause: HttpError },
    ],
    [
      '200 without a usable token',
      (cold) => cold('5ms (t|)', { t: { token: 'snake' } }),
      { calls: 1, reason: 'refresh-failed', sessionKept: false, cause: Error },
    ],
  ])('refresh endpoint answers %s', (_what, answer, expected) => {
    const rx = createTestScheduler();
    let calls = 0;
    const outcome: { errors: Array<{ url: string; reason: string; cause: unknown }>; values: number; events: string[]; tokens: unknown } = {
      errors: [],
      values: 0,
      events: [],
      tokens: undefined,
    };
    rx.run(({ cold, flush }) => {
      // Request i's 401 comes back after i × 250 ms: some while the refresh runs, some after it failed.
      const respond = (req: ApiRequest): Observable<ApiResponse> => {
        const i = Number(req.url.split('/r')[1]);
        return bearerOf(req) === OLD.accessToken ? cold<ApiResponse>(`${1 + i * 250}ms #`, undefined, unauthorized(req)) : cold('-(r|)', { r: ok('late') });
      };
      const { handler, events, session } = authHarness(rx, respond, {
        initial: OLD,
        refresh: () => {
          calls++;
          return answer(cold);
        },
        refreshTimeoutMs: 1_000,
      });
      for (let i = 0; i < STORM; i++) {
        const req = get(`/r${i}`);
        handler(req).subscribe({
          next: () => outcome.values++,
          error: (e: unknown) => outcome.errors.push({ url: (e as AuthError).request.url, reason: (e as AuthError).reason, cause: (e as AuthError).cause }),
        });
      }
      flush();
      outcome.events = types(events);
      outcome.tokens = session.currentTokens();
    });
    expect(calls).toBe(expected.calls);
    expect(outcome.events.filter((type) => type === 'token-refresh-start')).toHaveLength(1);
    expect(outcome.values).toBe(0);
    // Every caller: one reason, its own request, the cause of the refresh call attached.
    expect(outcome.errors.map((e) => e.reason)).toEqual(Array(STORM).fill(expected.reason));
    expect(outcome.errors.map((e) => e.url).sort()).toEqual(Array.from({ length: STORM }, (_, i) => `https://api.example.com/r${i}`).sort());
    for (const e of outcome.errors) expect(e.cause).toBeInstanceOf(expected.cause);
    expect(outcome.tokens).toEqual(expected.sessionKept ? OLD : null);
  });

  it('retries the refresh call with backoff (1 s, 2 s) shared by every waiter, and they all succeed when it does', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const NEW: AuthTokens = { accessToken: 'NEW', refreshToken: 'NEW-R' };
      const answers = [
        cold('-#', undefined, new HttpError(tokenCall, 503, {}, null)),
        cold('-#', undefined, new NetworkError(tokenCall, 'unknown')),
        cold('-(t|)', { t: NEW }),
      ];
      const respond = (req: ApiRequest) =>
        bearerOf(req) === NEW.accessToken ? cold<ApiResponse>('-(r|)', { r: ok('fresh') }) : cold<ApiResponse>('-#', undefined, unauthorized(req));
      const refreshes: string[] = [];
      const { handler } = authHarness(rx, respond, { initial: OLD, refresh: () => (refreshes.push('call'), answers.shift()!) });
      const r = { r: ok('fresh') };
      // 401 at 1; calls at 1 (fails at 2), 1002 (fails at 1003), 3003 (answers at 3004); re-sent, answered at 3005.
      expectObservable(handler(get('/a'))).toBe('3005ms (r|)', r);
      expectObservable(at(rx, 500, () => handler(get('/b')))).toBe('3005ms (r|)', r);
    });
  });

  it('a request sent after the failed refresh settled may start the next one (a new storm)', () => {
    const rx = createTestScheduler();
    let starts: string[] = [];
    rx.run(({ cold, expectObservable, flush }) => {
      const answers = [cold('-#', undefined, new HttpError(tokenCall, 503, {}, null)), cold('-(t|)', { t: { accessToken: 'NEW' } })];
      const respond = (req: ApiRequest) =>
        bearerOf(req) === 'NEW' ? cold<ApiResponse>('-(r|)', { r: ok('ok') }) : cold<ApiResponse>('-#', undefined, unauthorized(req));
      const { handler, events } = authHarness(rx, respond, { initial: OLD, refresh: () => answers.shift()!, refreshRetry: { maxAttempts: 1 } });
      expectObservable(handler(get('/a'))).toBe('--#', undefined, new AuthError(get('/a'), 'refresh-unavailable'));
      expectObservable(at(rx, 10, () => handler(get('/b')))).toBe('10ms ---(r|)', { r: ok('ok') });
      flush();
      starts = types(events).filter((t) => t === 'token-refresh-start');
    });
    expect(starts).toHaveLength(2);
  });
});

describe('the refresh window counts only refreshes a 401 asked for', () => {
  it('10 s tokens and one request a second for a minute: every request succeeds, a proactive refresh every 6 s, none refused', () => {
    const rx = createTestScheduler();
    const results: string[] = [];
    let starts = 0;
    rx.run(({ cold, flush }) => {
      let n = 0;
      const tenSeconds = (): AuthTokens => ({ accessToken: unsignedJwt({ sub: 'u', iat: 0, exp: 10, n: n++ }), refreshToken: 'R' });
      const { handler, events } = authHarness(rx, () => cold('-(r|)', { r: ok('x') }), {
        initial: tenSeconds(),
        refresh: () => cold('-(t|)', { t: tenSeconds() }),
      });
      for (let s = 0; s < 60; s++) {
        at(rx, s * 1000, () => handler(get('/tick'))).subscribe({
          next: () => results.push('ok'),
          error: (e: unknown) => results.push((e as AuthError).reason),
        });
      }
      flush();
      starts = types(events).filter((t) => t === 'token-refresh-start').length;
    });
    expect(results).toEqual(Array(60).fill('ok'));
    // Due 5 s after each receipt, and requests come on the second: a refresh every 6 s.
    expect(starts).toBe(10);
  });
});

describe('bounded waits', () => {
  it('a refresh Promise that never settles fails the waiters after refreshTimeoutMs × attempts with refresh-unavailable (TimeoutError cause), session kept', () => {
    const rx = createTestScheduler();
    let tokens: unknown;
    rx.run(({ cold, expectObservable, flush }) => {
      const { handler, session } = authHarness(rx, (req) => cold('-#', undefined, unauthorized(req)), {
        initial: OLD,
        refresh: () => new Promise<never>(() => undefined),
        refreshTimeoutMs: 100,
        refreshRetry: { maxAttempts: 2, baseDelayMs: 50 },
      });
      // 401 at 1; call 1 times out at 101, waits 50, call 2 times out at 251.
      expectObservable(handler(get('/a'))).toBe('251ms #', undefined, new AuthError(get('/a'), 'refresh-unavailable'));
      flush();
      tokens = session.currentTokens();
    });
    expect(tokens).toEqual(OLD);
  });

  it('a token store whose load() never answers: requests go on without a token after tokenStoreTimeoutMs, with a cache-error event', () => {
    const rx = createTestScheduler();
    let outcome: unknown;
    rx.run(({ cold, expectObservable, flush }) => {
      const store: TokenStore = { load: () => NEVER, save: () => of(undefined) };
      const { handler, backend, events } = authHarness(rx, () => cold('-(r|)', { r: ok('public') }), { tokens: store, tokenStoreTimeoutMs: 100 });
      expectObservable(handler(get('/a'))).toBe('101ms (r|)', { r: ok('public') });
      flush();
      outcome = { sent: backend.tokensSent(), events: events.map((e) => (e.type === 'cache-error' ? `${e.type}:${e.operation}` : e.type)) };
    });
    expect(outcome).toEqual({ sent: [undefined], events: ['cache-error:auth-tokens-load'] });
  });

  it('a token store that answers after the timeout: its tokens are still taken for the requests after', () => {
    const rx = createTestScheduler();
    let sent: unknown;
    rx.run(({ cold, expectObservable, flush }) => {
      const store: TokenStore = { load: () => cold('300ms (t|)', { t: OLD }), save: () => of(undefined) };
      const { handler, backend } = authHarness(rx, () => cold('-(r|)', { r: ok('x') }), { tokens: store, tokenStoreTimeoutMs: 100 });
      expectObservable(handler(get('/early'))).toBe('101ms (r|)', { r: ok('x') });
      expectObservable(at(rx, 400, () => handler(get('/late')))).toBe('401ms (r|)', { r: ok('x') });
      flush();
      sent = backend.tokensSent();
    });
    expect(sent).toEqual([undefined, OLD.accessToken]);
  });
});

describe('refresh answers that are no usable token', () => {
  it.each([
    ['a line break (header injection)', 'NEW\r\nX-Evil: 1'],
    ['characters outside Latin-1', 'tök€n'],
  ])('a refreshed access token with %s is a failed refresh, never sent', (_what, accessToken) => {
    const rx = createTestScheduler();
    let sent: unknown;
    rx.run(({ cold, expectObservable, flush }) => {
      const { handler, backend } = authHarness(rx, (req) => cold('-#', undefined, unauthorized(req)), {
        initial: OLD,
        refresh: () => cold('-(t|)', { t: { accessToken } }),
      });
      expectObservable(handler(get('/a'))).toBe('--#', undefined, new AuthError(get('/a'), 'refresh-failed'));
      flush();
      sent = backend.tokensSent();
    });
    expect(sent).toEqual([OLD.accessToken]);
  });

  it('a ParseError whose raw text is JSON (the auth server answered as text/plain) ends the session: its refresh token is spent', () => {
    const rx = createTestScheduler();
    let tokens: unknown;
    rx.run(({ cold, expectObservable, flush }) => {
      const rotated = new ParseError(tokenCall, '{"accessToken":"NEW-SECRET","refreshToken":"NEW-REFRESH"}', 'text/plain', 'expected JSON, got text/plain');
      const { handler, session } = authHarness(rx, (req) => cold('-#', undefined, unauthorized(req)), {
        initial: OLD,
        refresh: () => cold('-#', undefined, rotated),
      });
      expectObservable(handler(get('/a'))).toBe('--#', undefined, new AuthError(get('/a'), 'refresh-failed'));
      flush();
      tokens = session.currentTokens();
    });
    expect(tokens).toBeNull();
  });
});

describe('a 401 reached through a redirect to another origin', () => {
  it('is the caller’s HttpError: no refresh, the session is kept', () => {
    const rx = createTestScheduler();
    let refreshes = 0;
    rx.run(({ cold, expectObservable }) => {
      const foreign = (req: ApiRequest) => new HttpError(req, 401, {}, null, 'https://sso.other.example/login');
      const { handler } = authHarness(rx, (req) => cold('-#', undefined, foreign(req)), {
        initial: OLD,
        refresh: () => (refreshes++, cold('-(t|)', { t: { accessToken: 'NEW' } })),
      });
      expectObservable(handler(get('/a'))).toBe('-#', undefined, foreign(get('/a')));
    });
    expect(refreshes).toBe(0);
  });

  it('a 401 redirected within the API’s own origin still refreshes', () => {
    const rx = createTestScheduler();
    let refreshes = 0;
    rx.run(({ cold, flush }) => {
      const own = (req: ApiRequest) => new HttpError(req, 401, {}, null, 'https://api.example.com/v2/a');
      const { handler } = authHarness(
        rx,
        (req) => (bearerOf(req) === 'NEW' ? cold<ApiResponse>('-(r|)', { r: ok('x') }) : cold<ApiResponse>('-#', undefined, own(req))),
        {
          initial: OLD,
          refresh: () => (refreshes++, cold('-(t|)', { t: { accessToken: 'NEW' } })),
        },
      );
      handler(get('/a')).subscribe();
      flush();
    });
    expect(refreshes).toBe(1);
  });
});
