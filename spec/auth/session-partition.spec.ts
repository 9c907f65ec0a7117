import { type Observable, of } from 'rxjs';
import type { AuthTokens } from '../../lib/auth/auth-config';
import { memoryTokenStore, type TokenStore } from '../../lib/auth/token-store';
import type { ApiRequest } from '../../lib/core/request';
import type { ApiResponse } from '../../lib/core/response';
import { createTestScheduler } from '../helpers/marbles';
import { authHarness, bearerOf, get, ok, unauthorized, unsignedJwt } from './auth-fixtures';

const r = ok('the resource');
const OPAQUE_A: AuthTokens = { accessToken: 'OPAQUE-A', refreshToken: 'REFRESH-A' };
const OPAQUE_A2: AuthTokens = { accessToken: 'OPAQUE-A2', refreshToken: 'REFRESH-A2' };
const OPAQUE_B: AuthTokens = { accessToken: 'OPAQUE-B', refreshToken: 'REFRESH-B' };
const NO_SUB_B: AuthTokens = { accessToken: unsignedJwt({ exp: 99_999 }), refreshToken: 'REFRESH-B' };
const ALICE: AuthTokens = { accessToken: unsignedJwt({ sub: 'alice', exp: 99_999 }), refreshToken: 'REFRESH-ALICE' };
const BOB: AuthTokens = { accessToken: unsignedJwt({ sub: 'bob', exp: 99_999 }), refreshToken: 'REFRESH-BOB' };

function collect<T>(source: Observable<T>): T[] {
  const values: T[] = [];
  source.subscribe((value) => values.push(value));
  return values;
}

function stored(store: TokenStore): unknown {
  let value: unknown;
  store.load().subscribe((tokens) => (value = tokens));
  return value;
}

/** A store shared by two harnesses is an app restart. */
const start = (tokens: TokenStore, extra: Parameters<typeof authHarness>[2] = {}) => authHarness(createTestScheduler(), () => of(r), { tokens, ...extra });

describe('the partition of a session whose token names no user (opaque token, JWT without sub)', () => {
  it.each([
    ['opaque tokens', OPAQUE_A, OPAQUE_B],
    ['JWTs without sub', { accessToken: unsignedJwt({ exp: 99_999 }) }, NO_SUB_B],
  ])('changes on an account switch between %s, so the cache purges user A’s data before B reads', (_what, a, b) => {
    const { session } = start(memoryTokenStore());
    const partitions = collect(session.partition$);
    session.setTokens(a);
    session.setTokens(b);
    expect(partitions).toHaveLength(3);
    expect(new Set(partitions).size).toBe(3);
    expect(partitions).not.toContain('authenticated');
  });

  it('is new on every setTokens, even with the same tokens: a login is a new session', () => {
    const { session } = start(memoryTokenStore());
    session.setTokens(OPAQUE_A);
    const first = session.userPartition();
    session.setTokens(OPAQUE_A);
    expect(session.userPartition()).not.toBe(first);
    expect(first).toMatch(/^session:[0-9a-f]{32}$/);
  });

  it('stays the same across refreshes of that session', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable, flush }) => {
      const respond = (req: ApiRequest): Observable<ApiResponse> =>
        bearerOf(req) === OPAQUE_A2.accessToken ? cold('-(r|)', { r }) : cold('-#', undefined, unauthorized(req));
      const { handler, session } = authHarness(rx, respond, { initial: OPAQUE_A, refresh: () => cold('-(t|)', { t: OPAQUE_A2 }) });
      const partitions = collect(session.partition$);
      expectObservable(handler(get('/items'))).toBe('---(r|)', { r });
      flush();
      expect(session.currentTokens()).toEqual(OPAQUE_A2);
      expect(partitions).toHaveLength(1);
    });
  });

  it('survives an app restart: it is stored with the tokens and read back', () => {
    const tokens = memoryTokenStore();
    const before = start(tokens);
    before.session.setTokens(OPAQUE_A);
    const partition = before.session.userPartition();
    expect(stored(tokens)).toEqual({ ...OPAQUE_A, partition });
    expect(before.session.currentTokens()).toEqual(OPAQUE_A);

    const after = start(tokens);
    expect(after.session.userPartition()).toBe(partition);
    expect(after.session.currentTokens()).toEqual(OPAQUE_A);
  });

  it('is fresh for a stored session saved without one (an older version), and then stored so the next start keeps it', () => {
    const tokens = memoryTokenStore(OPAQUE_A);
    const first = start(tokens).session.userPartition();
    expect(first).toMatch(/^session:/);
    expect(stored(tokens)).toEqual({ ...OPAQUE_A, partition: first });
    expect(start(tokens).session.userPartition()).toBe(first);
  });

  it('is "anonymous" again after logout', () => {
    const { session } = start(memoryTokenStore(OPAQUE_A));
    session.logout();
    expect(session.userPartition()).toBe('anonymous');
  });
});

describe('the partition of a JWT with sub', () => {
  it('is the sub, and nothing but the tokens is stored', () => {
    const tokens = memoryTokenStore();
    const { session } = start(tokens);
    session.setTokens(ALICE);
    expect(session.userPartition()).toBe('alice');
    expect(stored(tokens)).toEqual(ALICE);
  });
});

describe('config.userPartition', () => {
  const byPrefix = (tokens: AuthTokens): string | undefined => (tokens.accessToken.startsWith('OPAQUE-A') ? 'user-a' : undefined);

  it('names the partition of opaque tokens, across refreshes and restarts, and stores no partition of its own', () => {
    const tokens = memoryTokenStore();
    const { session } = start(tokens, { userPartition: byPrefix });
    session.setTokens(OPAQUE_A);
    expect(session.userPartition()).toBe('user-a');
    expect(stored(tokens)).toEqual(OPAQUE_A);
    expect(start(tokens, { userPartition: byPrefix }).session.userPartition()).toBe('user-a');
  });

  it('falls back to the JWT sub, then to a partition of the session’s own, when it returns undefined', () => {
    const { session } = start(memoryTokenStore(), { userPartition: byPrefix });
    session.setTokens(BOB);
    expect(session.userPartition()).toBe('bob');
    session.setTokens(OPAQUE_B);
    expect(session.userPartition()).toMatch(/^session:/);
  });

  it('falls back the same way when it throws or returns something other than a non-empty string', () => {
    const throwing = start(memoryTokenStore(), {
      userPartition: () => {
        throw new Error('bug in the app');
      },
    });
    expect(() => throwing.session.setTokens(ALICE)).not.toThrow();
    expect(throwing.session.userPartition()).toBe('alice');
    const empty = start(memoryTokenStore(), { userPartition: () => '' });
    empty.session.setTokens(OPAQUE_A);
    expect(empty.session.userPartition()).toMatch(/^session:/);
  });
});

describe('the documented userPartition example (the user recorded before setTokens)', () => {
  it('gives an account switch through setTokens the new user’s partition, and keeps it across a restart', () => {
    const tokens = memoryTokenStore();
    let saved: string | undefined; // localStorage in the example
    let userId: string | undefined = saved;
    const { session } = start(tokens, { userPartition: () => userId });
    const signedIn = (answer: { userId: string; tokens: AuthTokens }) => {
      userId = answer.userId;
      saved = answer.userId;
      session.setTokens(answer.tokens);
    };
    signedIn({ userId: 'alice', tokens: OPAQUE_A });
    expect(session.userPartition()).toBe('alice');
    signedIn({ userId: 'bob', tokens: OPAQUE_B });
    expect(session.userPartition()).toBe('bob');
    userId = saved;
    expect(start(tokens, { userPartition: () => userId }).session.userPartition()).toBe('bob');
  });

  it('(what the example avoids) recording the user after setTokens would leave Bob in Alice’s partition', () => {
    let userId: string | undefined = 'alice';
    const { session } = start(memoryTokenStore(), { userPartition: () => userId });
    session.setTokens(OPAQUE_A);
    session.setTokens(OPAQUE_B);
    userId = 'bob';
    expect(session.userPartition()).toBe('alice');
  });
});

describe('sessionKey', () => {
  it('changes on login, logout and account switch, not on a refresh: dedupe never lets user B join user A’s request', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, flush }) => {
      const refreshed = { accessToken: unsignedJwt({ sub: 'alice', exp: 199_999 }), refreshToken: 'REFRESH-ALICE-2' };
      const respond = (req: ApiRequest): Observable<ApiResponse> =>
        bearerOf(req) === refreshed.accessToken ? cold('-(r|)', { r }) : cold('-#', undefined, unauthorized(req));
      const { auth, handler, session } = authHarness(rx, respond, { initial: ALICE, refresh: () => cold('-(t|)', { t: refreshed }) });
      const keys = [auth.sessionKey()];
      handler(get('/items')).subscribe();
      flush();
      expect(session.currentTokens()).toEqual(refreshed);
      expect(auth.sessionKey()).toBe(keys[0]);
      session.setTokens(BOB);
      keys.push(auth.sessionKey());
      session.setTokens(ALICE);
      keys.push(auth.sessionKey());
      session.logout();
      keys.push(auth.sessionKey());
      session.setTokens(ALICE);
      keys.push(auth.sessionKey());
      expect(new Set(keys).size).toBe(5);
    });
  });
});

describe('whenReady', () => {
  it('is undefined at once with a synchronous token store', () => {
    expect(start(memoryTokenStore(ALICE)).auth.whenReady()).toBeUndefined();
  });

  it('emits once when an asynchronous store has been read; userPartition() is the stored user’s by then; undefined afterwards', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable, flush }) => {
      const tokens: TokenStore = { load: () => cold('---(s|)', { s: ALICE }), save: () => of(undefined) };
      const { auth } = authHarness(rx, () => of(r), { tokens });
      const ready = auth.whenReady();
      expect(auth.session.userPartition()).toBe('anonymous');
      expectObservable(ready!).toBe('---(v|)', { v: undefined });
      const seen: string[] = [];
      ready!.subscribe(() => seen.push(auth.session.userPartition()));
      flush();
      expect(seen).toEqual(['alice']);
      expect(auth.whenReady()).toBeUndefined();
    });
  });

  it('emits when a login comes before the store answers', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const tokens: TokenStore = { load: () => cold('-----(s|)', { s: ALICE }), save: () => of(undefined) };
      const { auth, session } = authHarness(rx, () => of(r), { tokens });
      rx.schedule(() => session.setTokens(BOB), 2);
      expectObservable(auth.whenReady()!).toBe('--(v|)', { v: undefined });
    });
  });

  it('emits when the store fails to load: the session starts logged out', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const tokens: TokenStore = { load: () => cold('--#', undefined, new Error('IndexedDB unavailable')), save: () => of(undefined) };
      const { auth } = authHarness(rx, () => of(r), { tokens });
      expectObservable(auth.whenReady()!).toBe('--(v|)', { v: undefined });
    });
  });
});
