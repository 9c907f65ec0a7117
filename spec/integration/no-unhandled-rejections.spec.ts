import 'fake-indexeddb/auto';
import { catchError, firstValueFrom, lastValueFrom, of, take, timer } from 'rxjs';
import { createApiClient, isApiError, type ApiClient, type AuthTokens } from 'rxsync';
import { startDemoServer, type DemoServer } from '../../demo/server/index';
import { spawnSync } from 'node:child_process';

/** What a failed promise failed with: the error's class, whether it is an rxsync error, and its request. */
const failure = (p: Promise<unknown>) =>
  p.then(
    () => ({ name: 'ok' }),
    (e: unknown) => ({
      name: e instanceof Error ? e.name : typeof e,
      isApiError: isApiError(e),
      kind: isApiError(e) ? e.kind : undefined,
      url: isApiError(e) ? e.request.url : undefined,
    }),
  );
const afterTicks = () => new Promise((resolve) => setTimeout(resolve, 30));

describe('no unhandled rejection on any failure path (real fetch, real server)', () => {
  let server: DemoServer;
  let client: ApiClient;

  beforeAll(async () => {
    server = await startDemoServer({ seed: 7 });
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    server.setFaults({
      errorRate: 0,
      resetRate: 0,
      hangRate: 0,
      truncateRate: 0,
      captivePortalRate: 0,
      refreshFails: false,
      refreshGarbage: false,
      outage: false,
    });
    client = createApiClient({
      baseUrl: server.url,
      timeoutMs: 200,
      retry: { maxAttempts: 2, baseDelayMs: 5 },
      cache: { store: 'localforage', name: `unhandled-${Math.random()}` },
      auth: { refresh: (refreshToken) => client.post<AuthTokens>('/auth/refresh', { refreshToken }, { skipAuth: true }) },
    });
    client.auth?.setTokens(await server.issueTokens({ sub: 'ada' }));
  });

  it('the guard itself works: a test that leaves an unhandled rejection fails the run', () => {
    const run = spawnSync(
      process.execPath,
      ['node_modules/jest/bin/jest.js', '--roots', '<rootDir>/spec/integration/fixtures', '--testMatch', '**/*.fixture.ts', '--reporters', 'default'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/fetch failed/);
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ['a reset', { resetRate: 1 }, 'NetworkError', 'OutcomeUnknownError'],
    ['a hang (timeout, abort)', { hangRate: 1 }, 'TimeoutError', 'OutcomeUnknownError'],
    ['a body cut off', { truncateRate: 1 }, 'NetworkError', 'OutcomeUnknownError'],
    ['a captive portal page', { captivePortalRate: 1 }, 'ParseError', 'ParseError'],
    ['an outage', { outage: true }, 'HttpError', 'HttpError'],
  ])('%s ends in a typed error on the error channel', async (_name, faults, getError, postError) => {
    server.setFaults(faults);
    const get = await failure(lastValueFrom(client.get('/items/1')));
    const post = await failure(lastValueFrom(client.post('/items', { name: 'x', price: 1 })));
    // A typed rxsync error with its kind and the request it belongs to, not just "not ok".
    expect(get).toMatchObject({ name: getError, isApiError: true, url: `${server.url}/items/1` });
    expect(post).toMatchObject({ name: postError, isApiError: true, url: `${server.url}/items` });
    await afterTicks();
  });

  it('unsubscribing mid-flight, mid-timeout and mid-backoff leaves nothing behind', async () => {
    server.setFaults({ hangRate: 1 });
    client.get('/items/2').subscribe().unsubscribe();
    const s = client.get('/items/3').subscribe({ error: () => undefined });
    await afterTicks();
    s.unsubscribe();
    server.setFaults({ hangRate: 0, errorRate: 1 });
    await firstValueFrom(
      client.get('/items/4').pipe(
        take(1),
        catchError(() => of(null)),
      ),
    );
    await lastValueFrom(timer(50));
  });

  it('a refresh endpoint returning garbage ends the session with an AuthError', async () => {
    server.setFaults({ refreshGarbage: true });
    client.auth?.setTokens(await server.issueTokens({ sub: 'ada', expiresInSec: -10 }));
    expect(await failure(lastValueFrom(client.get('/items/5')))).toMatchObject({ name: 'AuthError', kind: 'auth', url: `${server.url}/items/5` });
    expect(client.auth?.currentTokens()).toBeNull();
  });
});
