import { defer, map, type Observable, of, throwError } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import type { AuthTokens } from '../../lib/auth/auth-config';
import { createAuthSession } from '../../lib/auth/auth-session';
import { memoryTokenStore, type TokenStore } from '../../lib/auth/token-store';
import { createEnv } from '../../lib/core/env';
import type { ClientEvent } from '../../lib/core/events';
import { createTestScheduler } from '../helpers/marbles';
import { unsignedJwt } from './auth-fixtures';

const ALICE: AuthTokens = { accessToken: unsignedJwt({ sub: 'alice', exp: 3600 }), refreshToken: 'REFRESH-A' };
const ALICE_REFRESHED: AuthTokens = { accessToken: unsignedJwt({ sub: 'alice', exp: 7200 }), refreshToken: 'REFRESH-A2' };
const BOB: AuthTokens = { accessToken: unsignedJwt({ sub: 'bob', exp: 3600 }), refreshToken: 'REFRESH-B' };

function setup(store: TokenStore, rx?: TestScheduler) {
  const { env, events$ } = createEnv(rx ? { scheduler: rx } : {});
  const events: ClientEvent[] = [];
  events$.subscribe((event) => events.push(event));
  const controller = createAuthSession({ store, refreshSkewMs: 30_000, env });
  const ended: string[] = [];
  controller.session.sessionEnded$.subscribe((reason) => ended.push(reason));
  return { controller, session: controller.session, events, ended };
}

function collect<T>(source: Observable<T>): T[] {
  const values: T[] = [];
  source.subscribe((value) => values.push(value));
  return values;
}

describe('createAuthSession', () => {
  describe('hydration', () => {
    it('reads a memory store synchronously at creation', () => {
      const { session, controller } = setup(memoryTokenStore(ALICE));
      expect(controller.state().hydrated).toBe(true);
      expect(session.currentTokens()).toEqual(ALICE);
      expect(collect(session.tokens$)).toEqual([ALICE]);
    });

    it('emits tokens$ and partition$ only once an asynchronous store has answered', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable }) => {
        const store: TokenStore = { load: () => cold('---(s|)', { s: ALICE }), save: () => of(undefined) };
        const { session, controller } = setup(store, rx);
        expectObservable(session.tokens$).toBe('---s', { s: ALICE });
        expectObservable(session.partition$).toBe('---p', { p: 'alice' });
        expectObservable(controller.hydrated$.pipe(map((state) => state.tokens))).toBe('---(h|)', { h: ALICE });
      });
    });

    it('lets a login made while the store is being read win over what was stored', () => {
      const rx = createTestScheduler();
      rx.run(({ cold, expectObservable }) => {
        const store: TokenStore = { load: () => cold('---(s|)', { s: ALICE }), save: () => of(undefined) };
        const { session } = setup(store, rx);
        rx.schedule(() => session.setTokens(BOB), 1);
        expectObservable(session.tokens$).toBe('-b', { b: BOB });
      });
    });

    it('reports a store that fails to load as a cache-error event and starts logged out', () => {
      const { session, events } = setup({ load: () => throwError(() => new Error('IndexedDB unavailable')), save: () => of(undefined) });
      expect(session.currentTokens()).toBeNull();
      expect(events).toEqual([{ type: 'cache-error', at: expect.any(Number), operation: 'auth-tokens-load', detail: 'Error: IndexedDB unavailable' }]);
    });

    it('treats garbage from a custom store as no session', () => {
      const { session } = setup({ load: () => of({ accessToken: 42 } as unknown as AuthTokens), save: () => of(undefined) });
      expect(session.currentTokens()).toBeNull();
    });
  });

  describe('setTokens, logout', () => {
    it('persists a login and a logout through the store', () => {
      const store = memoryTokenStore();
      const { session } = setup(store);
      session.setTokens(ALICE);
      expect(collect(store.load())).toEqual([ALICE]);
      session.logout();
      expect(collect(store.load())).toEqual([null]);
    });

    it('turns a store that fails to save into a cache-error event, never a throw, and keeps the session in memory', () => {
      const { session, events } = setup({ load: () => of(null), save: () => throwError(() => new Error('QuotaExceededError')) });
      expect(() => session.setTokens(ALICE)).not.toThrow();
      expect(session.currentTokens()).toEqual(ALICE);
      expect(events).toEqual([{ type: 'cache-error', at: expect.any(Number), operation: 'auth-tokens-save', detail: 'Error: QuotaExceededError' }]);
      expect(JSON.stringify(events)).not.toContain('REFRESH-A');
    });

    it('writes to the store one save after the other, in the order of the changes', () => {
      const rx = createTestScheduler();
      const writes: string[] = [];
      rx.run(({ cold, flush }) => {
        const store: TokenStore = {
          load: () => of(null),
          save: (tokens) => {
            const name = tokens === null ? 'logout' : tokens.accessToken === ALICE.accessToken ? 'alice' : 'bob';
            return defer(() => {
              writes.push(`start ${name} at ${rx.now()}`);
              return cold<void>('--|');
            });
          },
        };
        const { session } = setup(store, rx);
        session.setTokens(ALICE);
        session.logout();
        session.setTokens(BOB);
        flush();
      });
      expect(writes).toEqual(['start alice at 0', 'start logout at 2', 'start bob at 4']);
    });

    it('logs out on setTokens with tokens that have no access token (never "Bearer undefined")', () => {
      const { session } = setup(memoryTokenStore(ALICE));
      session.setTokens({ accessToken: '' });
      expect(session.currentTokens()).toBeNull();
    });

    it('announces logout on sessionEnded$, without a session-expired event, and only when there was a session', () => {
      const { session, events, ended } = setup(memoryTokenStore(ALICE));
      session.logout();
      session.logout();
      expect(ended).toEqual(['logout']);
      expect(events).toEqual([]);
    });

    it('ends a session by force with a session-expired event and the reason', () => {
      const { controller, session, events, ended } = setup(memoryTokenStore(ALICE));
      controller.end('refresh-failed');
      expect(session.currentTokens()).toBeNull();
      expect(ended).toEqual(['refresh-failed']);
      expect(events).toEqual([{ type: 'session-expired', at: expect.any(Number), reason: 'refresh-failed' }]);
    });
  });

  describe('user partition', () => {
    it.each([
      ['the JWT sub of the access token', ALICE, /^alice$/],
      ['the session’s own for an opaque token: never the logged-out partition, never another login’s', { accessToken: 'opaque' }, /^session:[0-9a-f]{32}$/],
      ['the session’s own for a JWT without sub', { accessToken: unsignedJwt({ exp: 3600 }) }, /^session:[0-9a-f]{32}$/],
      ['"anonymous" without tokens', null, /^anonymous$/],
    ])('is %s', (_rule, tokens, expected) => {
      expect(setup(memoryTokenStore(tokens)).session.userPartition()).toMatch(expected);
    });

    it('emits on partition$ when the user changes, not when the same user refreshes', () => {
      const { controller, session } = setup(memoryTokenStore(ALICE));
      const partitions = collect(session.partition$);
      controller.applyRefreshed(ALICE_REFRESHED, controller.state().generation);
      session.setTokens(BOB);
      session.logout();
      expect(partitions).toEqual(['alice', 'bob', 'anonymous']);
    });
  });

  describe('applyRefreshed', () => {
    it('installs tokens for the session that asked, and ignores them after a login or logout', () => {
      const { controller, session } = setup(memoryTokenStore(ALICE));
      const asked = controller.state().generation;
      expect(controller.applyRefreshed(ALICE_REFRESHED, asked)).toBe(true);
      expect(session.currentTokens()).toEqual(ALICE_REFRESHED);
      session.setTokens(BOB);
      expect(controller.applyRefreshed(ALICE, asked)).toBe(false);
      expect(session.currentTokens()).toEqual(BOB);
    });
  });
});
