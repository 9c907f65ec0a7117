import nock from 'nock';
import { firstValueFrom } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { RequestContext } from '../../lib/core/context';
import { BYPASS_PLATFORM_CACHE } from '../../lib/core/context-tokens';
import { createEnv } from '../../lib/core/env';
import { HttpError, NetworkError, OutcomeUnknownError, ParseError, RequestError, TimeoutError } from '../../lib/core/errors';
import { createRequest, type ApiRequestInit } from '../../lib/core/request';
import type { FetchInit, FetchLike } from '../../lib/transport/fetch-like';
import { fetchTransport } from '../../lib/transport/fetch.transport';
import { isJsonContentType } from '../../lib/core/content-type';
import { settle, startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';

describe('fetchTransport over real fetch (loopback server)', () => {
  let server: LoopbackServer;
  const { env } = createEnv();
  const send = fetchTransport(env, { timeoutMs: 5_000 });
  const req = (init: Omit<ApiRequestInit, 'url'> & { path: string }) => createRequest({ ...init, url: server.url + init.path });

  beforeAll(async () => {
    server = await startLoopbackServer((r, res, body) => {
      const path = r.url ?? '';
      const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(value));
      };
      if (path === '/item') return json(200, { id: 1, name: 'one' }, { etag: '"v1"' });
      if (path === '/echo') return json(200, { method: r.method, body: body ? JSON.parse(body) : null, contentType: r.headers['content-type'] ?? null });
      if (path === '/text') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
      if (path === '/binary') return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from([1, 2, 3]));
      if (path === '/no-content') return void res.writeHead(204).end();
      if (path === '/empty-json') return void res.writeHead(200, { 'content-type': 'application/json' }).end();
      if (path === '/malformed') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"id": 1,');
      if (path === '/portal') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Sign in to Wi-Fi</body></html>');
      if (path === '/missing') return json(404, { error: 'not_found' });
      if (path === '/crash') return void res.writeHead(500, { 'content-type': 'text/plain' }).end('boom');
      if (path === '/cut') {
        // Promise 1000 bytes, send a few, then drop the connection: a body cut off mid-transfer.
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"items": [1, 2');
        setTimeout(() => res.socket?.destroy(), 10);
        return;
      }
      if (path === '/reset') return void r.socket.destroy();
      res.writeHead(404).end();
    });
  });
  afterAll(() => server.close());

  it('sends nothing before subscribe, and one request per subscription (cold)', async () => {
    const before = server.requests.length;
    const item$ = send(req({ path: '/item' }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.requests.length).toBe(before);
    await firstValueFrom(item$);
    await firstValueFrom(item$);
    expect(server.requests.length).toBe(before + 2);
  });

  it('parses a JSON body and exposes status and lower-cased headers', async () => {
    const res = await firstValueFrom(send(req({ path: '/item' })));
    expect(res).toMatchObject({ status: 200, body: { id: 1, name: 'one' }, fromCache: false, stale: false });
    expect(res.headers['etag']).toBe('"v1"');
  });

  it('sends plain objects as JSON with their content type', async () => {
    const res = await firstValueFrom(send(req({ path: '/echo', method: 'PUT', body: { a: 1 } })));
    expect(res.body).toEqual({ method: 'PUT', body: { a: 1 }, contentType: 'application/json' });
  });

  it('reads text and binary bodies by content type', async () => {
    expect((await firstValueFrom(send(req({ path: '/text', responseType: 'auto' })))).body).toBe('hello');
    const binary = (await firstValueFrom(send(req({ path: '/binary', responseType: 'auto' })))).body as ArrayBuffer;
    expect([...new Uint8Array(binary)]).toEqual([1, 2, 3]);
  });

  it('accepts a 204 without a body', async () => {
    expect((await firstValueFrom(send(req({ path: '/no-content', method: 'DELETE' })))).body).toBeNull();
  });

  it.each([
    ['malformed JSON', '/malformed', '{"id": 1,'],
    ['an empty 200 that declares JSON', '/empty-json', ''],
    ['an HTML captive portal where JSON was expected', '/portal', '<html><body>Sign in to Wi-Fi</body></html>'],
  ])('fails with a ParseError carrying the raw text on %s', async (_name, path, raw) => {
    const { error } = await settle(send(req({ path })));
    expect(error).toBeInstanceOf(ParseError);
    expect(error).toMatchObject({ kind: 'parse', raw });
  });

  it('fails non-2xx with an HttpError carrying the parsed body', async () => {
    const { error } = await settle(send(req({ path: '/missing' })));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect((await settle(send(req({ path: '/crash' })))).error).toMatchObject({ status: 500, body: 'boom' });
  });

  it('fails a body cut off mid-transfer with a NetworkError whose outcome is unknown', async () => {
    const { error } = await settle(send(req({ path: '/cut' })));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ outcome: 'unknown' });
  });

  it('says the outcome of a POST is unknown when the connection dies after it was sent', async () => {
    const { error } = await settle(send(req({ path: '/reset', method: 'POST', body: { amount: 10 } })));
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect((error as OutcomeUnknownError).cause).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toMatch(/may have applied it/);
  });

  it('keeps a plain NetworkError for a POST that carries an idempotency key (it can be retried)', async () => {
    const { error } = await settle(send(req({ path: '/reset', method: 'POST', body: {}, idempotencyKey: 'k1' })));
    expect(error).toBeInstanceOf(NetworkError);
  });

  it('tells a request that never reached the server (connection refused) from one whose outcome is unknown', async () => {
    const closed = await startLoopbackServer(() => undefined);
    const url = closed.url;
    await closed.close();
    const { error } = await settle(send(createRequest({ method: 'POST', url: `${url}/orders`, body: {} })));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ outcome: 'not-sent' });
  });

  it.each([
    ['a CR LF in a value', { 'x-bad': 'a\r\nInjected: 1' }, 'invalid value for header x-bad'],
    ['a value outside Latin-1', { 'x-name': 'Zoë €' }, 'invalid value for header x-name'],
    // Undici refuses these without sending: unchecked, they looked like a network failure and were retried.
    ['a control character in a value', { 'x-ctl': 'a\u0001b' }, 'invalid value for header x-ctl'],
    ['DEL in a value', { 'x-del': 'a\u007fb' }, 'invalid value for header x-del'],
    ['a name that is not a token', { 'bad name': 'x' }, 'invalid header name'],
  ])("with the platform's fetch, %s ends in a RequestError (the request's fault, never retried) and sends nothing", async (_case, headers, detail) => {
    const before = server.requests.length;
    const { error } = await settle(send(req({ method: 'POST', path: '/echo', body: { a: 1 }, headers })));
    expect(error).toBeInstanceOf(RequestError);
    expect((error as RequestError).message).toContain(detail);
    expect(server.requests.length).toBe(before);
  });
});

describe('fetchTransport with nock', () => {
  const { env } = createEnv();
  const send = fetchTransport(env);
  afterEach(() => nock.cleanAll());

  it('is intercepted by nock 14 (fetch) and returns the mocked response', async () => {
    nock('https://api.example.com').get('/users/1').reply(200, { id: 1 });
    const res = await firstValueFrom(send(createRequest({ url: 'https://api.example.com/users/1' })));
    expect(res.body).toEqual({ id: 1 });
  });

  it('classifies a DNS failure as not sent', async () => {
    nock('https://api.example.com').get('/users/1').replyWithError({ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND' });
    const { error } = await settle(send(createRequest({ url: 'https://api.example.com/users/1' })));
    expect(error).toMatchObject({ kind: 'network', outcome: 'not-sent' });
  });
});

describe('fetchTransport with a fake fetch and virtual time', () => {
  interface Call {
    url: string;
    init: FetchInit;
    resolve: (res: Response) => void;
  }
  function fakeFetch(): { fetch: FetchLike; calls: Call[] } {
    const calls: Call[] = [];
    const fetch: FetchLike = (url, init) =>
      new Promise((resolve, reject) => {
        calls.push({ url, init, resolve: resolve });
        init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    return { fetch, calls };
  }
  const flushPromises = () => new Promise((resolve) => setImmediate(resolve));

  it('aborts the fetch when the subscriber unsubscribes', () => {
    const { fetch, calls } = fakeFetch();
    const subscription = fetchTransport(createEnv().env, { fetch })
      .call(null, createRequest({ url: 'https://a.test/x' }))
      .subscribe();
    expect(calls[0].init.signal.aborted).toBe(false);
    subscription.unsubscribe();
    expect(calls[0].init.signal.aborted).toBe(true);
  });

  it('gives every request a signal of its own: aborting one (the made-ahead controllers) touches no other', () => {
    const { fetch, calls } = fakeFetch();
    const send = fetchTransport(createEnv().env, { fetch });
    const first = send(createRequest({ url: 'https://a.test/1' })).subscribe();
    const second = send(createRequest({ url: 'https://a.test/2' })).subscribe();
    first.unsubscribe();
    const third = send(createRequest({ url: 'https://a.test/3' })).subscribe();
    const signals = calls.map((call) => call.init.signal);
    expect(new Set(signals).size).toBe(3);
    expect(signals.map((signal) => signal.aborted)).toEqual([true, false, false]);
    second.unsubscribe();
    third.unsubscribe();
    expect(signals.every((signal) => signal.aborted)).toBe(true);
  });

  it('arms the timeout only once fetch took the request: a fetch that throws leaves no timer behind', () => {
    const scheduler = new TestScheduler(() => undefined);
    const throwing: FetchLike = () => {
      throw new TypeError('refused');
    };
    const errors: unknown[] = [];
    fetchTransport(createEnv({ scheduler }).env, { fetch: throwing, timeoutMs: 100 })(createRequest({ url: 'https://a.test/x' })).subscribe({
      error: (e) => errors.push(e),
    });
    expect(errors[0]).toBeInstanceOf(RequestError);
    expect(scheduler.actions).toHaveLength(0);
  });

  it('does not abort a fetch that already completed', async () => {
    const { fetch, calls } = fakeFetch();
    const subscription = fetchTransport(createEnv().env, { fetch })(createRequest({ url: 'https://a.test/x' })).subscribe();
    calls[0].resolve(new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } }));
    await flushPromises();
    subscription.unsubscribe();
    expect(calls[0].init.signal.aborted).toBe(false);
  });

  it('times out on the injected scheduler, aborts the fetch and errors with TimeoutError', async () => {
    const scheduler = new TestScheduler(() => undefined);
    const { fetch, calls } = fakeFetch();
    const send = fetchTransport(createEnv({ scheduler }).env, { fetch, timeoutMs: 100 });
    const errors: unknown[] = [];
    send(createRequest({ url: 'https://a.test/slow' })).subscribe({ error: (e) => errors.push(e) });
    scheduler.flush(); // virtual time runs to the timeout: no real waiting
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TimeoutError);
    expect(errors[0]).toMatchObject({ timeoutMs: 100 });
    expect(calls[0].init.signal.aborted).toBe(true);
    await flushPromises(); // the aborted fetch's rejection is handled, not left unhandled
  });

  it('clears the timeout when the response arrives', async () => {
    const scheduler = new TestScheduler(() => undefined);
    const { fetch, calls } = fakeFetch();
    const values: unknown[] = [];
    const errors: unknown[] = [];
    fetchTransport(createEnv({ scheduler }).env, { fetch, timeoutMs: 100 })(createRequest({ url: 'https://a.test/x', responseType: 'text' })).subscribe({
      next: (v) => values.push(v),
      error: (e) => errors.push(e),
    });
    calls[0].resolve(new Response('fine'));
    await flushPromises();
    scheduler.flush();
    expect(values).toHaveLength(1);
    expect(errors).toHaveLength(0);
  });

  it('rejects an invalid header with a RequestError and sends nothing', async () => {
    const { fetch, calls } = fakeFetch();
    const { error } = await settle(
      fetchTransport(createEnv().env, { fetch })(createRequest({ url: 'https://a.test/x', headers: { 'x-bad': 'a\r\nInjected: 1' } })),
    );
    expect(error).toBeInstanceOf(RequestError);
    expect(calls).toHaveLength(0);
  });

  it('rejects a body that cannot be serialized with a RequestError', async () => {
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    const { fetch, calls } = fakeFetch();
    const { error } = await settle(fetchTransport(createEnv().env, { fetch })(createRequest({ method: 'POST', url: 'https://a.test/x', body: circular })));
    expect(error).toBeInstanceOf(RequestError);
    expect(calls).toHaveLength(0);
  });

  it("asks fetch for cache: 'no-store' when the cache layer owns the request and fetch has an HTTP cache (browsers)", () => {
    const { fetch, calls } = fakeFetch();
    const context = RequestContext.empty().set(BYPASS_PLATFORM_CACHE, true);
    const subscription = fetchTransport(createEnv().env, { fetch, platformHttpCache: true })(createRequest({ url: 'https://a.test/x', context })).subscribe();
    expect(calls[0].init.cache).toBe('no-store');
    subscription.unsubscribe();
  });

  it("leaves fetch's cache mode alone where fetch has no HTTP cache (Node), sparing CDNs the no-cache headers no-store adds", () => {
    const { fetch, calls } = fakeFetch();
    const context = RequestContext.empty().set(BYPASS_PLATFORM_CACHE, true);
    const subscription = fetchTransport(createEnv().env, { fetch })(createRequest({ url: 'https://a.test/x', context })).subscribe();
    expect(calls[0].init.cache).toBeUndefined();
    subscription.unsubscribe();
  });

  it('delivers a 304 as a response (the cache layer merges it), not as an error', async () => {
    const { fetch, calls } = fakeFetch();
    const result = settle(fetchTransport(createEnv().env, { fetch })(createRequest({ url: 'https://a.test/x', headers: { 'if-none-match': '"v1"' } })));
    calls[0].resolve(new Response(null, { status: 304, headers: { etag: '"v1"' } }));
    expect(await result).toMatchObject({ values: [{ status: 304, body: null }] });
  });
});

describe('isJsonContentType', () => {
  it.each([
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['Application/JSON', true],
    ['application/problem+json', true],
    ['application/vnd.api+json;charset=utf-8', true],
    [' application/json ', true],
    ['application/jsonp', false],
    ['text/json-seq', false],
    ['text/html', false],
    ['application/json-patch', false],
  ])('%s → %s', (contentType, expected) => {
    expect(isJsonContentType(contentType)).toBe(expected);
  });
});

describe('the method in the fetch init', () => {
  const okFetch =
    (inits: FetchInit[]): FetchLike =>
    async (_url, init) => {
      inits.push(init);
      return { status: 200, url: 'https://api.example.com/a', headers: new Headers(), text: async () => '', arrayBuffer: async () => new ArrayBuffer(0) };
    };

  it("is left out of a GET to the platform's fetch (its default), kept for every other method", async () => {
    const inits: FetchInit[] = [];
    const original = globalThis.fetch;
    globalThis.fetch = okFetch(inits) as unknown as typeof fetch;
    try {
      const send = fetchTransport(createEnv().env);
      await firstValueFrom(send(createRequest({ method: 'GET', url: 'https://api.example.com/a' })));
      await firstValueFrom(send(createRequest({ method: 'DELETE', url: 'https://api.example.com/a' })));
    } finally {
      globalThis.fetch = original;
    }
    expect(inits.map((init) => init.method)).toEqual([undefined, 'DELETE']);
  });

  it('is always given to a fetch passed in config, as FetchInit promises', async () => {
    const inits: FetchInit[] = [];
    const send = fetchTransport(createEnv().env, { fetch: okFetch(inits) });
    await firstValueFrom(send(createRequest({ method: 'GET', url: 'https://api.example.com/a' })));
    expect(inits.map((init) => init.method)).toEqual(['GET']);
  });
});
