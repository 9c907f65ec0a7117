import { firstValueFrom } from 'rxjs';
import { createApiClient } from '../../lib/client';
import { lazyHeadersResponse, responseHeader } from '../../lib/core/response';
import { headerMapFromFetch } from '../../lib/core/headers';
import type { FetchLike, FetchResponseLike } from '../../lib/transport/fetch-like';

/** Real fetch Headers whose iteration is counted: iterating is what the lazy map saves. */
function countedHeaders(init: Array<[string, string]>): { headers: Headers; iterations: () => number } {
  const headers = new Headers(init);
  let iterations = 0;
  const forEach = headers.forEach.bind(headers);
  headers.forEach = (cb) => {
    iterations++;
    forEach(cb);
  };
  return { headers, iterations: () => iterations };
}

const FIELDS: Array<[string, string]> = [
  ['Content-Type', 'application/json'],
  ['Cache-Control', 'no-store'],
  ['X-Trace', 'a'],
  ['x-trace', 'b'],
  ['Set-Cookie', 'a=1'],
  ['Set-Cookie', 'b=2'],
];

describe('a response header map built on first read', () => {
  it('is the map the eager reader builds, built once, and a plain copy for spread, JSON and structuredClone', () => {
    const counted = countedHeaders(FIELDS);
    const res = lazyHeadersResponse({ status: 200, body: 1, url: 'u', fromCache: false, stale: false, requestTime: 7 }, counted.headers, headerMapFromFetch);
    expect(counted.iterations()).toBe(0);
    expect(res.headers).toEqual(headerMapFromFetch(new Headers(FIELDS)));
    expect(res.headers['set-cookie']).toBe('a=1\nb=2');
    expect(res.headers).toBe(res.headers);
    expect(counted.iterations()).toBe(1);
    expect({ ...res }.headers).toBe(res.headers);
    expect(JSON.parse(JSON.stringify(res)).headers['x-trace']).toBe('a, b');
    expect(structuredClone(res)).toEqual({ status: 200, headers: res.headers, body: 1, url: 'u', fromCache: false, stale: false, requestTime: 7 });
    expect(Object.keys(res)).toEqual(['status', 'body', 'url', 'fromCache', 'stale', 'requestTime', 'headers']);
  });

  it('answers one field without building the map, set-cookie from the map', () => {
    const counted = countedHeaders(FIELDS);
    const res = lazyHeadersResponse({ status: 200, body: 1, url: 'u', fromCache: false, stale: false, requestTime: 7 }, counted.headers, headerMapFromFetch);
    expect([responseHeader(res, 'cache-control'), responseHeader(res, 'x-trace'), responseHeader(res, 'vary')]).toEqual(['no-store', 'a, b', undefined]);
    expect(counted.iterations()).toBe(0);
    expect(responseHeader(res, 'set-cookie')).toBe('a=1\nb=2');
    expect(responseHeader({ headers: { etag: '"1"' } }, 'etag')).toBe('"1"'); // a plain response
  });

  it('through the client: get() of an uncacheable response never iterates its headers; request() shows them all', async () => {
    let last: ReturnType<typeof countedHeaders> | undefined;
    const fetch: FetchLike = async () => {
      last = countedHeaders(FIELDS);
      return { status: 200, url: 'https://api.example.com/a', headers: last.headers, text: async () => '{"a":1}', arrayBuffer: async () => new ArrayBuffer(0) };
    };
    const client = createApiClient({ baseUrl: 'https://api.example.com', fetch });
    await expect(firstValueFrom(client.get('/a'))).resolves.toEqual({ a: 1 });
    expect(last?.iterations()).toBe(0);
    const res = await firstValueFrom(client.request({ url: '/a' }));
    expect(res.headers).toMatchObject({ 'content-type': 'application/json', 'cache-control': 'no-store', 'x-trace': 'a, b' });
    expect(last?.iterations()).toBe(1);
  });
});

describe('headers that are not fetch Headers (a native bridge, a test double): read at once, as before', () => {
  /** Names as sent; forEach yields them, get() is case-sensitive. */
  const nativeHeaders = (raw: Record<string, string>): FetchResponseLike['headers'] => ({
    get: (name) => raw[name] ?? null,
    forEach: (cb) => Object.entries(raw).forEach(([k, v]) => cb(v, k)),
  });
  const answer = (headers: FetchResponseLike['headers'], body: string): FetchResponseLike => ({
    status: 200,
    url: 'https://api.example.com/a',
    headers,
    text: async () => body,
    arrayBuffer: async () => new ArrayBuffer(0),
  });

  it('a Content-Type in its original case still selects JSON', async () => {
    const fetch: FetchLike = async () => answer(nativeHeaders({ 'Content-Type': 'application/json' }), '{"a":1}');
    const client = createApiClient({ baseUrl: 'https://api.example.com', fetch, cache: false });
    await expect(firstValueFrom(client.get('/a'))).resolves.toEqual({ a: 1 });
  });

  it('a network-only no-store answer still evicts the stored Vary variant', async () => {
    let n = 0;
    const fetch: FetchLike = async () => {
      n++;
      const headers = nativeHeaders({ 'Content-Type': 'application/json', 'Cache-Control': n === 1 ? 'max-age=600' : 'no-store', Vary: 'Accept' });
      return answer(headers, JSON.stringify({ v: n }));
    };
    const client = createApiClient({ baseUrl: 'https://api.example.com', fetch });
    const h = { headers: { accept: 'application/json' } };
    await expect(firstValueFrom(client.get('/a', h))).resolves.toEqual({ v: 1 });
    await expect(firstValueFrom(client.get('/a', { ...h, fetchPolicy: 'network-only' }))).resolves.toEqual({ v: 2 });
    await expect(firstValueFrom(client.get('/a', h))).resolves.toEqual({ v: 3 });
  });

  it('headers with forEach only, all the transport needed before, still work', async () => {
    const headers = { forEach: (cb: (v: string, n: string) => void) => cb('application/json', 'content-type') };
    const fetch = (async () => answer(headers as unknown as FetchResponseLike['headers'], '{"a":1}')) as FetchLike;
    const client = createApiClient({ baseUrl: 'https://api.example.com', fetch, cache: false });
    await expect(firstValueFrom(client.get('/a'))).resolves.toEqual({ a: 1 });
  });
});
