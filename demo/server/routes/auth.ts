import type { Route } from '../app';

/** RFC 6749 §5.1: token responses must never be stored by any cache. */
const NO_STORE = { 'cache-control': 'no-store' };

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

export const authRoutes: readonly Route[] = [
  {
    method: 'POST',
    pattern: '/auth/login',
    auth: 'none',
    // Any non-empty username/password signs in; the username becomes the JWT `sub`.
    handler: async (ex, app) => {
      const body = await ex.readJson();
      const username = field(body, 'username');
      const password = field(body, 'password');
      if (typeof username !== 'string' || username === '' || typeof password !== 'string' || password === '') {
        ex.json(400, { error: 'invalid_request' }, NO_STORE);
        return;
      }
      app.stats.logins++;
      ex.json(200, await app.tokens.issue(username), NO_STORE);
    },
  },
  {
    method: 'POST',
    pattern: '/auth/refresh',
    auth: 'none',
    handler: async (ex, app) => {
      const body = await ex.readJson();
      app.stats.refreshCalls++;
      const { refreshFails, refreshGarbage } = app.faults.knobs;
      if (refreshFails) {
        app.stats.faultsInjected.refreshFails++;
        ex.json(401, { error: 'invalid_grant' }, NO_STORE);
        return;
      }
      if (refreshGarbage) {
        // A 200 without tokens: a client must end the session, not loop on it.
        app.stats.faultsInjected.refreshGarbage++;
        ex.json(200, { ok: true }, NO_STORE);
        return;
      }
      const pair = await app.tokens.rotate(field(body, 'refreshToken'));
      if (pair) ex.json(200, pair, NO_STORE);
      else ex.json(401, { error: 'invalid_grant' }, NO_STORE);
    },
  },
];
