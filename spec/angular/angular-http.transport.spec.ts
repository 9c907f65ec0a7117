/**
 * @jest-environment jsdom
 */
import { initAngularTestEnvironment } from './angular-test-env';
import { HttpRequest, provideHttpClient, withInterceptors, type HttpInterceptorFn } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { VirtualTimeScheduler } from 'rxjs';
import { HttpError, NetworkError, OutcomeUnknownError, ParseError, TimeoutError, type ApiClient, type ClientEvent } from 'rxsync';
import { RXSYNC_CLIENT, provideRxsync, withAngularHttp, type AngularHttpOptions } from 'rxsync/angular';

beforeAll(() => initAngularTestEnvironment());

const seenByInterceptor: string[] = [];
const recordingInterceptor: HttpInterceptorFn = (req, next) => {
  seenByInterceptor.push(`${req.method} ${req.urlWithParams}`);
  return next(req);
};

let scheduler: VirtualTimeScheduler;
let http: HttpTestingController;
let client: ApiClient;

function setUp(options: AngularHttpOptions = {}, retry: false | { maxAttempts: number; baseDelayMs: number } = false): void {
  seenByInterceptor.length = 0;
  scheduler = new VirtualTimeScheduler();
  TestBed.configureTestingModule({
    providers: [
      provideHttpClient(withInterceptors([recordingInterceptor])),
      provideHttpClientTesting(),
      provideRxsync({ baseUrl: 'https://api.test', cache: false, retry, timeoutMs: 5_000, scheduler }, withAngularHttp(options)),
    ],
  });
  http = TestBed.inject(HttpTestingController);
  client = TestBed.inject(RXSYNC_CLIENT);
}

/** Subscribes and records what arrives, errors included. */
function observe<T>(source: import('rxjs').Observable<T>) {
  const out = { values: [] as T[], error: undefined as unknown, completed: false };
  const subscription = source.subscribe({ next: (v) => out.values.push(v), error: (e: unknown) => (out.error = e), complete: () => (out.completed = true) });
  return { out, subscription };
}

afterEach(() => http.verify());

describe('rxsync over Angular HttpClient (withAngularHttp)', () => {
  it('sends through the app’s interceptors, so HttpTestingController answers rxsync requests', () => {
    setUp();
    const { out } = observe(client.get<Array<{ id: number }>>('/items', { params: { page: 2 } }));
    const req = http.expectOne('https://api.test/items?page=2');
    expect(req.request.method).toBe('GET');
    req.flush([{ id: 1 }], { headers: { 'content-type': 'application/json', etag: '"v1"' } });
    expect(out.values).toEqual([[{ id: 1 }]]);
    expect(out.completed).toBe(true);
    expect(seenByInterceptor).toEqual(['GET https://api.test/items?page=2']);
  });

  it("with via: 'backend' skips the app's interceptors", () => {
    setUp({ via: 'backend' });
    observe(client.get('/items'));
    http.expectOne('https://api.test/items').flush([]);
    expect(seenByInterceptor).toEqual([]);
  });

  it('sends JSON bodies with their content type and the idempotency key', () => {
    setUp();
    observe(client.post('/items', { title: 'x' }, { idempotencyKey: 'k-1' }));
    const req = http.expectOne('https://api.test/items');
    expect(req.request.body).toBe('{"title":"x"}');
    expect(req.request.headers.get('content-type')).toBe('application/json');
    expect(req.request.headers.get('idempotency-key')).toBe('k-1');
    req.flush({ id: 3 }, { status: 201, statusText: 'Created' });
  });

  it('unsubscribing cancels the Angular request', () => {
    setUp();
    const { subscription } = observe(client.get('/slow'));
    const req = http.expectOne('https://api.test/slow');
    subscription.unsubscribe();
    expect(req.cancelled).toBe(true);
  });

  it('times out per attempt on the client scheduler and cancels the Angular request', () => {
    setUp();
    const { out } = observe(client.get('/slow'));
    const req = http.expectOne('https://api.test/slow');
    scheduler.flush(); // virtual time: the 5 s timeout fires at once
    expect(out.error).toBeInstanceOf(TimeoutError);
    expect((out.error as TimeoutError).timeoutMs).toBe(5_000);
    expect(req.cancelled).toBe(true);
  });

  it('a non-2xx status is an HttpError with the decoded error body', () => {
    setUp();
    const { out } = observe(client.get('/items/9'));
    http
      .expectOne('https://api.test/items/9')
      .flush({ message: 'no such item' }, { status: 404, statusText: 'Not Found', headers: { 'content-type': 'application/json' } });
    expect(out.error).toBeInstanceOf(HttpError);
    expect((out.error as HttpError).status).toBe(404);
    expect((out.error as HttpError).body).toEqual({ message: 'no such item' });
  });

  it('an HTML page or an empty body where JSON was expected is a ParseError, never a success', () => {
    setUp();
    const html = observe(client.get('/items'));
    http.expectOne('https://api.test/items').flush('<html>captive portal</html>', { headers: { 'content-type': 'text/html' } });
    expect(html.out.error).toBeInstanceOf(ParseError);
    expect(html.out.values).toEqual([]);

    const empty = observe(client.get('/items'));
    http.expectOne('https://api.test/items').flush('', { headers: { 'content-type': 'application/json' } });
    expect(empty.out.error).toBeInstanceOf(ParseError);
  });

  it('no response (status 0) is a NetworkError of unknown outcome; a POST surfaces OutcomeUnknownError', () => {
    setUp();
    const get = observe(client.get('/items'));
    http.expectOne('https://api.test/items').error(new ProgressEvent('error'));
    expect(get.out.error).toBeInstanceOf(NetworkError);
    expect((get.out.error as NetworkError).outcome).toBe('unknown');

    const post = observe(client.post('/items', { title: 'x' }));
    http.expectOne('https://api.test/items').error(new ProgressEvent('error'));
    expect(post.out.error).toBeInstanceOf(OutcomeUnknownError);
  });

  it('while the browser says it is offline, a failed request was not sent', () => {
    setUp();
    const onLine = jest.spyOn(navigator, 'onLine', 'get').mockReturnValue(false);
    try {
      const { out } = observe(client.post('/items', { title: 'x' }));
      http.expectOne('https://api.test/items').error(new ProgressEvent('error'));
      expect(out.error).toBeInstanceOf(NetworkError);
      expect((out.error as NetworkError).outcome).toBe('not-sent');
    } finally {
      onLine.mockRestore();
    }
  });

  it('retries through Angular as through fetch (503, then 200), with waits on the client scheduler', () => {
    setUp({}, { maxAttempts: 3, baseDelayMs: 1000 });
    const { out } = observe(client.get('/items'));
    http.expectOne('https://api.test/items').flush('busy', { status: 503, statusText: 'Unavailable' });
    scheduler.maxFrames = 4_000; // past the backoff wait, before the second attempt's 5 s timeout
    scheduler.flush();
    http.expectOne('https://api.test/items').flush([1]);
    expect(out.values).toEqual([[1]]);
  });

  it('reports request-start and response events like the fetch transport', () => {
    setUp();
    const events: ClientEvent[] = [];
    client.events$.subscribe((e) => events.push(e));
    observe(client.get('/items'));
    http.expectOne('https://api.test/items').flush([]);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['request-start', 'response']));
  });

  it('builds a plain HttpRequest that asks Angular for text, so rxsync decodes the body', () => {
    setUp();
    observe(client.get('/items'));
    const req = http.expectOne('https://api.test/items');
    expect(req.request).toBeInstanceOf(HttpRequest);
    expect(req.request.responseType).toBe('text');
    req.flush([]);
  });
});
