import { EMPTY, firstValueFrom, type Observable, of, switchMap, timer } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { DEFAULT_REFRESH_WINDOW, type AuthTokens, type RefreshFn, type RefreshRetry, type RefreshWindow } from '../../lib/auth/auth-config';
import { createAuthSession } from '../../lib/auth/auth-session';
import { createTokenRefresher } from '../../lib/auth/token-refresher';
import { memoryTokenStore } from '../../lib/auth/token-store';
import { createEnv } from '../../lib/core/env';
import { AuthError, HttpError, NetworkError } from '../../lib/core/errors';
import type { ClientEvent } from '../../lib/core/events';
import { createTestScheduler } from '../helpers/marbles';
import { get, types } from './auth-fixtures';

const req = get('/items');
const refreshReq = { method: 'POST' as const, url: 'https://auth.example.com/token' };
const INITIAL: AuthTokens = { accessToken: 'ACCESS-1', refreshToken: 'REFRESH-1' };
const ROTATED: AuthTokens = { accessToken: 'ACCESS-2', refreshToken: 'REFRESH-2' };

function setup(
  rx: TestScheduler | undefined,
  refresh: RefreshFn | undefined,
  options: { tokens?: AuthTokens | null; refreshWindow?: RefreshWindow; refreshRetry?: RefreshRetry; refreshTimeoutMs?: number } = {},
) {
  const { env, events$ } = createEnv(rx ? { scheduler: rx } : {});
  const events: ClientEvent[] = [];
  events$.subscribe((event) => events.push(event));
  const store = memoryTokenStore(options.tokens === undefined ? INITIAL : options.tokens);
  const session = createAuthSession({ store, refreshSkewMs: 30_000, env });
  const ended: string[] = [];
  session.session.sessionEnded$.subscribe((reason) => ended.push(reason));
  const refresher = createTokenRefresher({
    session,
    refresh,
    refreshWindow: options.refreshWindow ?? DEFAULT_REFRESH_WINDOW,
    refreshRetry: options.refreshRetry,
    refreshTimeoutMs: options.refreshTimeoutMs,
    env,
  });
  const stored = (): AuthTokens | null => {
    let value: AuthTokens | null = null;
    store.load().subscribe((tokens) => (value = tokens));
    return value;
  };
  return { env, events, session, refresher, ended, stored };
}

/** Subscribes to `source` `frames` after the start of the test. */
const at = <T>(rx: TestScheduler, frames: number, source: () => Observable<T>): Observable<T> => timer(frames, rx).pipe(switchMap(source));

describe('createTokenRefresher', () => {
  describe('single flight', () => {
    it('shares one refresh between callers that arrive while it runs', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable, expectSubscriptions }) => {
        const refresh = cold('---(t|)', { t: ROTATED });
        const { refresher } = setup(rx, () => refresh);

        expectObservable(refresher.refresh(req, 'unauthorized')).toBe('---(t|)', { t: ROTATED });
        expectObservable(at(rx, 1, () => refresher.refresh(req, 'unauthorized'))).toBe('---(t|)', { t: ROTATED });
        expectObservable(at(rx, 2, () => refresher.refresh(req, 'expired'))).toBe('---(t|)', { t: ROTATED });
        expectSubscriptions(refresh.subscriptions).toBe('^--!');
      });
    });

    it('starts a new refresh for a caller that arrives after the previous one completed', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable, expectSubscriptions }) => {
        const refresh = cold('-(t|)', { t: ROTATED });
        const { refresher } = setup(rx, () => refresh);

        expectObservable(refresher.refresh(req, 'unauthorized')).toBe('-(t|)', { t: ROTATED });
        expectObservable(at(rx, 5, () => refresher.refresh(req, 'unauthorized'))).toBe('------(t|)', { t: ROTATED });
        expectSubscriptions(refresh.subscriptions).toBe(['^!', '-----^!']);
      });
    });

    it('keeps refreshing for the others when one caller unsubscribes', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable, expectSubscriptions }) => {
        const refresh = cold('---(t|)', { t: ROTATED });
        const { refresher } = setup(rx, () => refresh);

        expectObservable(refresher.refresh(req, 'unauthorized'), '^-!').toBe('--');
        expectObservable(refresher.refresh(req, 'unauthorized')).toBe('---(t|)', { t: ROTATED });
        expectSubscriptions(refresh.subscriptions).toBe('^--!');
      });
    });

    it('lets the refresh finish and keeps its tokens when every caller has left (a rotated refresh token must not be lost)', () => {
      const rx = createTestScheduler();
      let result: { tokens: AuthTokens | null; stored: AuthTokens | null } | undefined;
      rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
        const refresh = cold('---(t|)', { t: ROTATED });
        const { refresher, session, stored } = setup(rx, () => refresh);

        expectObservable(refresher.refresh(req, 'unauthorized'), '^!').toBe('-');
        expectSubscriptions(refresh.subscriptions).toBe('^--!');
        flush();
        result = { tokens: session.state().tokens, stored: stored() };
      });
      expect(result).toEqual({ tokens: ROTATED, stored: { ...ROTATED, partition: expect.stringMatching(/^session:/) } });
    });

    it('tells whether a refresh is running, and whether the refresh function is being called', () => {
      const rx = createTestScheduler();
      const seen: string[] = [];
      rx.run(({ cold, flush }) => {
        const { refresher } = setup(rx, () => {
          seen.push(`inside the call: ${refresher.isInsideRefreshCall()}`);
          return cold('--(t|)', { t: ROTATED });
        });
        seen.push(`before: refreshing ${refresher.isRefreshing()}`);
        refresher.refresh(req, 'unauthorized').subscribe();
        seen.push(`running: refreshing ${refresher.isRefreshing()}, inside ${refresher.isInsideRefreshCall()}`);
        flush();
        seen.push(`after: refreshing ${refresher.isRefreshing()}`);
      });
      expect(seen).toEqual(['before: refreshing false', 'inside the call: true', 'running: refreshing true, inside false', 'after: refreshing false']);
    });
  });

  describe('the result', () => {
    it('stores a rotated refresh token and announces start and end, without tokens', () => {
      const rx = createTestScheduler();
      let outcome: { tokens: AuthTokens | null; stored: AuthTokens | null; events: ClientEvent[] } | undefined;
      rx.run(({ cold, expectObservable, flush }) => {
        const { refresher, session, stored, events } = setup(rx, () => cold('--(t|)', { t: ROTATED }));
        expectObservable(at(rx, 3, () => refresher.refresh(req, 'expired'))).toBe('-----(t|)', { t: ROTATED });
        flush();
        outcome = { tokens: session.state().tokens, stored: stored(), events };
      });
      expect(outcome).toEqual({
        tokens: ROTATED,
        stored: { ...ROTATED, partition: expect.stringMatching(/^session:/) },
        events: [
          { type: 'token-refresh-start', at: 3, trigger: 'expired' },
          { type: 'token-refreshed', at: 5, durationMs: 2 },
        ],
      });
      expect(JSON.stringify(outcome!.events)).not.toMatch(/ACCESS|REFRESH/);
    });

    it('keeps the old refresh token when the answer carries none', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable }) => {
        const { refresher } = setup(rx, () => cold('-(t|)', { t: { accessToken: 'ACCESS-2' } }));
        expectObservable(refresher.refresh(req, 'unauthorized')).toBe('-(t|)', { t: { accessToken: 'ACCESS-2', refreshToken: 'REFRESH-1' } });
      });
    });

    it('passes the refresh token to the refresh function', async () => {
      const refresh = jest.fn<Observable<unknown>, [string]>(() => of(ROTATED));
      const { refresher } = setup(undefined, refresh);
      await firstValueFrom(refresher.refresh(req, 'unauthorized'));
      expect(refresh).toHaveBeenCalledWith('REFRESH-1');
    });

    it('keeps only the first answer of a refresh Observable that emits several', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable, expectSubscriptions }) => {
        const refresh = cold('-t-u-|', { t: ROTATED, u: { accessToken: 'ACCESS-3' } });
        const { refresher } = setup(rx, () => refresh);
        expectObservable(refresher.refresh(req, 'unauthorized')).toBe('-(t|)', { t: ROTATED });
        expectSubscriptions(refresh.subscriptions).toBe('^!');
      });
    });

    it('works with a refresh that answers synchronously (no deadlock, no second refresh)', () => {
      const refresh = jest.fn(() => of(ROTATED));
      const { refresher, session } = setup(undefined, refresh);
      const seen: AuthTokens[] = [];
      refresher.refresh(req, 'unauthorized').subscribe((tokens) => seen.push(tokens));
      refresher.refresh(req, 'unauthorized').subscribe((tokens) => seen.push(tokens));
      // Each finished synchronously, so the second caller came after the first refresh: two refreshes.
      expect(seen).toEqual([ROTATED, ROTATED]);
      expect(refresh).toHaveBeenCalledTimes(2);
      expect(session.state().tokens).toEqual(ROTATED);
    });

    it('works with a refresh that returns a Promise', async () => {
      const { refresher, session } = setup(undefined, async () => ROTATED);
      await expect(firstValueFrom(refresher.refresh(req, 'unauthorized'))).resolves.toEqual(ROTATED);
      expect(session.state().tokens).toEqual(ROTATED);
    });
  });

  describe('failure ends the session', () => {
    it('errors every waiting caller with AuthError(refresh-failed), clears the tokens and emits session-expired', () => {
      const rx = createTestScheduler();
      const rejected = new HttpError(refreshReq, 400, {}, { error: 'invalid_grant' });
      let outcome: unknown;
      rx.run(({ cold, expectObservable, flush }) => {
        const { refresher, session, stored, events, ended } = setup(rx, () => cold('--#', undefined, rejected));
        expectObservable(refresher.refresh(req, 'unauthorized')).toBe('--#', undefined, new AuthError(req, 'refresh-failed'));
        const other = get('/other');
        expectObservable(at(rx, 1, () => refresher.refresh(other, 'unauthorized'))).toBe('--#', undefined, new AuthError(other, 'refresh-failed'));
        flush();
        outcome = { tokens: session.state().tokens, stored: stored(), events: types(events), ended };
      });
      expect(outcome).toEqual({
        tokens: null,
        stored: null,
        events: ['token-refresh-start', 'token-refresh-failed', 'session-expired'],
        ended: ['refresh-failed'],
      });
    });

    it('keeps the cause of the failure on the AuthError (a scrubbed copy: status kept, body reduced to the OAuth error fields)', async () => {
      const rejected = new HttpError(refreshReq, 401, {}, { error: 'invalid_grant', echoed: 'REFRESH-1' });
      const { refresher } = setup(undefined, () => Promise.reject(rejected));
      const error = await firstValueFrom(refresher.refresh(req, 'unauthorized')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthError);
      expect((error as AuthError).reason).toBe('refresh-failed');
      expect((error as AuthError).cause).toBeInstanceOf(HttpError);
      expect((error as AuthError).cause).toMatchObject({ status: 401, body: { error: 'invalid_grant' }, request: refreshReq });
      expect(JSON.stringify((error as AuthError).cause)).not.toContain('REFRESH-1');
    });

    it('turns a refresh function that throws synchronously into refresh-failed', async () => {
      const { refresher, session } = setup(undefined, () => {
        throw new Error('bug in the refresh function');
      });
      await expect(firstValueFrom(refresher.refresh(req, 'unauthorized'))).rejects.toMatchObject({ name: 'AuthError', reason: 'refresh-failed' });
      expect(session.state().tokens).toBeNull();
    });

    it.each<[string, () => Observable<unknown>]>([
      ['an empty object', () => of({})],
      ['an empty accessToken', () => of({ accessToken: '' })],
      ['an accessToken that is not a string', () => of({ accessToken: 42 })],
      ['snake_case fields it was not told about', () => of({ access_token: 'ACCESS-2' })],
      ['null', () => of(null)],
      ['a string', () => of('<html>login</html>')],
      ['nothing at all (completes empty)', () => EMPTY],
    ])('treats an answer of %s as a failed refresh, never sending "Bearer undefined"', (_what, refresh) => {
      const { refresher, session, ended } = setup(undefined, refresh);
      let error: unknown;
      refresher.refresh(req, 'unauthorized').subscribe({ next: () => fail('no tokens expected'), error: (e: unknown) => (error = e) });
      expect(error).toMatchObject({ name: 'AuthError', reason: 'refresh-failed' });
      expect(session.state().tokens).toBeNull();
      expect(ended).toEqual(['refresh-failed']);
    });

    it('never puts a token into the error message', async () => {
      const { refresher } = setup(undefined, () => of({ accessToken: '', refreshToken: 'REFRESH-LEAK' }));
      const error = (await firstValueFrom(refresher.refresh(req, 'unauthorized')).catch((e: unknown) => e)) as AuthError;
      expect(`${error.message} ${String((error.cause as Error).message)}`).not.toMatch(/ACCESS|REFRESH/);
    });

    it('allows a new refresh once tokens are set again after a failed one', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable }) => {
        const refreshes = [cold('-#', undefined, new HttpError(refreshReq, 400, {}, null)), cold('-(t|)', { t: ROTATED })];
        const { refresher, session } = setup(rx, () => refreshes.shift()!);
        expectObservable(refresher.refresh(req, 'unauthorized')).toBe('-#', undefined, new AuthError(req, 'refresh-failed'));
        rx.schedule(() => session.session.setTokens({ accessToken: 'ACCESS-B', refreshToken: 'REFRESH-B' }), 3);
        expectObservable(at(rx, 4, () => refresher.refresh(req, 'unauthorized'))).toBe('-----(t|)', { t: ROTATED });
      });
    });

    it('a transient failure (network, 5xx) is AuthError(refresh-unavailable) for the caller, with the cause, and keeps the session: offline must not log out', () => {
      const rx = createTestScheduler();
      const offline = new NetworkError(refreshReq, 'not-sent');
      const unavailable = new HttpError(refreshReq, 503, {}, null);
      let outcome: unknown;
      let causes: unknown[] = [];
      rx.run(({ cold, expectObservable, flush }) => {
        const answers = [cold('-#', undefined, offline), cold('-#', undefined, unavailable)];
        const { refresher, session, ended } = setup(rx, () => answers.shift()!, { refreshRetry: { maxAttempts: 1, baseDelayMs: 0 } });
        const errors$ = (at: number) => (error: unknown) => causes.push([at, (error as AuthError).cause]);
        expectObservable(refresher.refresh(req, 'unauthorized')).toBe('-#', undefined, new AuthError(req, 'refresh-unavailable'));
        const other = get('/other');
        expectObservable(at(rx, 2, () => refresher.refresh(other, 'unauthorized'))).toBe('---#', undefined, new AuthError(other, 'refresh-unavailable'));
        refresher.refresh(req, 'unauthorized').subscribe({ error: errors$(0) });
        flush();
        outcome = { tokens: session.state().tokens, ended };
      });
      expect(outcome).toEqual({ tokens: INITIAL, ended: [] });
      expect(causes).toEqual([[0, offline]]);
    });

    it('fails with missing-credential when there is no refresh token or no refresh function', async () => {
      const noRefreshToken = setup(undefined, () => of(ROTATED), { tokens: { accessToken: 'ACCESS-1' } });
      await expect(firstValueFrom(noRefreshToken.refresher.refresh(req, 'unauthorized'))).rejects.toMatchObject({ reason: 'missing-credential' });
      const noFunction = setup(undefined, undefined);
      await expect(firstValueFrom(noFunction.refresher.refresh(req, 'unauthorized'))).rejects.toMatchObject({ reason: 'missing-credential' });
    });
  });

  describe('refresh window', () => {
    it('refuses a refresh beyond maxRefreshes per intervalMs with excessive-refresh, keeping the tokens, and allows it again once the window moved on', () => {
      const rx = createTestScheduler();
      let outcome: unknown;
      rx.run(({ cold, expectObservable, flush }) => {
        const { refresher, session, ended } = setup(rx, () => cold('-(t|)', { t: ROTATED }), {
          refreshWindow: { maxRefreshes: 2, intervalMs: 1000 },
        });
        const t = { t: ROTATED };
        expectObservable(refresher.refresh(req, 'unauthorized')).toBe('-(t|)', t);
        expectObservable(at(rx, 10, () => refresher.refresh(req, 'unauthorized'))).toBe('10ms -(t|)', t);
        expectObservable(at(rx, 20, () => refresher.refresh(req, 'unauthorized'))).toBe('20ms #', undefined, new AuthError(req, 'excessive-refresh'));
        expectObservable(at(rx, 999, () => refresher.refresh(req, 'unauthorized'))).toBe('999ms #', undefined, new AuthError(req, 'excessive-refresh'));
        // The first refresh started at 0: from 1000 on it no longer counts.
        expectObservable(at(rx, 1000, () => refresher.refresh(req, 'unauthorized'))).toBe('1000ms -(t|)', t);
        flush();
        outcome = { tokens: session.state().tokens, ended };
      });
      expect(outcome).toEqual({ tokens: ROTATED, ended: [] });
    });
  });

  describe('session changes during a refresh', () => {
    it('drops the answer of a refresh that finishes after a logout', () => {
      const rx = createTestScheduler();
      let outcome: unknown;
      rx.run(({ cold, flush }) => {
        const { refresher, session, stored, events } = setup(rx, () => cold('---(t|)', { t: ROTATED }));
        refresher.refresh(req, 'unauthorized').subscribe();
        rx.schedule(() => session.session.logout(), 1);
        flush();
        outcome = { tokens: session.state().tokens, stored: stored(), events: types(events) };
      });
      expect(outcome).toEqual({ tokens: null, stored: null, events: ['token-refresh-start'] });
    });

    it('does not end a session logged in while the previous one was failing to refresh', () => {
      const rx = createTestScheduler();
      const other: AuthTokens = { accessToken: 'ACCESS-B', refreshToken: 'REFRESH-B' };
      let outcome: unknown;
      rx.run(({ cold, expectObservable, flush }) => {
        const { refresher, session, ended } = setup(rx, () => cold('---#', undefined, new HttpError(refreshReq, 400, {}, null)));
        expectObservable(refresher.refresh(req, 'unauthorized')).toBe('---#', undefined, new AuthError(req, 'refresh-failed'));
        const refreshing: boolean[] = [];
        rx.schedule(() => refreshing.push(refresher.isRefreshing()), 0);
        rx.schedule(() => session.session.setTokens(other), 1);
        // The new session does not wait for (nor fail with) the old session's refresh.
        rx.schedule(() => refreshing.push(refresher.isRefreshing()), 2);
        flush();
        outcome = { tokens: session.state().tokens, ended, refreshing };
      });
      expect(outcome).toEqual({ tokens: other, ended: [], refreshing: [true, false] });
    });
  });
});
