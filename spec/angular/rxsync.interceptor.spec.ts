/**
 * @jest-environment jsdom
 */
import { initAngularTestEnvironment } from './angular-test-env';
import { HttpClient, HttpErrorResponse, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { of, VirtualTimeScheduler } from 'rxjs';
import { AuthError, memoryTokenStore, type ApiClientConfig } from 'rxsync';
import { RXSYNC_CLIENT, provideRxsync, rxsyncInterceptor, withRxsync } from 'rxsync/angular';

beforeAll(() => initAngularTestEnvironment());

let http: HttpClient;
let backend: HttpTestingController;
let scheduler: VirtualTimeScheduler;
let refreshes: string[];

function setUp(config: Partial<ApiClientConfig> = {}): void {
  scheduler = new VirtualTimeScheduler();
  refreshes = [];
  TestBed.configureTestingModule({
    providers: [
      provideHttpClient(withInterceptors([rxsyncInterceptor])),
      provideHttpClientTesting(),
      provideRxsync({
        baseUrl: 'https://api.test',
        scheduler,
        retry: { maxAttempts: 3, baseDelayMs: 1000 },
        auth: {
          tokens: memoryTokenStore({ accessToken: 'access-1', refreshToken: 'refresh-1' }),
          refresh: (refreshToken: string) => {
            refreshes.push(refreshToken);
            return of({ accessToken: 'access-2', refreshToken: 'refresh-2' });
          },
        },
        ...config,
      }),
    ],
  });
  http = TestBed.inject(HttpClient);
  backend = TestBed.inject(HttpTestingController);
}

function observe<T>(source: import('rxjs').Observable<T>) {
  const out = { values: [] as T[], error: undefined as unknown };
  source.subscribe({ next: (v) => out.values.push(v), error: (e: unknown) => (out.error = e) });
  return out;
}

afterEach(() => backend.verify());

describe('rxsyncInterceptor: rxsync’s cache, auth and retry for HttpClient', () => {
  it('adds the Bearer token to API requests only, and leaves other origins untouched', () => {
    setUp();
    const api = observe(http.get('https://api.test/items'));
    const apiReq = backend.expectOne('https://api.test/items');
    expect(apiReq.request.headers.get('authorization')).toBe('Bearer access-1');
    apiReq.flush([{ id: 1 }]);
    expect(api.values).toEqual([[{ id: 1 }]]);

    observe(http.get('https://elsewhere.test/x'));
    const other = backend.expectOne('https://elsewhere.test/x');
    expect(other.request.headers.has('authorization')).toBe(false);
    other.flush({});
  });

  it('answers a repeated GET from the rxsync cache: one request reaches the backend', () => {
    setUp();
    const first = observe(http.get('https://api.test/items'));
    backend.expectOne('https://api.test/items').flush([1, 2], { headers: { 'cache-control': 'max-age=60', 'content-type': 'application/json' } });
    const second = observe(http.get('https://api.test/items'));
    backend.expectNone('https://api.test/items');
    expect(first.values).toEqual([[1, 2]]);
    expect(second.values).toEqual([[1, 2]]);
  });

  it('takes per-request options from HttpContextTokens: network-only skips the cache', () => {
    setUp();
    observe(http.get('https://api.test/items'));
    backend.expectOne('https://api.test/items').flush([1], { headers: { 'cache-control': 'max-age=60' } });
    const fresh = observe(http.get('https://api.test/items', { context: withRxsync({ fetchPolicy: 'network-only' }) }));
    backend.expectOne('https://api.test/items').flush([2]);
    expect(fresh.values).toEqual([[2]]);
  });

  it('withRxsync(false) passes the request untouched (no token, no cache)', () => {
    setUp();
    observe(http.get('https://api.test/public', { context: withRxsync(false) }));
    const req = backend.expectOne('https://api.test/public');
    expect(req.request.headers.has('authorization')).toBe(false);
    req.flush({});
  });

  it('a 401 joins one refresh and is re-sent once with the new token', () => {
    setUp();
    const a = observe(http.get('https://api.test/a'));
    const b = observe(http.get('https://api.test/b'));
    backend.expectOne('https://api.test/a').flush(null, { status: 401, statusText: 'Unauthorized' });
    backend.expectOne('https://api.test/b').flush(null, { status: 401, statusText: 'Unauthorized' });
    const replayA = backend.expectOne('https://api.test/a');
    const replayB = backend.expectOne('https://api.test/b');
    expect(replayA.request.headers.get('authorization')).toBe('Bearer access-2');
    expect(replayB.request.headers.get('authorization')).toBe('Bearer access-2');
    replayA.flush({ a: 1 });
    replayB.flush({ b: 1 });
    expect(refreshes).toEqual(['refresh-1']);
    expect(a.values).toEqual([{ a: 1 }]);
    expect(b.values).toEqual([{ b: 1 }]);
  });

  it('retries a 503 after the backoff wait, on the client scheduler', () => {
    setUp();
    const out = observe(http.get('https://api.test/items'));
    backend.expectOne('https://api.test/items').flush('busy', { status: 503, statusText: 'Unavailable' });
    backend.expectNone('https://api.test/items');
    scheduler.maxFrames = 4_000;
    scheduler.flush();
    backend.expectOne('https://api.test/items').flush([1]);
    expect(out.values).toEqual([[1]]);
  });

  it('errors reach HttpClient callers as HttpErrorResponse: status and body kept, other rxsync errors typed in `error`', () => {
    setUp({
      retry: false,
      auth: { tokens: memoryTokenStore({ accessToken: 'a', refreshToken: 'r' }), refresh: () => Promise.reject(new Error('refresh down')) },
    });
    const notFound = observe(http.get('https://api.test/items/9'));
    backend
      .expectOne('https://api.test/items/9')
      .flush({ message: 'gone' }, { status: 404, statusText: 'Not Found', headers: { 'content-type': 'application/json' } });
    expect(notFound.error).toBeInstanceOf(HttpErrorResponse);
    expect((notFound.error as HttpErrorResponse).status).toBe(404);
    expect((notFound.error as HttpErrorResponse).error).toEqual({ message: 'gone' });

    const ended = observe(http.get('https://api.test/me'));
    backend.expectOne('https://api.test/me').flush(null, { status: 401, statusText: 'Unauthorized' });
    return Promise.resolve().then(() => {
      expect(ended.error).toBeInstanceOf(HttpErrorResponse);
      expect((ended.error as HttpErrorResponse).status).toBe(0);
      expect((ended.error as HttpErrorResponse).error).toBeInstanceOf(AuthError);
    });
  });

  it('shares the cache with client.get: an HttpClient call answers a later client.get', () => {
    setUp();
    observe(http.get('https://api.test/items'));
    backend.expectOne('https://api.test/items').flush([7], { headers: { 'cache-control': 'max-age=60' } });
    const viaClient = observe(TestBed.inject(RXSYNC_CLIENT).get('/items'));
    backend.expectNone('https://api.test/items');
    expect(viaClient.values).toEqual([[7]]);
  });
});
