import type { TabLocksLike } from '../../lib/auth/tab-sync';
import { NEVER, firstValueFrom, of, throwError, timer, map, type Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import type { AuthConfig, AuthTokens } from '../../lib/auth/auth-config';
import { fingerprint } from '../../lib/auth/tab-sync';
import { memoryTokenStore } from '../../lib/auth/token-store';
import { createApiClient, type ApiClient } from '../../lib/client';
import { AuthError, HttpError } from '../../lib/core/errors';
import type { ClientEvent } from '../../lib/core/events';
import type { ApiRequest } from '../../lib/core/request';
import type { ApiResponse } from '../../lib/core/response';
import { createTestScheduler } from '../helpers/marbles';
import { createTabHub, fakeLocks } from '../helpers/tab-hub';
import { bearerOf } from './auth-fixtures';

const T1: AuthTokens = { accessToken: 'a1', refreshToken: 'r1' };
const T2: AuthTokens = { accessToken: 'a2', refreshToken: 'r2' };

describe('auth.tabSync: several tabs share one session', () => {
  let rx: TestScheduler;
  let hub: ReturnType<typeof createTabHub>;
  let seen: ApiRequest[];
  let refreshCalls: string[];
  const clients: ApiClient[] = [];

  beforeEach(() => {
    rx = createTestScheduler();
    hub = createTabHub(rx);
    seen = [];
    refreshCalls = [];
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));

  /** The API: 200 for the current token `a2`, 401 for anything else. */
  const api = (req: ApiRequest): Observable<ApiResponse> => {
    seen.push(req);
    return bearerOf(req) === 'a2'
      ? of({ status: 200, headers: {}, body: { ok: true }, url: req.url, fromCache: false, stale: false })
      : throwError(() => new HttpError(req, 401, {}, { error: 'invalid_token' }));
  };
  /** A rotating refresh endpoint: 50 ms, r1 → r2 once; a spent token is refused, as real servers do. */
  const rotate = (refreshToken: string): Observable<unknown> => {
    refreshCalls.push(refreshToken);
    return refreshCalls.filter((t) => t === refreshToken).length > 1
      ? timer(50, rx).pipe(
          map(() => {
            throw new HttpError({ method: 'POST', url: 'https://auth.test/token' }, 400, {}, { error: 'invalid_grant' });
          }),
        )
      : timer(50, rx).pipe(map(() => T2));
  };

  function tab(auth: Partial<AuthConfig> = {}, tabSync: Record<string, unknown> = {}): ApiClient {
    const c = createApiClient({
      baseUrl: 'https://api.test',
      transport: api,
      scheduler: rx,
      cache: false,
      retry: false,
      auth: { tokens: memoryTokenStore(T1), refresh: rotate, ...auth, tabSync: { channel: hub.channel(), locks: null, ...tabSync } },
    });
    clients.push(c);
    return c;
  }

  function events(c: ApiClient): ClientEvent[] {
    const out: ClientEvent[] = [];
    c.events$.subscribe((e) => out.push(e));
    return out;
  }

  it('both tabs get a 401 at once: exactly one refresh call across both; both re-send with the new token', () => {
    rx.run(({ flush }) => {
      const a = tab();
      const b = tab();
      const results: unknown[] = [];
      a.get('/me').subscribe((body) => results.push(['a', body]));
      b.get('/me').subscribe((body) => results.push(['b', body]));
      flush();
      expect(refreshCalls).toEqual(['r1']);
      expect(results).toEqual(
        expect.arrayContaining([
          ['a', { ok: true }],
          ['b', { ok: true }],
        ]),
      );
      expect(a.auth!.currentTokens()).toEqual(T2);
      expect(b.auth!.currentTokens()).toEqual(T2);
    });
  });

  it('the election: the earlier claim refreshes; the later tab waits for its answer (100 ms), then re-sends', () => {
    rx.run(({ flush }) => {
      const a = tab();
      const b = tab();
      let bDone: number | undefined;
      a.get('/me').subscribe();
      rx.schedule(() => b.get('/me').subscribe(() => (bDone = rx.now())), 10);
      flush();
      expect(refreshCalls).toEqual(['r1']);
      // a: claim at 0, refresh 100 → 150, answer reaches b at 151
      expect(bDone).toBe(151);
    });
  });

  it('with Web Locks, the holder refreshes even when a tab still queued for the lock claimed earlier (no deadlock)', () => {
    rx.run(({ flush }) => {
      // b's 401 came first, but a got the lock: b stays queued behind a's refresh.
      const granted: TabLocksLike = { request: (_name, callback) => callback({}) };
      const queued: TabLocksLike = { request: () => new Promise(() => undefined) };
      const a = tab({}, { locks: granted });
      const b = tab({}, { locks: queued });
      const bodies: string[] = [];
      b.get('/me').subscribe(() => bodies.push('b'));
      rx.schedule(() => a.get('/me').subscribe(() => bodies.push('a')), 5);
      flush();
      // b's earlier claim must not beat the lock holder: it cannot refresh before a releases.
      expect(refreshCalls).toEqual(['r1']);
      expect(bodies.sort()).toEqual(['a', 'b']);
      expect(rx.now()).toBeLessThan(1_000); // not after a waitMs
    });
  });

  it('a tab that claims while another is already refreshing is told "busy" and waits for the answer', () => {
    rx.run(({ flush }) => {
      const a = tab();
      const b = tab();
      let bBody: unknown;
      a.get('/me').subscribe();
      rx.schedule(() => b.get('/me').subscribe((body) => (bBody = body)), 120); // a is refreshing (100 → 150)
      flush();
      expect(refreshCalls).toEqual(['r1']);
      expect(bBody).toEqual({ ok: true });
    });
  });

  it('a refresh in one tab updates the other; its next request uses the new token without refreshing', () => {
    rx.run(({ flush }) => {
      const a = tab();
      const b = tab();
      const bEvents = events(b);
      a.get('/me').subscribe();
      flush();
      expect(b.auth!.currentTokens()).toEqual(T2);
      expect(bEvents).toContainEqual(expect.objectContaining({ type: 'token-refreshed' }));
      b.get('/me').subscribe();
      flush();
      expect(refreshCalls).toEqual(['r1']);
      expect(bearerOf(seen[seen.length - 1])).toBe('a2');
    });
  });

  it('a late claim for a refresh already answered gets that answer again (a tab that missed the message)', () => {
    rx.run(({ flush }) => {
      const a = tab();
      a.get('/me').subscribe();
      flush();
      const late = tab(); // opened later with the old tokens still in its own store
      let body: unknown;
      late.get('/me').subscribe((b) => (body = b));
      flush();
      expect(refreshCalls).toEqual(['r1']);
      expect(body).toEqual({ ok: true });
    });
  });

  it('the refresh is rejected in the leader: the waiting tab fails with refresh-failed and its session ends too', () => {
    rx.run(({ flush }) => {
      const refuse = (refreshToken: string): Observable<unknown> => {
        refreshCalls.push(refreshToken);
        return throwError(() => new HttpError({ method: 'POST', url: 'https://auth.test/token' }, 400, {}, { error: 'invalid_grant' }));
      };
      const a = tab({ refresh: refuse });
      const b = tab({ refresh: refuse });
      const ended: string[] = [];
      b.auth!.sessionEnded$.subscribe((r) => ended.push(r));
      let bError: unknown;
      a.get('/me').subscribe({ error: () => undefined });
      b.get('/me').subscribe({ error: (e: unknown) => (bError = e) });
      flush();
      expect(refreshCalls).toEqual(['r1']);
      expect(bError).toBeInstanceOf(AuthError);
      expect(bError).toMatchObject({ reason: 'refresh-failed' });
      expect(b.auth!.currentTokens()).toBeNull();
      expect(ended).toEqual(['refresh-failed']);
    });
  });

  it("the leader's tab closes mid-refresh: the waiting tab fails after waitMs with refresh-unavailable, session kept", () => {
    rx.run(({ flush }) => {
      const stuck = (refreshToken: string): Observable<unknown> => {
        refreshCalls.push(refreshToken);
        return NEVER;
      };
      const a = tab({ refresh: stuck, refreshTimeoutMs: 1_000_000 });
      const b = tab({ refresh: stuck }, { waitMs: 2000 });
      let bError: unknown;
      let at = 0;
      a.get('/me').subscribe({ error: () => undefined });
      rx.schedule(() => b.get('/me').subscribe({ error: (e: unknown) => ((bError = e), (at = rx.now())) }), 10);
      rx.schedule(() => a.close(), 500);
      flush();
      expect(refreshCalls).toEqual(['r1']);
      expect(bError).toMatchObject({ name: 'AuthError', reason: 'refresh-unavailable' });
      expect(at).toBe(2010);
      expect(b.auth!.currentTokens()).toEqual(T1);
    });
  });

  it("logout in one tab ends the other's session; its request waiting in backoff is never sent with the old token", () => {
    rx.run(({ flush }) => {
      const flaky = (req: ApiRequest): Observable<ApiResponse> => {
        seen.push(req);
        return throwError(() => new HttpError(req, 503, {}, null));
      };
      const a = tab();
      const b = createApiClient({
        baseUrl: 'https://api.test',
        transport: flaky,
        scheduler: rx,
        cache: false,
        random: () => 0.5,
        retry: { maxAttempts: 3, baseDelayMs: 1000 },
        auth: { tokens: memoryTokenStore(T1), refresh: rotate, tabSync: { channel: hub.channel(), locks: null } },
      });
      clients.push(b);
      const ended: string[] = [];
      b.auth!.sessionEnded$.subscribe((r) => ended.push(r));
      let bError: unknown;
      b.get('/items').subscribe({ error: (e: unknown) => (bError = e) });
      rx.schedule(() => a.auth!.logout(), 200);
      flush();
      expect(ended).toEqual(['logout']);
      expect(b.auth!.currentTokens()).toBeNull();
      expect(seen.map(bearerOf)).toEqual(['a1']); // the retry after the logout never went
      expect(bError).toBeInstanceOf(AuthError);
    });
  });

  it('a login (or account switch) in one tab is taken by the others, with the same user partition', () => {
    rx.run(({ flush }) => {
      const a = tab({ tokens: memoryTokenStore(null) });
      const b = tab({ tokens: memoryTokenStore(null) });
      a.auth!.setTokens({ accessToken: 'opaque-b', refreshToken: 'rb' });
      flush();
      expect(b.auth!.currentTokens()).toEqual({ accessToken: 'opaque-b', refreshToken: 'rb' });
      expect(b.auth!.userPartition()).toBe(a.auth!.userPartition());
      expect(b.auth!.userPartition()).not.toBe('anonymous');
    });
  });

  it('never posts a spent refresh token; refreshes are matched by its fingerprint', () => {
    rx.run(({ flush }) => {
      const a = tab();
      tab();
      a.get('/me').subscribe();
      flush();
      const wire = JSON.stringify(hub.posted);
      expect(wire).not.toContain('"r1"');
      expect(wire).toContain(fingerprint('r1'));
    });
  });

  it('ignores anything else on the channel (another version, garbage) without failing', () => {
    rx.run(({ flush }) => {
      const b = tab();
      const other = hub.channel();
      for (const junk of [
        null,
        42,
        'x',
        { p: 'rxsync-auth/1', t: 'session', tokens: { accessToken: '' } },
        { p: 'rxsync-auth/1', t: 'refreshed', fp: 'f' },
        { p: 'other', t: 'session', tokens: null },
      ]) {
        other.postMessage(junk);
      }
      flush();
      expect(b.auth!.currentTokens()).toEqual(T1);
    });
  });

  describe('over a real BroadcastChannel (Node 20 has one), with Web Locks', () => {
    it('two clients of one origin, 401s at once: the lock holder refreshes once; the other takes its answer', async () => {
      const locks = fakeLocks();
      const calls: string[] = [];
      const refresh = async (refreshToken: string): Promise<AuthTokens> => {
        calls.push(refreshToken);
        await new Promise((resolve) => setImmediate(resolve));
        if (calls.length > 1) throw new HttpError({ method: 'POST', url: 'https://auth.test/token' }, 400, {}, { error: 'invalid_grant' });
        return T2;
      };
      const real = (): ApiClient => {
        const c = createApiClient({
          baseUrl: 'https://tabs.test',
          transport: (req) => {
            seen.push(req);
            return bearerOf(req) === 'a2'
              ? of({ status: 200, headers: {}, body: 'ok', url: req.url, fromCache: false, stale: false })
              : throwError(() => new HttpError(req, 401, {}, null));
          },
          cache: false,
          retry: false,
          auth: { tokens: memoryTokenStore(T1), refresh, tabSync: { locks, electionMs: 20 } },
        });
        clients.push(c);
        return c;
      };
      const [a, b] = [real(), real()];
      const answers = await Promise.all([firstValueFrom(a.get('/me')), firstValueFrom(b.get('/me'))]);
      expect(answers).toEqual(['ok', 'ok']);
      expect(calls).toEqual(['r1']);
      expect(locks.grants.length).toBeGreaterThanOrEqual(1);
      expect([a.auth!.currentTokens(), b.auth!.currentTokens()]).toEqual([T2, T2]);
    });

    it('logout in one client ends the session of the other', async () => {
      const make = (): ApiClient => {
        const c = createApiClient({
          baseUrl: 'https://tabs2.test',
          transport: () => NEVER,
          cache: false,
          auth: { tokens: memoryTokenStore(T1), tabSync: true },
        });
        clients.push(c);
        return c;
      };
      const [a, b] = [make(), make()];
      const ended = firstValueFrom(b.auth!.sessionEnded$);
      a.auth!.logout();
      expect(await ended).toBe('logout');
      expect(b.auth!.currentTokens()).toBeNull();
    });
  });
});
