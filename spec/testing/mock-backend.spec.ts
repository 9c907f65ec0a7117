import { createApiClient, HttpError } from 'rxsync';
import { createMockBackend, sequenceHandler, okResponse } from 'rxsync/testing';
import { of } from 'rxjs';
import { createRequest } from '../../lib/core/request';

describe('createMockBackend', () => {
  const setup = () => {
    const backend = createMockBackend();
    const client = createApiClient({ baseUrl: 'https://api.test', transport: backend.handler, cache: false, retry: false });
    return { backend, client };
  };

  it('holds requests until the test answers them, then delivers the body', () => {
    const { backend, client } = setup();
    const seen: unknown[] = [];
    client.get('/items', { params: { page: 2 } }).subscribe((items) => seen.push(items));
    expect(seen).toEqual([]);
    backend.expectOne('GET /items?page=2').flush([{ id: 1 }]);
    expect(seen).toEqual([[{ id: 1 }]]);
    backend.verify();
  });

  it('turns an error status into an HttpError with the body', () => {
    const { backend, client } = setup();
    let error: unknown;
    client.get('/items/9').subscribe({ error: (e: unknown) => (error = e) });
    backend.expectOne('/items/9').error(404, { body: { error: 'not_found' } });
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 404, body: { error: 'not_found' } });
  });

  it('reports cancelled requests and removes them from the open list', () => {
    const { backend, client } = setup();
    const subscription = client.get('/slow').subscribe();
    const pending = backend.expectOne('/slow');
    subscription.unsubscribe();
    expect(pending.cancelled).toBe(true);
    backend.expectNone('/slow');
    backend.verify();
  });

  it('fails expectOne and verify with the list of requests actually open', () => {
    const { backend, client } = setup();
    client.get('/a').subscribe();
    client.post('/b', { x: 1 }).subscribe();
    expect(() => backend.expectOne('GET /c')).toThrow('open requests: GET https://api.test/a, POST https://api.test/b');
    expect(() => backend.verify()).toThrow('unanswered requests: GET https://api.test/a, POST https://api.test/b');
    expect(backend.received.map((r) => r.method)).toEqual(['GET', 'POST']);
  });

  it('matches with a predicate', () => {
    const { backend, client } = setup();
    client.post('/orders', { total: 3 }, { idempotencyKey: 'k1' }).subscribe();
    const [order] = backend.match((req) => req.headers['idempotency-key'] === 'k1');
    expect(order?.request.body).toEqual({ total: 3 });
    order?.flush({ id: 7 }, { status: 201 });
    backend.verify();
  });
});

describe('sequenceHandler', () => {
  it('gives the nth subscription the nth source and records each request', () => {
    const handler = sequenceHandler(of(okResponse('first')), of(okResponse('second')));
    const req = createRequest({ url: 'https://api.test/x' });
    const bodies: unknown[] = [];
    handler(req).subscribe((r) => bodies.push(r.body));
    handler(req).subscribe((r) => bodies.push(r.body));
    expect(bodies).toEqual(['first', 'second']);
    expect(handler.requests).toHaveLength(2);
  });

  it('errors, listing the requests seen, when more attempts come than were scripted', () => {
    const handler = sequenceHandler(of(okResponse(1)));
    const req = createRequest({ url: 'https://api.test/x' });
    handler(req).subscribe();
    let error: unknown;
    handler(req).subscribe({ error: (e: unknown) => (error = e) });
    expect(String(error)).toContain('attempt 2 was not scripted');
    expect(String(error)).toContain('GET https://api.test/x');
  });
});

describe('createMockBackend: flush with an error status', () => {
  it('flush(body, { status: 500 }) errors with an HttpError carrying the body, as HttpTestingController does', () => {
    const backend = createMockBackend();
    const client = createApiClient({ baseUrl: 'https://api.test', transport: backend.handler, cache: false, retry: false });
    const values: unknown[] = [];
    let error: unknown;
    client.get('/items').subscribe({ next: (v) => values.push(v), error: (e: unknown) => (error = e) });
    backend.expectOne('/items').flush({ message: 'down' }, { status: 500, headers: { 'X-Trace': '7' } });
    expect(values).toEqual([]);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({
      status: 500,
      body: { message: 'down' },
      headers: { 'x-trace': '7' },
      request: { method: 'GET', url: 'https://api.test/items' },
    });
  });

  it('flush with 204 or 304 is still a response', () => {
    const backend = createMockBackend();
    const seen: number[] = [];
    backend.handler(createRequest({ url: 'https://api.test/a' })).subscribe((r) => seen.push(r.status));
    backend.expectOne('/a').flush(null, { status: 204 });
    expect(seen).toEqual([204]);
  });
});
