import { createApiClient, RequestContext, type AnyApiError } from 'rxsync';
import { createMockBackend } from 'rxsync/testing';
import { ContextToken } from '../../lib/core/context';
import { HttpError, RequestError, TimeoutError } from '../../lib/core/errors';
import type { RequestOptions } from '../../lib/client-config';
import { createTestScheduler } from '../helpers/marbles';
import { settle } from '../helpers/loopback-server';

const setup = () => {
  const backend = createMockBackend();
  const client = createApiClient({ baseUrl: 'https://api.test', transport: backend.handler, cache: false, retry: false });
  return { backend, client };
};

describe('the client sends each method as named, with its body', () => {
  it.each([
    ['put', 'PUT', { name: 'new' }],
    ['patch', 'PATCH', { name: 'patched' }],
    ['post', 'POST', { name: 'created' }],
  ] as const)('%s sends %s with the body and delivers the answer', (method, verb, body) => {
    const { backend, client } = setup();
    const seen: unknown[] = [];
    client[method]('/items/1', body).subscribe((value) => seen.push(value));
    const pending = backend.expectOne(`${verb} /items/1`);
    expect(pending.request.body).toEqual(body);
    pending.flush({ ok: verb });
    expect(seen).toEqual([{ ok: verb }]);
    backend.verify();
  });

  it('delete sends DELETE, without a body', () => {
    const { backend, client } = setup();
    const seen: unknown[] = [];
    client.delete('/items/1').subscribe((value) => seen.push(value));
    const pending = backend.expectOne('DELETE /items/1');
    expect(pending.request.body).toBeUndefined();
    pending.flush(null, { status: 204 });
    expect(seen).toEqual([null]);
    expect(backend.received.map((r) => r.method)).toEqual(['DELETE']);
  });

  it('put, patch and delete pass their options (headers, params)', () => {
    const { backend, client } = setup();
    client.put('/a', 1, { headers: { 'X-A': 'put' } }).subscribe();
    client.patch('/b', 2, { params: { v: 2 } }).subscribe();
    client.delete('/c', { headers: { 'X-C': 'delete' } }).subscribe();
    expect(backend.expectOne('PUT /a').request.headers['x-a']).toBe('put');
    backend.expectOne('PATCH /b?v=2');
    expect(backend.expectOne('DELETE /c').request.headers['x-c']).toBe('delete');
  });
});

describe('a per-request timeoutMs', () => {
  it('overrides the client timeout for that request only (virtual time)', () => {
    const rx = createTestScheduler();
    rx.run(({ expectObservable }) => {
      // The transport is the real one over a fetch that never answers.
      const fetch = () => new Promise<never>(() => undefined);
      const client = createApiClient({ baseUrl: 'https://api.test', fetch, cache: false, retry: false, timeoutMs: 10_000, scheduler: rx });
      const req = { method: 'GET' as const, url: 'https://api.test/slow' };
      expectObservable(client.get('/slow', { timeoutMs: 50 })).toBe('50ms #', undefined, new TimeoutError(req, 50));
      expectObservable(client.get('/slow')).toBe('10s #', undefined, new TimeoutError(req, 10_000));
    });
  });
});

describe('an invalid per-request option fails with a RequestError on the Observable', () => {
  it.each<[string, RequestOptions]>([
    ['timeoutMs as a string', { timeoutMs: '5000' as unknown as number }],
    ['a negative timeoutMs', { timeoutMs: -1 }],
    ['NaN timeoutMs', { timeoutMs: NaN }],
    ['an unknown responseType', { responseType: 'xml' as never }],
    ['an empty idempotencyKey', { idempotencyKey: '' }],
    ['an unknown fetchPolicy', { fetchPolicy: 'cache-maybe' as never }],
    ['a negative ttlMs', { ttlMs: -5 }],
    ['an invalid retry setting', { retry: { maxAttempts: 0 } }],
    ['skipAuth as a string', { skipAuth: 'yes' as unknown as boolean }],
    ['a context that is not a RequestContext', { context: {} as RequestContext }],
  ])('%s', async (_, options) => {
    const { backend, client } = setup();
    let thrown: unknown;
    let result: { error?: unknown } = {};
    try {
      result = await settle(client.get('/x', options));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeUndefined();
    expect(result.error).toBeInstanceOf(RequestError);
    expect(backend.received).toHaveLength(0);
  });

  it('client.request checks its spec the same way', async () => {
    const { backend, client } = setup();
    const { error } = await settle(client.request({ method: 'FETCH' as never, url: '/x' }));
    expect(error).toBeInstanceOf(RequestError);
    expect(backend.received).toHaveLength(0);
  });
});

describe('error kinds narrow in a switch (AnyApiError)', () => {
  it('case "http" gives error.status, case "auth" error.reason (type-checked by tsc)', async () => {
    const { backend, client } = setup();
    const described: string[] = [];
    client.get('/x').subscribe({
      error: (e: AnyApiError) => {
        switch (e.kind) {
          case 'http':
            described.push(`status ${e.status}`);
            break;
          case 'auth':
            described.push(`reason ${e.reason}`);
            break;
          case 'network':
            described.push(`outcome ${e.outcome}`);
            break;
          default:
            described.push(e.kind);
        }
      },
    });
    backend.expectOne('/x').error(418);
    expect(described).toEqual(['status 418']);
    expect(new HttpError({ method: 'GET', url: 'u' }, 500, {}, null).kind).toBe('http');
  });
});

describe('dedupe compares context values by type and value', () => {
  const TOKEN = new ContextToken<unknown>('custom', () => undefined);
  const ctx = (value: unknown) => RequestContext.empty().set(TOKEN, value);
  const dedupeClient = () => {
    const backend = createMockBackend();
    const client = createApiClient({ baseUrl: 'https://api.test', transport: backend.handler, cache: false, retry: false });
    return { backend, client };
  };

  it.each<[string, unknown, unknown, number]>([
    ['equal plain objects share', { page: 1 }, { page: 1 }, 1],
    ['plain objects with other content do not', { page: 1 }, { page: 2 }, 2],
    ['a number and its string do not', 1, '1', 2],
    ['undefined and "undefined" do not', undefined, 'undefined', 2],
    ['equal strings share', 'a', 'a', 1],
  ])('%s', (_, first, second, requests) => {
    const { backend, client } = dedupeClient();
    client.get('/x', { context: ctx(first) }).subscribe();
    client.get('/x', { context: ctx(second) }).subscribe();
    expect(backend.received).toHaveLength(requests);
  });

  it('class instances compare by identity: the same one shares, an equal other one does not', () => {
    class Tag {
      constructor(readonly name: string) {}
    }
    const tag = new Tag('a');
    const { backend, client } = dedupeClient();
    client.get('/x', { context: ctx(tag) }).subscribe();
    client.get('/x', { context: ctx(tag) }).subscribe();
    client.get('/x', { context: ctx(new Tag('a')) }).subscribe();
    expect(backend.received).toHaveLength(2);
  });
});
