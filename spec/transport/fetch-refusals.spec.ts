import { TestScheduler } from 'rxjs/testing';
import { createApiClient } from '../../lib/client';
import { createEnv } from '../../lib/core/env';
import { HttpError, OutcomeUnknownError, RequestError, TimeoutError } from '../../lib/core/errors';
import { headerValues } from '../../lib/core/headers';
import { createRequest, type ApiRequestInit } from '../../lib/core/request';
import type { FetchInit, FetchLike } from '../../lib/transport/fetch-like';
import { fetchTransport } from '../../lib/transport/fetch.transport';
import { settle, startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';

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

describe('requests fetch would refuse fail as RequestError before sending, and are not retried', () => {
  it.each<[string, Omit<ApiRequestInit, 'url'> & { url?: string }]>([
    ['a header value outside Latin-1 (fetch: ByteString)', { headers: { 'x-user': 'Zoë 🎉' } }],
    ['a URL with credentials', { url: 'https://user:secret@a.test/x' }],
    ['a GET with a body', { method: 'GET', body: { q: 1 } }],
    ['a HEAD with a body', { method: 'HEAD', body: 'x' }],
  ])('%s', async (_, init) => {
    const { fetch, calls } = fakeFetch();
    const { error } = await settle(fetchTransport(createEnv().env, { fetch })(createRequest({ url: 'https://a.test/x', ...init })));
    expect(error).toBeInstanceOf(RequestError);
    expect(calls).toHaveLength(0);
  });

  it('accepts Latin-1 header values, as fetch does', () => {
    const { fetch, calls } = fakeFetch();
    const subscription = fetchTransport(createEnv().env, { fetch })(
      createRequest({ url: 'https://a.test/x', headers: { 'x-user': 'Zoë Ångström' } }),
    ).subscribe();
    expect(calls).toHaveLength(1);
    subscription.unsubscribe();
  });

  it('a POST refused that way is never "outcome unknown", and a GET is not retried', async () => {
    let sent = 0;
    const fetch: FetchLike = () => {
      sent++;
      return Promise.reject(new TypeError('fetch failed'));
    };
    const client = createApiClient({ baseUrl: 'https://a.test', fetch, cache: false, retry: { baseDelayMs: 0, maxDelayMs: 0 } });
    const post = await settle(client.post('/x', { a: 1 }, { headers: { 'x-name': '名前' } }));
    expect(post.error).toBeInstanceOf(RequestError);
    expect(post.error).not.toBeInstanceOf(OutcomeUnknownError);
    const get = await settle(client.request({ method: 'GET', url: '/x', body: { a: 1 } }));
    expect(get.error).toBeInstanceOf(RequestError);
    expect(get.error).toMatchObject({ attempts: 1 });
    expect(sent).toBe(0);
  });
});

describe('timeoutMs beyond what a timer holds', () => {
  it('a timeoutMs above 2³¹−1 ms waits the longest a timer can, not 1 ms', () => {
    const scheduler = new TestScheduler(() => undefined);
    scheduler.maxFrames = Infinity;
    const { fetch } = fakeFetch();
    const errors: unknown[] = [];
    const subscription = fetchTransport(createEnv({ scheduler }).env, { fetch })(createRequest({ url: 'https://a.test/x', timeoutMs: 2 ** 40 })).subscribe({
      error: (e) => errors.push(e),
    });
    scheduler.flush(); // the TestScheduler runs every timer: the longest one, clamped, fires
    expect(errors[0]).toBeInstanceOf(TimeoutError);
    expect(scheduler.now()).toBe(2 ** 31 - 1);
    subscription.unsubscribe();
  });

  it('with real timers, a huge timeoutMs does not fire at once', async () => {
    const { fetch, calls } = fakeFetch();
    const errors: unknown[] = [];
    const subscription = fetchTransport(createEnv().env, { fetch, timeoutMs: 2 ** 33 })(createRequest({ url: 'https://a.test/x' })).subscribe({
      error: (e) => errors.push(e),
    });
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(errors).toEqual([]);
    expect(calls[0].init.signal.aborted).toBe(false);
    subscription.unsubscribe();
  });
});

describe('response headers and error bodies over real fetch (loopback)', () => {
  let server: LoopbackServer;
  const { env } = createEnv();
  const send = fetchTransport(env, { timeoutMs: 5_000 });

  beforeAll(async () => {
    server = await startLoopbackServer((r, res) => {
      if (r.url === '/cookies') {
        res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT']);
        res.setHeader('content-type', 'application/json');
        res.setHeader('x-multi', ['one', 'two']);
        return void res.end('{}');
      }
      if (r.url === '/denied') {
        res.setHeader('set-cookie', ['session=SECRET-COOKIE; HttpOnly']);
        res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
        res.setHeader('content-type', 'application/json');
        res.statusCode = 403;
        return void res.end('{"error":"forbidden"}');
      }
      if (r.url === '/binary-error') {
        res.writeHead(500, { 'content-type': 'application/x-protobuf' });
        return void res.end(Buffer.from([0xff, 0xfe, 0x00, 0x80]));
      }
      res.writeHead(404).end();
    });
  });
  afterAll(() => server.close());

  it('keeps every Set-Cookie field, and every value of another repeated field', async () => {
    const { values } = await settle(send(createRequest({ url: `${server.url}/cookies` })));
    const headers = (values[0] as { headers: Record<string, string> }).headers;
    expect(headerValues(headers, 'set-cookie')).toEqual(['a=1; Path=/', 'b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT']);
    expect(headers['x-multi']).toBe('one, two');
  });

  it('HttpError.headers leaves out Set-Cookie but keeps the rest', async () => {
    const { error } = await settle(send(createRequest({ url: `${server.url}/denied` })));
    expect(error).toBeInstanceOf(HttpError);
    const httpError = error as HttpError;
    expect(httpError.headers['set-cookie']).toBeUndefined();
    expect(httpError.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(JSON.stringify(httpError)).not.toContain('SECRET-COOKIE');
  });

  it('an error body that is not text keeps its raw bytes', async () => {
    const { error } = await settle(send(createRequest({ url: `${server.url}/binary-error` })));
    const body = (error as HttpError).body;
    expect(body).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(body as ArrayBuffer)]).toEqual([0xff, 0xfe, 0x00, 0x80]);
  });
});
