import { createHash } from 'node:crypto';
import { startDemoServer, type DemoServer } from '../../demo/server';

/** Real fetch against the real server on loopback: these tests are the server's contract. */

let server: DemoServer;

afterEach(async () => {
  await server?.close();
});

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

async function login(username = 'ann'): Promise<{ accessToken: string; refreshToken: string }> {
  const res = await fetch(`${server.url}/auth/login`, json({ username, password: 'secret' }));
  expect(res.status).toBe(200);
  return (await res.json()) as { accessToken: string; refreshToken: string };
}

async function api(path: string, token: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> | undefined) },
  });
}

const sendJson = (method: string, body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

describe('demo server: auth', () => {
  beforeEach(async () => {
    server = await startDemoServer({ itemCount: 5 });
  });

  it('logs in and serves items to the bearer of the access token', async () => {
    const { accessToken, refreshToken } = await login();
    expect(accessToken.split('.')).toHaveLength(3);
    expect(refreshToken).toEqual(expect.any(String));
    const res = await api('/items', accessToken);
    expect(res.status).toBe(200);
    const items = (await res.json()) as unknown[];
    expect(items).toHaveLength(5);
    expect(items[0]).toEqual({ id: '1', name: expect.any(String), price: expect.any(Number), updatedAt: expect.any(String) });
    expect(server.stats.logins).toBe(1);
    expect(server.stats.requestsByRoute).toEqual({ 'POST /auth/login': 1, 'GET /items': 1 });
  });

  it('puts the username in the JWT sub and a readable exp', async () => {
    server.resetStats();
    const { accessToken } = await login('bob');
    const payload = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString()) as { sub: string; exp: number };
    expect(payload.sub).toBe('bob');
    expect(payload.exp - Date.now() / 1000).toBeGreaterThan(55);
    expect(payload.exp - Date.now() / 1000).toBeLessThanOrEqual(60);
  });

  it('rejects an empty login with 400', async () => {
    const res = await fetch(`${server.url}/auth/login`, json({ username: 'ann', password: '' }));
    expect(res.status).toBe(400);
    expect(server.stats.logins).toBe(0);
  });

  it.each([
    ['no token', async () => undefined],
    ['an expired token', async () => (await server.issueTokens({ expiresInSec: -10 })).accessToken],
    [
      'a token signed by another server',
      async () => {
        const other = await startDemoServer();
        const { accessToken } = await other.issueTokens();
        await other.close();
        return accessToken;
      },
    ],
    ['garbage', async () => 'not.a.jwt'],
  ])('answers 401 invalid_token to %s', async (_label, token) => {
    const t = await token();
    const res = await fetch(`${server.url}/items`, t ? { headers: { authorization: `Bearer ${t}` } } : {});
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(await res.json()).toEqual({ error: 'invalid_token' });
  });

  it('issues short-lived tokens that expire on time', async () => {
    // Only the wall clock is faked (sockets and timers stay real): a real sleep waiting for a
    // 1 s token to expire failed under CPU load, when `exp`'s whole seconds left it less than
    // the time the first request took.
    jest.useFakeTimers({
      now: Date.now(),
      doNotFake: [
        'nextTick',
        'setImmediate',
        'clearImmediate',
        'setTimeout',
        'clearTimeout',
        'setInterval',
        'clearInterval',
        'queueMicrotask',
        'hrtime',
        'performance',
      ],
    });
    try {
      const { accessToken } = await server.issueTokens({ sub: 'tim', expiresInSec: 60 });
      jest.setSystemTime(Date.now() + 58_000);
      expect((await api('/items', accessToken)).status).toBe(200);
      jest.setSystemTime(Date.now() + 3_000);
      expect((await api('/items', accessToken)).status).toBe(401);
    } finally {
      jest.useRealTimers();
    }
  });

  it('rotates refresh tokens: a used one is refused, and its reuse revokes the family', async () => {
    const first = await login();
    const res = await fetch(`${server.url}/auth/refresh`, json({ refreshToken: first.refreshToken }));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const second = (await res.json()) as { accessToken: string; refreshToken: string };
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await api('/items', second.accessToken)).status).toBe(200);

    const reuse = await fetch(`${server.url}/auth/refresh`, json({ refreshToken: first.refreshToken }));
    expect(reuse.status).toBe(401);
    expect(await reuse.json()).toEqual({ error: 'invalid_grant' });
    const descendant = await fetch(`${server.url}/auth/refresh`, json({ refreshToken: second.refreshToken }));
    expect(descendant.status).toBe(401);
    expect(server.stats.refreshCalls).toBe(3);
  });

  it('fails refreshes on demand, or answers them with garbage', async () => {
    const { refreshToken } = await login();
    server.setFaults({ refreshFails: true });
    const failed = await fetch(`${server.url}/auth/refresh`, json({ refreshToken }));
    expect(failed.status).toBe(401);
    expect(await failed.json()).toEqual({ error: 'invalid_grant' });
    server.setFaults({ refreshFails: false, refreshGarbage: true });
    const garbage = await fetch(`${server.url}/auth/refresh`, json({ refreshToken }));
    expect(garbage.status).toBe(200);
    expect(await garbage.json()).toEqual({ ok: true });
    server.setFaults({ refreshGarbage: false });
    // Neither consumed the token.
    expect((await fetch(`${server.url}/auth/refresh`, json({ refreshToken }))).status).toBe(200);
    expect(server.stats.faultsInjected).toMatchObject({ refreshFails: 1, refreshGarbage: 1 });
  });
});

describe('demo server: items', () => {
  let token: string;
  beforeEach(async () => {
    server = await startDemoServer();
    token = (await server.issueTokens()).accessToken;
  });

  it('answers If-None-Match with a bodyless 304 carrying the validators', async () => {
    const first = await api('/items', token);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(first.headers.get('cache-control')).toBe('private, max-age=5');
    expect(first.headers.get('last-modified')).toEqual(expect.any(String));
    const body = await first.text();
    expect(etag).toBe(`"${createHash('sha1').update(body).digest('base64url')}"`);

    const second = await api('/items', token, { headers: { 'if-none-match': etag ?? '' } });
    expect(second.status).toBe(304);
    expect(second.headers.get('etag')).toBe(etag);
    expect(second.headers.get('cache-control')).toBe('private, max-age=5');
    expect(await second.text()).toBe('');
    expect(server.stats.notModified).toBe(1);
    expect(server.stats.bytesSent).toBe(Buffer.byteLength(body));
  });

  it('answers If-Modified-Since with 304 when nothing changed since', async () => {
    const first = await api('/items/3', token);
    const lastModified = first.headers.get('last-modified') ?? '';
    const second = await api('/items/3', token, { headers: { 'if-modified-since': lastModified } });
    expect(second.status).toBe(304);
  });

  it('emits ?cc= verbatim as Cache-Control', async () => {
    const res = await api('/items/1?cc=no-cache%2C%20stale-if-error%3D60', token);
    expect(res.headers.get('cache-control')).toBe('no-cache, stale-if-error=60');
  });

  it('serves one item, 404 for an unknown one, and pages', async () => {
    const one = await api('/items/7', token);
    expect(((await one.json()) as { id: string }).id).toBe('7');
    expect(one.headers.get('etag')).toBeTruthy();
    const missing = await api('/items/999', token);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not_found' });
    const page = (await (await api('/items?page=2&size=3', token)).json()) as Array<{ id: string }>;
    expect(page.map((i) => i.id)).toEqual(['4', '5', '6']);
    expect((await api('/items?page=0', token)).status).toBe(400);
    expect(server.stats.requestsByRoute['GET /items/:id']).toBe(2);
  });

  it('changes the ETags of the item and of the list on PUT, PATCH and DELETE', async () => {
    const etags = async (): Promise<[string | null, string | null]> => [
      (await api('/items', token)).headers.get('etag'),
      (await api('/items/2', token)).headers.get('etag'),
    ];
    let before = await etags();
    const patched = await api('/items/2', token, sendJson('PATCH', { price: 1.5 }));
    expect(await patched.json()).toMatchObject({ id: '2', price: 1.5 });
    let after = await etags();
    expect(after[0]).not.toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);

    before = after;
    const put = await api('/items/2', token, sendJson('PUT', { name: 'Renamed', price: 3 }));
    expect(await put.json()).toMatchObject({ id: '2', name: 'Renamed', price: 3 });
    after = await etags();
    expect(after[0]).not.toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
    expect((await api('/items/2', token, sendJson('PUT', { name: 'no price' }))).status).toBe(400);

    const listBefore = after[0];
    const del = await api('/items/2', token, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect((await api('/items/2', token)).status).toBe(404);
    expect((await api('/items', token)).headers.get('etag')).not.toBe(listBefore);
    expect((await api('/items/2', token, { method: 'DELETE' })).status).toBe(404);
  });

  it('replays a POST with the same Idempotency-Key instead of creating twice', async () => {
    const post = () => api('/items', token, sendJson('POST', { name: 'Mango', price: 2 }, { 'idempotency-key': 'k-1' }));
    const first = await post();
    expect(first.status).toBe(201);
    const created = (await first.json()) as { id: string };
    expect(first.headers.get('location')).toBe(`/items/${created.id}`);
    const replay = await post();
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.json()).toEqual(created);
    expect(((await (await api('/items', token)).json()) as unknown[]).length).toBe(21);
    expect(server.stats.idempotentReplays).toBe(1);

    const reused = await api('/items', token, sendJson('POST', { name: 'Other', price: 1 }, { 'idempotency-key': 'k-1' }));
    expect(reused.status).toBe(422);
    // Without a key, each POST creates.
    await api('/items', token, sendJson('POST', { name: 'Plum', price: 1 }));
    await api('/items', token, sendJson('POST', { name: 'Plum', price: 1 }));
    expect(((await (await api('/items', token)).json()) as unknown[]).length).toBe(23);
  });

  it('rejects malformed bodies with 400', async () => {
    const res = await api('/items', token, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(res.status).toBe(400);
    expect((await api('/items', token, sendJson('POST', { name: 'x', price: 'free' }))).status).toBe(400);
  });

  it('serves a ~50 KB /big that revalidates to 304 (no-cache by default, ?cc= verbatim)', async () => {
    const first = await api('/big', token);
    const body = await first.text();
    expect(body.length).toBeGreaterThan(45_000);
    expect(body.length).toBeLessThan(60_000);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    server.resetStats();
    for (let i = 0; i < 10; i++) {
      const again = await api('/big?cc=max-age%3D0', token, { headers: { 'if-none-match': first.headers.get('etag') ?? '' } });
      expect(again.status).toBe(304);
      expect(again.headers.get('cache-control')).toBe('max-age=0');
      await again.arrayBuffer();
    }
    expect(server.stats.bytesSent).toBe(0);
    expect(server.stats.notModified).toBe(10);
    // Deterministic across instances: the same bytes, the same ETag.
    const other = await startDemoServer();
    const otherRes = await fetch(`${other.url}/big`, { headers: { authorization: `Bearer ${(await other.issueTokens()).accessToken}` } });
    expect(otherRes.headers.get('etag')).toBe(first.headers.get('etag'));
    await otherRes.arrayBuffer();
    await other.close();
  });

  it('serves /public/config without a token', async () => {
    const res = await fetch(`${server.url}/public/config`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=60');
    expect(await res.json()).toMatchObject({ apiVersion: 1 });
  });

  it('answers /slow after the requested delay', async () => {
    const started = Date.now();
    const res = await api('/slow?ms=120', token);
    expect(await res.json()).toEqual({ sleptMs: 120 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('answers 404 to unknown routes and 405 to wrong methods', async () => {
    expect((await api('/nope', token)).status).toBe(404);
    const wrong = await api('/public/config', token, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
    expect(server.stats.requestsByRoute).toMatchObject({ 'GET (unmatched)': 1, 'DELETE /public/config': 1 });
  });

  it('keeps stats live and resets them in place', async () => {
    const stats = server.stats;
    await (await api('/items', token)).arrayBuffer();
    expect(stats.requests).toBe(1);
    expect(stats.statuses[200]).toBe(1);
    server.resetStats();
    expect(stats).toMatchObject({ requests: 0, bytesSent: 0, requestsByRoute: {}, statuses: {} });
    await (await api('/items', token)).arrayBuffer();
    expect(server.stats).toBe(stats);
    expect(stats.requests).toBe(1);
  });
});

describe('demo server: faults', () => {
  let token: string;
  beforeEach(async () => {
    server = await startDemoServer({ seed: 42 });
    token = (await server.issueTokens()).accessToken;
  });

  it('resets the connection: fetch rejects with ECONNRESET', async () => {
    server.setFaults({ resetRate: 1 });
    const error = await api('/items', token).then(
      () => undefined,
      (e: unknown) => e,
    );
    // fetch's TypeError comes from Node's realm, not jest's sandbox: compare by name.
    expect((error as Error).name).toBe('TypeError');
    expect((error as { cause?: { code?: string } }).cause?.code).toBe('ECONNRESET');
    expect(server.stats.faultsInjected.reset).toBe(1);
  });

  it('hangs until the client gives up, and close() still ends the socket', async () => {
    server.setFaults({ hangRate: 1 });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    await expect(api('/items', token, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    clearTimeout(timer);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    // Another hung request is still open when the server closes.
    const pending = api('/items', token).then(
      () => 'answered',
      () => 'rejected',
    );
    await new Promise((r) => setTimeout(r, 50));
    await server.close();
    expect(await pending).toBe('rejected');
    expect(server.stats.faultsInjected.hang).toBe(2);
  });

  it('truncates a 200 body: headers arrive, reading the body rejects', async () => {
    server.setFaults({ truncateRate: 1 });
    const res = await api('/items', token);
    expect(res.status).toBe(200);
    await expect(res.json()).rejects.toThrow();
    expect(server.stats.faultsInjected.truncate).toBe(1);
  });

  it('answers 429 with Retry-After', async () => {
    server.setFaults({ rateLimitRate: 1, retryAfterSec: 7 });
    const res = await api('/items', token);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
  });

  it('answers 503 without Retry-After at errorRate 1', async () => {
    server.setFaults({ errorRate: 1 });
    const res = await api('/items', token);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeNull();
    expect(server.stats.faultsInjected.error).toBe(1);
  });

  it('answers exactly burst503 requests with 503, then serves normally', async () => {
    server.setFaults({ burst503: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await api('/items/1', token);
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    expect(statuses).toEqual([503, 503, 503, 200, 200]);
    expect(server.stats.faultsInjected.burst503).toBe(3);
    expect(server.stats.statuses).toEqual({ 200: 2, 503: 3 });
  });

  it('serves a captive-portal HTML page with status 200', async () => {
    server.setFaults({ captivePortalRate: 1 });
    const res = await api('/items', token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toMatch(/<html>/);
  });

  it('answers every request 503 during an outage, and recovers when it ends', async () => {
    server.setFaults({ outage: true });
    for (const path of ['/items', '/public/config', '/graphql']) expect((await api(path, token)).status).toBe(503);
    server.setFaults({ outage: false });
    expect((await api('/items', token)).status).toBe(200);
  });

  it('spares /auth/* unless faultsOnAuth', async () => {
    server.setFaults({ outage: true });
    expect((await fetch(`${server.url}/auth/login`, json({ username: 'a', password: 'b' }))).status).toBe(200);
    server.setFaults({ faultsOnAuth: true });
    expect((await fetch(`${server.url}/auth/login`, json({ username: 'a', password: 'b' }))).status).toBe(503);
  });

  it('replays the same fault sequence for the same seed', async () => {
    const run = async (target: DemoServer): Promise<number[]> => {
      target.setFaults({ errorRate: 0.3, rateLimitRate: 0.2 });
      const t = (await target.issueTokens()).accessToken;
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) {
        const res = await fetch(`${target.url}/items/1`, { headers: { authorization: `Bearer ${t}` } });
        await res.arrayBuffer();
        statuses.push(res.status);
      }
      return statuses;
    };
    const twin = await startDemoServer({ seed: 42 });
    const [a, b] = [await run(server), await run(twin)];
    await twin.close();
    expect(a).toEqual(b);
    expect(new Set(a)).toEqual(new Set([200, 429, 503]));
  });

  it('delays every answer by latencyMs', async () => {
    const slow = await startDemoServer({ latencyMs: 80 });
    const started = Date.now();
    await (await fetch(`${slow.url}/public/config`)).arrayBuffer();
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
    await slow.close();
  });

  it('refuses fault rates that cannot be exclusive outcomes of one draw', () => {
    expect(() => server.setFaults({ errorRate: 0.7, resetRate: 0.5 })).toThrow(RangeError);
    expect(() => server.setFaults({ errorRate: -1 })).toThrow(RangeError);
  });
});

describe('demo server: graphql', () => {
  let token: string;
  const ITEMS = 'query Items { items { __typename id name price } }';
  const ITEM = 'query Item($id: ID!) { item(id: $id) { __typename id name price } }';
  const RENAME = 'mutation Rename($id: ID!, $name: String!) { renameItem(id: $id, name: $name) { __typename id name } }';
  const ME = 'query Me { me { __typename id name } }';

  beforeEach(async () => {
    server = await startDemoServer({ itemCount: 3 });
    token = (await server.issueTokens({ sub: 'gql-user' })).accessToken;
  });

  /** `t: null` sends no Authorization header. */
  const gql = async (body: unknown, t: string | null = token): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(t ? { authorization: `Bearer ${t}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };

  it('runs known queries and mutations over POST', async () => {
    const items = await gql({ query: ITEMS });
    expect(items.status).toBe(200);
    expect(items.body.data.items).toHaveLength(3);
    expect(items.body.data.items[0]).toEqual({ __typename: 'Item', id: '1', name: expect.any(String), price: expect.any(Number) });
    expect((await gql({ query: ME })).body).toEqual({ data: { me: { __typename: 'User', id: 'gql-user', name: 'gql-user' } } });

    const listEtag = (await fetch(`${server.url}/items`, { headers: { authorization: `Bearer ${token}` } })).headers.get('etag');
    const renamed = await gql({ query: RENAME, variables: { id: '2', name: 'Quince' } });
    expect(renamed.body).toEqual({ data: { renameItem: { __typename: 'Item', id: '2', name: 'Quince' } } });
    expect((await gql({ query: ITEM, variables: { id: '2' } })).body.data.item.name).toBe('Quince');
    const after = await fetch(`${server.url}/items`, { headers: { authorization: `Bearer ${token}` } });
    expect(after.headers.get('etag')).not.toBe(listEtag);
    await after.arrayBuffer();
  });

  it('serves GET queries with Cache-Control and an ETag, and 304 on If-None-Match', async () => {
    const url = `${server.url}/graphql?query=${encodeURIComponent(ITEM)}&variables=${encodeURIComponent('{"id":"1"}')}`;
    const headers = { authorization: `Bearer ${token}` };
    const res = await fetch(url, { headers });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, max-age=5');
    const etag = res.headers.get('etag') ?? '';
    expect(etag).toBeTruthy();
    expect((await res.json()).data.item.id).toBe('1');
    const again = await fetch(url, { headers: { ...headers, 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const mutation = await fetch(`${server.url}/graphql?query=${encodeURIComponent(RENAME)}`, { headers });
    expect(mutation.status).toBe(405);
    await mutation.arrayBuffer();
  });

  it('answers UNAUTHENTICATED with status 200 for a missing or expired token', async () => {
    const expired = (await server.issueTokens({ expiresInSec: -5 })).accessToken;
    for (const t of [null, expired]) {
      const res = await gql({ query: ITEMS }, t);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ errors: [{ message: 'unauthenticated', extensions: { code: 'UNAUTHENTICATED' } }], data: null });
    }
  });

  it('rejects unknown documents as validation failures', async () => {
    const res = await gql({ query: 'query Secrets { secrets }' });
    expect(res.status).toBe(200);
    expect(res.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.body.data).toBeUndefined();
  });

  it('returns partial data with errors for item "partial"', async () => {
    const res = await gql({ query: ITEM, variables: { id: 'partial' } });
    expect(res.body.data.item).toMatchObject({ id: 'partial', price: null });
    expect(res.body.errors[0]).toMatchObject({ path: ['item', 'price'] });
  });

  it('speaks automatic persisted queries: not found, then registered, then by hash alone', async () => {
    const sha256Hash = createHash('sha256').update(ITEMS).digest('hex');
    const extensions = { persistedQuery: { version: 1, sha256Hash } };
    const miss = await gql({ extensions });
    expect(miss.body).toEqual({ errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] });
    const register = await gql({ query: ITEMS, extensions });
    expect(register.body.data.items).toHaveLength(3);
    const hit = await gql({ extensions });
    expect(hit.body.data.items).toHaveLength(3);
    // Over GET too, as Apollo clients send APQ queries.
    const res = await fetch(`${server.url}/graphql?extensions=${encodeURIComponent(JSON.stringify(extensions))}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.headers.get('cache-control')).toBe('private, max-age=5');
    expect((await res.json()).data.items).toHaveLength(3);

    const wrong = await gql({ query: ME, extensions });
    expect(wrong.status).toBe(400);
  });
});
