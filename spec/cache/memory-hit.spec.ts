import { VirtualTimeScheduler, firstValueFrom, from, lastValueFrom, of, switchMap, toArray } from 'rxjs';
import { createApiClient, memoryTokenStore, type ClientEvent, type ApiRequest, type ApiResponse, type Layer } from 'rxsync';
import { okResponse } from 'rxsync/testing';

const API = 'https://api.example.com';

/** A backend that records what reached it; every answer is fresh for 60 s unless told otherwise. */
function recording(cacheControl = 'max-age=60') {
  const seen: ApiRequest[] = [];
  let n = 0;
  return { seen, transport: (req: ApiRequest) => (seen.push(req), of(okResponse({ n: ++n }, { 'cache-control': cacheControl }))) };
}

/** The value a subscription got synchronously, or `'nothing yet'`. */
function syncValue<T>(source: { subscribe(observer: (value: T) => void): unknown }): T | 'nothing yet' {
  let value: T | 'nothing yet' = 'nothing yet';
  source.subscribe((v) => (value = v));
  return value;
}

// The client answers a memory hit itself when no app layer runs above the cache (the cache
// layer's `hit`). These pin that the shortcut answers exactly what the layers would, and steps
// aside whenever the layers have more to do.
describe('memory hit answered by the client', () => {
  it('answers a fresh hit synchronously, with the same response, event and no request', () => {
    const backend = recording();
    const client = createApiClient({ baseUrl: API, transport: backend.transport });
    const events: ClientEvent[] = [];
    client.events$.subscribe((e) => events.push(e));
    expect(syncValue(client.get('/a'))).toEqual({ n: 1 });
    events.length = 0;

    const first = syncValue(client.request({ method: 'GET', url: '/a' })) as ApiResponse;
    const second = syncValue(client.request({ method: 'GET', url: '/a' })) as ApiResponse;
    expect(first).toMatchObject({ status: 200, body: { n: 1 }, fromCache: true, stale: false });
    expect(first.headers.age).toBe('0');
    expect(second).toBe(first); // the same frozen response within one second of age
    expect(Object.isFrozen(first)).toBe(true);
    expect(backend.seen).toHaveLength(1);
    expect(events.filter((e) => e.type === 'cache-hit')).toEqual([
      expect.objectContaining({ type: 'cache-hit', method: 'GET', url: `${API}/a`, tier: 'memory', stale: false }),
      expect.objectContaining({ type: 'cache-hit', method: 'GET', url: `${API}/a`, tier: 'memory', stale: false }),
    ]);
  });

  it('steps aside once the entry is stale: the layers revalidate it', async () => {
    const scheduler = new VirtualTimeScheduler();
    const backend = recording('max-age=1');
    const client = createApiClient({ baseUrl: API, transport: backend.transport, scheduler });
    await firstValueFrom(client.get('/a'));
    scheduler.schedule(() => undefined, 2000);
    scheduler.flush(); // two seconds later
    expect(await firstValueFrom(client.get('/a'))).toEqual({ n: 2 });
    expect(backend.seen).toHaveLength(2);
  });

  it("steps aside for a policy that wants the network, and for the app's own conditional headers", async () => {
    const backend = recording();
    const client = createApiClient({ baseUrl: API, transport: backend.transport });
    await firstValueFrom(client.get('/a'));
    expect(await firstValueFrom(client.get('/a', { fetchPolicy: 'network-only' }))).toEqual({ n: 2 });
    expect(await lastValueFrom(client.get('/a', { fetchPolicy: 'cache-and-network' }).pipe(toArray()))).toEqual([{ n: 2 }, { n: 3 }]);
    await firstValueFrom(client.get('/a', { headers: { 'if-none-match': '"x"' } }));
    expect(backend.seen).toHaveLength(4);
  });

  it('an app layer above the cache still sees every request, hits included', async () => {
    const backend = recording();
    const seenByLayer: string[] = [];
    const outer: Layer = (req, next) => (seenByLayer.push(req.url), next(req));
    const client = createApiClient({ baseUrl: API, transport: backend.transport, layers: { outer: [outer] } });
    await firstValueFrom(client.get('/a'));
    const throughLayers = await firstValueFrom(client.request({ method: 'GET', url: '/a' }));
    expect(throughLayers).toMatchObject({ status: 200, body: { n: 1 }, fromCache: true, stale: false, headers: { age: '0' } });
    expect(seenByLayer).toEqual([`${API}/a`, `${API}/a`]);
    expect(backend.seen).toHaveLength(1);
  });

  it('waits like the layers do while the token store has not loaded (the user is not known yet)', async () => {
    const backend = recording();
    let release!: () => void;
    const loaded = new Promise<void>((resolve) => (release = resolve));
    const tokens = memoryTokenStore({ accessToken: 'a.b.c', refreshToken: 'r' });
    const slowStore = { ...tokens, load: () => from(loaded).pipe(switchMap(() => tokens.load())) };
    const client = createApiClient({ baseUrl: API, transport: backend.transport, auth: { tokens: slowStore } });
    const answer = firstValueFrom(client.get('/a'));
    expect(syncValue(client.get('/a'))).toBe('nothing yet');
    release();
    expect(await answer).toEqual({ n: 1 });
  });
});
