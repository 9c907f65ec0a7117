import { count, map, merge, type Observable, of, switchMap, timer } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import type { AuthConfig, AuthTokens } from '../../lib/auth/auth-config';
import { createAuth } from '../../lib/auth/auth.layer';
import { memoryTokenStore, type TokenStore } from '../../lib/auth/token-store';
import { RequestContext } from '../../lib/core/context';
import { SKIP_AUTH } from '../../lib/core/context-tokens';
import { createEnv } from '../../lib/core/env';
import { AuthError, GraphQLError, HttpError } from '../../lib/core/errors';
import type { ClientEvent } from '../../lib/core/events';
import { chain, type Handler } from '../../lib/core/layer';
import { createRequest, type ApiRequest } from '../../lib/core/request';
import type { ApiResponse } from '../../lib/core/response';
import { createTestScheduler } from '../helpers/marbles';
import { API, bearerOf, fakeBackend, get, ok, types, unauthorized, unsignedJwt } from './auth-fixtures';

const OLD: AuthTokens = { accessToken: 'OPAQUE-1', refreshToken: 'REFRESH-1' };
const NEW: AuthTokens = { accessToken: 'OPAQUE-2', refreshToken: 'REFRESH-2' };
const r = ok('the resource');

/** A JWT for user u1 that expires at `exp` (seconds) and was issued an hour before. */
const jwt = (exp: number): string => unsignedJwt({ sub: 'u1', iat: exp - 3600, exp });

function setup(rx: TestScheduler, respond: (req: ApiRequest) => Observable<ApiResponse>, config: AuthConfig & { initial?: AuthTokens | null } = {}) {
  const { env, events$ } = createEnv({ scheduler: rx });
  const events: ClientEvent[] = [];
  events$.subscribe((event) => events.push(event));
  const { initial, ...authConfig } = config;
  const auth = createAuth({ tokens: memoryTokenStore(initial === undefined ? OLD : initial), ...authConfig }, env, `${API}/v1/`);
  const backend = fakeBackend(respond);
  const ended: string[] = [];
  auth.session.sessionEnded$.subscribe((reason) => ended.push(reason));
  return { handler: chain([auth.layer], backend.handler), backend, session: auth.session, events, ended };
}

/** Subscribes `frames` after the start. */
const at = <T>(rx: TestScheduler, frames: number, source: () => Observable<T>): Observable<T> => timer(frames, rx).pipe(switchMap(source));

/** Answers 401 to anything but `valid`, after `delay` frames; `valid` gets `r` after one frame. */
function acceptOnly(valid: string, cold: TestScheduler['createColdObservable'], delayFor: (req: ApiRequest) => string = () => '-#') {
  return (req: ApiRequest): Observable<ApiResponse> =>
    bearerOf(req) === valid ? cold<ApiResponse>('-(r|)', { r }) : cold<ApiResponse>(delayFor(req), undefined, unauthorized(req));
}

describe('auth layer', () => {
  describe('who gets the token', () => {
    it('adds the Bearer token to requests for the API origin', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable, flush }) => {
        const { handler, backend } = setup(rx, () => cold('-(r|)', { r }));
        expectObservable(handler(get('/items'))).toBe('-(r|)', { r });
        flush();
        expect(backend.seen.map((req) => req.headers['authorization'])).toEqual(['Bearer OPAQUE-1']);
      });
    });

    it('sends requests without a token when logged out, so public endpoints work', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable, flush }) => {
        const { handler, backend } = setup(rx, () => cold('-(r|)', { r }), { initial: null, refresh: () => of(NEW) });
        expectObservable(handler(get('/public'))).toBe('-(r|)', { r });
        flush();
        expect(backend.seen[0].headers).toEqual({});
      });
    });

    it.each([
      ['another host', 'https://cdn.example.net/x'],
      ['a look-alike host', 'https://api.example.com.evil.net/x'],
      ['user-info trickery', 'https://api.example.com@evil.net/x'],
      ['another scheme', 'http://api.example.com/x'],
      ['another port', 'https://api.example.com:8443/x'],
      ['not a URL at all', 'api.example.com/x'],
    ])('sends no token to %s, and lets its 401 through untouched, without refreshing', (_what, url) => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
        const refresh = cold('-(t|)', { t: NEW });
        const rejection = unauthorized(get(url));
        const { handler, backend } = setup(rx, () => cold('-#', undefined, rejection), { refresh: () => refresh });
        expectObservable(handler(get(url))).toBe('-#', undefined, rejection);
        expectSubscriptions(refresh.subscriptions).toBe([]);
        flush();
        expect(backend.seen[0].headers).toEqual({});
      });
    });

    it.each([
      ['the origin itself', 'https://api.example.com'],
      ['any path on it (the client baseUrl path does not matter)', 'https://api.example.com/other/path?q=1'],
      ['a URL spelled in capitals', 'HTTPS://API.EXAMPLE.COM/items'],
      ['the default port written out', 'https://api.example.com:443/items'],
    ])('recognises %s as the API origin', (_what, url) => {
      const rx = createTestScheduler();
      rx.run(({ cold, flush }) => {
        const { handler, backend } = setup(rx, () => cold('-(r|)', { r }));
        handler(get(url)).subscribe();
        flush();
        expect(bearerOf(backend.seen[0])).toBe('OPAQUE-1');
      });
    });

    it('uses the configured origins instead of the baseUrl origin', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, flush }) => {
        const { handler, backend } = setup(rx, () => cold('-(r|)', { r }), { origins: ['https://uploads.example.com'] });
        handler(get('https://uploads.example.com/file')).subscribe();
        handler(get('/items')).subscribe();
        flush();
        expect(backend.tokensSent()).toEqual(['OPAQUE-1', undefined]);
      });
    });

    it('skips requests marked SKIP_AUTH: no token, and their 401 is theirs', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable, flush }) => {
        const login = get('/login', { method: 'POST', context: RequestContext.empty().set(SKIP_AUTH, true) });
        const rejection = unauthorized(login);
        const { handler, backend } = setup(rx, () => cold('-#', undefined, rejection), { refresh: () => of(NEW) });
        expectObservable(handler(login)).toBe('-#', undefined, rejection);
        flush();
        expect(backend.seen[0].headers).toEqual({});
      });
    });

    it('leaves an Authorization header set by the caller alone', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, flush }) => {
        const { handler, backend } = setup(rx, () => cold('-(r|)', { r }));
        handler(get('/items', { headers: { Authorization: 'Basic dXNlcjpwYXNz' } })).subscribe();
        flush();
        expect(backend.seen[0].headers['authorization']).toBe('Basic dXNlcjpwYXNz');
      });
    });

    it('waits for an asynchronous token store before sending', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable, flush }) => {
        const store: TokenStore = { load: () => cold('---(s|)', { s: OLD }), save: () => of(undefined) };
        const { handler, backend } = setup(rx, () => cold('-(r|)', { r }), { tokens: store });
        expectObservable(handler(get('/items'))).toBe('----(r|)', { r });
        flush();
        expect(backend.tokensSent()).toEqual(['OPAQUE-1']);
      });
    });
  });

  describe('401: Alamofire’s checklist', () => {
    it('refreshes once for parallel 401s, re-sends each request once with the new token, and callers see only the final response', () => {
      const rx = createTestScheduler();
      let outcome: unknown;
      rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
        const refresh = cold('---(t|)', { t: NEW });
        const { handler, backend, events } = setup(rx, acceptOnly('OPAQUE-2', cold), { refresh: () => refresh });

        expectObservable(handler(get('/a'))).toBe('-----(r|)', { r });
        expectObservable(handler(get('/b'))).toBe('-----(r|)', { r });
        expectObservable(handler(get('/c'))).toBe('-----(r|)', { r });
        expectSubscriptions(refresh.subscriptions).toBe('-^--!');
        flush();
        outcome = { sent: backend.seen.map((req) => `${req.url.slice(API.length)} ${bearerOf(req)}`), events };
      });
      expect(outcome).toEqual({
        sent: ['/a OPAQUE-1', '/b OPAQUE-1', '/c OPAQUE-1', '/a OPAQUE-2', '/b OPAQUE-2', '/c OPAQUE-2'],
        events: [
          { type: 'token-refresh-start', at: 1, trigger: 'unauthorized' },
          { type: 'token-refreshed', at: 4, durationMs: 3 },
        ],
      });
    });

    it('replays a request whose 401 was for an outdated token with the current one, without refreshing', () => {
      const rx = createTestScheduler();
      let outcome: unknown;
      rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
        const refresh = cold('---(t|)', { t: NEW });
        const slow = (req: ApiRequest): string => (req.url.endsWith('/slow') ? '------#' : '-#');
        const { handler, backend, events } = setup(rx, acceptOnly('OPAQUE-2', cold, slow), { refresh: () => refresh });

        expectObservable(handler(get('/fast'))).toBe('-----(r|)', { r });
        // Its 401 lands at 6, after the refresh finished at 4: it was sent with the old token.
        expectObservable(handler(get('/slow'))).toBe('-------(r|)', { r });
        expectSubscriptions(refresh.subscriptions).toBe('-^--!');
        flush();
        outcome = { sent: backend.tokensSent(), events: types(events), replayed: events.find((e) => e.type === 'token-replayed') };
      });
      expect(outcome).toEqual({
        sent: ['OPAQUE-1', 'OPAQUE-1', 'OPAQUE-2', 'OPAQUE-2'],
        events: ['token-refresh-start', 'token-refreshed', 'token-replayed'],
        replayed: { type: 'token-replayed', at: 6, method: 'GET', url: `${API}/slow` },
      });
    });

    it('makes a request that starts while a refresh runs wait for it instead of sending a token about to be replaced', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable, flush }) => {
        const { handler, backend } = setup(rx, acceptOnly('OPAQUE-2', cold), { refresh: () => cold('---(t|)', { t: NEW }) });
        expectObservable(handler(get('/a'))).toBe('-----(r|)', { r });
        expectObservable(at(rx, 2, () => handler(get('/late')))).toBe('-----(r|)', { r });
        flush();
        expect(backend.seen.map((req) => `${req.url.slice(API.length)} ${bearerOf(req)}`)).toEqual(['/a OPAQUE-1', '/a OPAQUE-2', '/late OPAQUE-2']);
      });
    });

    it('errors every waiting request when the refresh fails, and ends the session', () => {
      const rx = createTestScheduler();
      let outcome: unknown;
      rx.run(({ cold, expectObservable, flush }) => {
        const rejected = new HttpError({ method: 'POST', url: 'https://auth.example.com/token' }, 400, {}, { error: 'invalid_grant' });
        const { handler, backend, session, events, ended } = setup(rx, acceptOnly('OPAQUE-2', cold), {
          refresh: () => cold('---#', undefined, rejected),
        });
        expectObservable(handler(get('/a'))).toBe('----#', undefined, new AuthError(get('/a'), 'refresh-failed'));
        expectObservable(handler(get('/b'))).toBe('----#', undefined, new AuthError(get('/b'), 'refresh-failed'));
        flush();
        outcome = { sent: backend.tokensSent(), tokens: session.currentTokens(), events: types(events), ended };
      });
      expect(outcome).toEqual({
        sent: ['OPAQUE-1', 'OPAQUE-1'],
        tokens: null,
        events: ['token-refresh-start', 'token-refresh-failed', 'session-expired'],
        ended: ['refresh-failed'],
      });
    });

    it('allows a new refresh after a failed one once tokens are set again', () => {
      const rx = createTestScheduler();
      let outcome: unknown;
      rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
        const refreshes = [cold('-#', undefined, new HttpError(get('/token'), 401, {}, null)), cold('-(t|)', { t: NEW })];
        const subscriptionsOf = refreshes.slice();
        const { handler, session } = setup(rx, acceptOnly('OPAQUE-2', cold), { refresh: () => refreshes.shift()! });
        expectObservable(handler(get('/a'))).toBe('--#', undefined, new AuthError(get('/a'), 'refresh-failed'));
        rx.schedule(() => session.setTokens({ accessToken: 'OPAQUE-B', refreshToken: 'REFRESH-B' }), 5);
        expectObservable(at(rx, 10, () => handler(get('/b')))).toBe('10ms ---(r|)', { r });
        expectSubscriptions(subscriptionsOf[1].subscriptions).toBe('11ms ^!');
        flush();
        outcome = session.currentTokens();
      });
      expect(outcome).toEqual(NEW);
    });

    it('stops a refresh loop with AuthError(excessive-refresh) and keeps the session', () => {
      const rx = createTestScheduler();
      let outcome: unknown;
      rx.run(({ cold, expectObservable, flush }) => {
        // The server rejects every token on /broken, even fresh ones.
        const respond = (req: ApiRequest): Observable<ApiResponse> =>
          req.url.endsWith('/broken') ? cold('-#', undefined, unauthorized(req)) : cold('-(r|)', { r });
        let n = 2;
        const { handler, session, ended } = setup(rx, respond, {
          refresh: () => cold('-(t|)', { t: { accessToken: `OPAQUE-${n++}` } }),
          refreshWindow: { maxRefreshes: 2, intervalMs: 60_000 },
        });
        // Each request refreshes once, is re-sent once, then gives up with 'unauthorized'.
        expectObservable(handler(get('/broken'))).toBe('---#', undefined, new AuthError(get('/broken'), 'unauthorized'));
        expectObservable(at(rx, 10, () => handler(get('/broken')))).toBe('10ms ---#', undefined, new AuthError(get('/broken'), 'unauthorized'));
        expectObservable(at(rx, 20, () => handler(get('/broken')))).toBe('20ms -#', undefined, new AuthError(get('/broken'), 'excessive-refresh'));
        expectObservable(at(rx, 30, () => handler(get('/fine')))).toBe('30ms -(r|)', { r });
        flush();
        outcome = { tokens: session.currentTokens(), ended };
      });
      expect(outcome).toEqual({ tokens: { accessToken: 'OPAQUE-3', refreshToken: 'REFRESH-1' }, ended: [] });
    });

    it('works with a refresh that completes synchronously', () => {
      const rx = createTestScheduler();
      const refresh = jest.fn(() => of(NEW));
      rx.run(({ cold, expectObservable, flush }) => {
        const { handler, backend } = setup(rx, acceptOnly('OPAQUE-2', cold), { refresh });
        expectObservable(handler(get('/a'))).toBe('--(r|)', { r });
        expectObservable(handler(get('/b'))).toBe('--(r|)', { r });
        flush();
        expect(backend.tokensSent()).toEqual(['OPAQUE-1', 'OPAQUE-1', 'OPAQUE-2', 'OPAQUE-2']);
      });
      expect(refresh).toHaveBeenCalledTimes(1);
    });

    it.each<[string, unknown]>([
      ['garbage', '<html>Sign in</html>'],
      ['an empty object', {}],
      ['an undefined accessToken', { accessToken: undefined, refreshToken: 'REFRESH-2' }],
    ])('ends the session with AuthError(refresh-failed) when the refresh returns %s, never sending "Bearer undefined"', (_what, answer) => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable, flush }) => {
        const { handler, backend, session } = setup(rx, acceptOnly('OPAQUE-2', cold), { refresh: () => cold('-(t|)', { t: answer }) });
        expectObservable(handler(get('/a'))).toBe('--#', undefined, new AuthError(get('/a'), 'refresh-failed'));
        flush();
        expect(backend.tokensSent()).toEqual(['OPAQUE-1']);
        expect(backend.seen.some((req) => req.headers['authorization']?.includes('undefined'))).toBe(false);
        expect(session.currentTokens()).toBeNull();
      });
    });

    it('stores the rotated refresh token, with the session’s partition (the token names no user)', () => {
      const rx = createTestScheduler();
      const store = memoryTokenStore(OLD);
      rx.run(({ cold, flush }) => {
        const { handler } = setup(rx, acceptOnly('OPAQUE-2', cold), { tokens: store, refresh: () => cold('-(t|)', { t: NEW }) });
        handler(get('/a')).subscribe();
        flush();
      });
      const stored: unknown[] = [];
      store.load().subscribe((tokens) => stored.push(tokens));
      expect(stored).toEqual([{ ...NEW, partition: expect.stringMatching(/^session:/) }]);
    });

    it('keeps the shared refresh going for the others when one waiting request unsubscribes', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable, expectSubscriptions }) => {
        const refresh = cold('---(t|)', { t: NEW });
        const { handler } = setup(rx, acceptOnly('OPAQUE-2', cold), { refresh: () => refresh });
        expectObservable(handler(get('/a')), '^--!').toBe('---');
        expectObservable(handler(get('/b'))).toBe('-----(r|)', { r });
        expectSubscriptions(refresh.subscriptions).toBe('-^--!');
      });
    });

    it('cancels the request itself when its subscriber leaves', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable, expectSubscriptions }) => {
        const response = cold('---(r|)', { r });
        const { handler } = setup(rx, () => response);
        expectObservable(handler(get('/a')), '^-!').toBe('--');
        expectSubscriptions(response.subscriptions).toBe('^-!');
      });
    });
  });

  describe('401: when refreshing cannot help', () => {
    it('turns a second 401 after the refresh into AuthError(unauthorized), and keeps the session: one endpoint must not log the user out', () => {
      const rx = createTestScheduler();
      let outcome: unknown;
      rx.run(({ cold, expectObservable, flush }) => {
        const respond = (req: ApiRequest): Observable<ApiResponse> => cold('-#', undefined, unauthorized(req));
        const { handler, backend, session, ended } = setup(rx, respond, { refresh: () => cold('-(t|)', { t: NEW }) });
        expectObservable(handler(get('/a'))).toBe('---#', undefined, new AuthError(get('/a'), 'unauthorized'));
        flush();
        outcome = { sent: backend.tokensSent(), tokens: session.currentTokens(), ended };
      });
      expect(outcome).toEqual({ sent: ['OPAQUE-1', 'OPAQUE-2'], tokens: NEW, ended: [] });
    });

    it('ends the session with AuthError(missing-credential) on a 401 when there is no refresh token', () => {
      const rx = createTestScheduler();
      let outcome: unknown;
      rx.run(({ cold, expectObservable, flush }) => {
        const { handler, session, events, ended } = setup(rx, acceptOnly('never', cold), { initial: { accessToken: 'OPAQUE-1' }, refresh: () => of(NEW) });
        expectObservable(handler(get('/a'))).toBe('-#', undefined, new AuthError(get('/a'), 'missing-credential'));
        flush();
        outcome = { tokens: session.currentTokens(), events: types(events), ended };
      });
      expect(outcome).toEqual({ tokens: null, events: ['session-expired'], ended: ['missing-credential'] });
    });

    it('ends the session with AuthError(missing-credential) on a 401 when no refresh function is configured', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable }) => {
        const { handler } = setup(rx, acceptOnly('never', cold));
        expectObservable(handler(get('/a'))).toBe('-#', undefined, new AuthError(get('/a'), 'missing-credential'));
      });
    });

    it('answers a 401 to a logged-out request with AuthError(missing-credential), without a session-expired event', () => {
      const rx = createTestScheduler();
      let outcome: unknown;
      rx.run(({ cold, expectObservable, flush }) => {
        const { handler, events } = setup(rx, acceptOnly('never', cold), { initial: null, refresh: () => of(NEW) });
        expectObservable(handler(get('/private'))).toBe('-#', undefined, new AuthError(get('/private'), 'missing-credential'));
        flush();
        outcome = events;
      });
      expect(outcome).toEqual([]);
    });

    it('keeps the 401 as the cause of the AuthError', () => {
      const rx = createTestScheduler();
      const seen: unknown[] = [];
      rx.run(({ cold, flush }) => {
        const { handler } = setup(rx, acceptOnly('never', cold));
        handler(get('/a')).subscribe({ error: (error: unknown) => seen.push(error) });
        flush();
      });
      expect((seen[0] as AuthError).cause).toMatchObject({ name: 'HttpError', status: 401 });
    });

    it('passes other errors through untouched (403 is not a challenge)', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable, expectSubscriptions }) => {
        const forbidden = new HttpError(get('/a'), 403, {}, null);
        const refresh = cold('-(t|)', { t: NEW });
        const { handler } = setup(rx, () => cold('-#', undefined, forbidden), { refresh: () => refresh });
        expectObservable(handler(get('/a'))).toBe('-#', undefined, forbidden);
        expectSubscriptions(refresh.subscriptions).toBe([]);
      });
    });
  });

  describe('auth challenges other than HTTP 401', () => {
    it('refreshes on a GraphQL UNAUTHENTICATED error', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable }) => {
        const respond = (req: ApiRequest): Observable<ApiResponse> =>
          bearerOf(req) === 'OPAQUE-2'
            ? cold('-(r|)', { r })
            : cold('-#', undefined, new GraphQLError(req, [{ message: 'Not logged in', extensions: { code: 'UNAUTHENTICATED' } }], null));
        const { handler } = setup(rx, respond, { refresh: () => cold('-(t|)', { t: NEW }) });
        expectObservable(handler(get('/graphql', { method: 'POST' }))).toBe('---(r|)', { r });
      });
    });

    it('uses a custom isAuthChallenge', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable }) => {
        const respond = (req: ApiRequest): Observable<ApiResponse> =>
          bearerOf(req) === 'OPAQUE-2' ? cold('-(r|)', { r }) : cold('-#', undefined, new HttpError(req, 419, {}, null));
        const { handler } = setup(rx, respond, {
          refresh: () => cold('-(t|)', { t: NEW }),
          isAuthChallenge: (error) => error instanceof HttpError && error.status === 419,
        });
        expectObservable(handler(get('/a'))).toBe('---(r|)', { r });
      });
    });
  });

  describe('proactive refresh from the JWT exp', () => {
    const FRESH = { accessToken: jwt(7200), refreshToken: 'REFRESH-2' };

    it('refreshes before sending when the token expires within refreshSkewMs: no expired token is sent at all', () => {
      const rx = createTestScheduler();
      let outcome: unknown;
      rx.run(({ cold, expectObservable, flush }) => {
        const { handler, backend, events } = setup(rx, () => cold('-(r|)', { r }), {
          initial: { accessToken: jwt(20), refreshToken: 'REFRESH-1' },
          refresh: () => cold('--(t|)', { t: FRESH }),
        });
        expectObservable(handler(get('/a'))).toBe('---(r|)', { r });
        flush();
        outcome = { sent: backend.tokensSent(), start: events[0] };
      });
      expect(outcome).toEqual({ sent: [FRESH.accessToken], start: { type: 'token-refresh-start', at: 0, trigger: 'expired' } });
    });

    it('sends a token that is not close to expiry as it is, and refreshes it once virtual time reaches exp - skew', () => {
      const rx = createTestScheduler();
      const expiring = { accessToken: jwt(3600), refreshToken: 'REFRESH-1' };
      rx.run(({ cold, expectObservable, flush }) => {
        const { handler, backend } = setup(rx, () => cold('-(r|)', { r }), { initial: expiring, refresh: () => cold('--(t|)', { t: FRESH }) });
        expectObservable(at(rx, 3_569_999, () => handler(get('/a')))).toBe('3569999ms -(r|)', { r });
        expectObservable(at(rx, 3_570_000, () => handler(get('/b')))).toBe('3570000ms ---(r|)', { r });
        flush();
        expect(backend.tokensSent()).toEqual([expiring.accessToken, FRESH.accessToken]);
      });
    });

    it('honours a custom refreshSkewMs', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, flush }) => {
        const { handler, backend } = setup(rx, () => cold('-(r|)', { r }), {
          initial: { accessToken: jwt(20), refreshToken: 'REFRESH-1' },
          refresh: () => cold('--(t|)', { t: FRESH }),
          refreshSkewMs: 5_000,
        });
        handler(get('/a')).subscribe();
        flush();
        expect(backend.tokensSent()).toEqual([jwt(20)]);
      });
    });

    it.each([
      ['an opaque token', { accessToken: 'OPAQUE-1', refreshToken: 'REFRESH-1' }, true],
      ['an expiring JWT without a refresh token', { accessToken: jwt(0) }, true],
      ['an expiring JWT without a refresh function', { accessToken: jwt(0), refreshToken: 'REFRESH-1' }, false],
    ])('sends %s as it is', (_what, initial, withRefresh) => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
        const refresh = cold('-(t|)', { t: FRESH });
        const { handler, backend } = setup(rx, () => cold('-(r|)', { r }), { initial, ...(withRefresh ? { refresh: () => refresh } : {}) });
        expectObservable(handler(get('/a'))).toBe('-(r|)', { r });
        expectSubscriptions(refresh.subscriptions).toBe([]);
        flush();
        expect(backend.tokensSent()).toEqual([initial.accessToken]);
      });
    });

    it('does not refresh on every request when tokens live shorter than the skew', () => {
      const rx = createTestScheduler();
      const shortLived = (iat: number) => ({ accessToken: unsignedJwt({ sub: 'u1', iat, exp: iat + 10 }), refreshToken: 'REFRESH-1' });
      rx.run(({ cold, expectObservable, expectSubscriptions }) => {
        const refresh = cold('-(t|)', { t: shortLived(6) });
        const { handler } = setup(rx, () => cold('-(r|)', { r }), { initial: shortLived(0), refresh: () => refresh });
        // A 10 s token is refreshed half-way (5 s), not 30 s before exp, i.e. at once and forever.
        expectObservable(at(rx, 4_999, () => handler(get('/a')))).toBe('4999ms -(r|)', { r });
        expectObservable(at(rx, 5_000, () => handler(get('/b')))).toBe('5000ms --(r|)', { r });
        expectObservable(at(rx, 6_000, () => handler(get('/c')))).toBe('6000ms -(r|)', { r });
        expectSubscriptions(refresh.subscriptions).toBe('5000ms ^!');
      });
    });

    it('sends 50 concurrent requests with an expired token after exactly 1 refresh: 50 successes, 50 server requests', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
        const refresh = cold('--(t|)', { t: FRESH });
        const respond = (req: ApiRequest): Observable<ApiResponse> =>
          bearerOf(req) === FRESH.accessToken ? cold('-(r|)', { r }) : cold('-#', undefined, unauthorized(req));
        const { handler, backend } = setup(rx, respond, { initial: { accessToken: jwt(0), refreshToken: 'REFRESH-1' }, refresh: () => refresh });
        const requests = Array.from({ length: 50 }, (_, i) => handler(get(`/items/${i}`)));
        expectObservable(merge(...requests).pipe(count())).toBe('---(n|)', { n: 50 });
        expectSubscriptions(refresh.subscriptions).toBe('^-!');
        flush();
        expect(backend.seen).toHaveLength(50);
        expect(new Set(backend.tokensSent())).toEqual(new Set([FRESH.accessToken]));
      });
    });

    it('lets the refresh function call through the client without SKIP_AUTH: it bypasses auth instead of waiting for itself', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable, flush }) => {
        let handler: Handler = () => {
          throw new Error('not ready');
        };
        const respond = (req: ApiRequest): Observable<ApiResponse> => (req.url.endsWith('/token') ? cold('-(t|)', { t: ok(FRESH) }) : cold('-(r|)', { r }));
        const setupResult = setup(rx, respond, {
          initial: { accessToken: jwt(0), refreshToken: 'REFRESH-1' },
          refresh: (refreshToken) => handler(createRequest({ method: 'POST', url: `${API}/token`, body: { refreshToken } })).pipe(map((res) => res.body)),
        });
        handler = setupResult.handler;
        expectObservable(handler(get('/a'))).toBe('--(r|)', { r });
        flush();
        expect(setupResult.backend.seen.map((req) => `${req.url.slice(API.length)} ${bearerOf(req)}`)).toEqual(['/token undefined', `/a ${FRESH.accessToken}`]);
      });
    });
  });

  it('never puts a token into an event or an error message', () => {
    const rx = createTestScheduler();
    const everything: unknown[] = [];
    rx.run(({ cold, flush }) => {
      const respond = (req: ApiRequest): Observable<ApiResponse> => cold('-#', undefined, unauthorized(req));
      const { handler, events } = setup(rx, respond, { refresh: () => cold('-(t|)', { t: NEW }) });
      handler(get('/a')).subscribe({ error: (error: unknown) => everything.push(String(error), (error as Error).message) });
      handler(get('/b')).subscribe({ error: (error: unknown) => everything.push(String(error)) });
      flush();
      everything.push(...events);
    });
    expect(everything.length).toBeGreaterThan(2);
    expect(JSON.stringify(everything)).not.toMatch(/OPAQUE|REFRESH/);
  });
});
