import { lastValueFrom } from 'rxjs';
import { createApiClient, type ApiClient } from 'rxsync';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';

// RFC 9111 rules of issue #12 through the whole client over real fetch: what reaches the server.

describe('RFC 9111 over real fetch (loopback server)', () => {
  let server: LoopbackServer;
  let client: ApiClient;

  beforeAll(async () => {
    server = await startLoopbackServer((req, res) => {
      const language = String(req.headers['accept-language'] ?? 'none');
      if (req.url === '/greeting' && req.method === 'POST') return void res.writeHead(204).end();
      if (req.url === '/doc') {
        // GET: stale at once (max-age=0) but revalidatable; HEAD: the same representation, fresh for 10 minutes.
        const cacheControl = req.method === 'HEAD' ? 'max-age=600' : 'max-age=0';
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': cacheControl, etag: '"doc-1"', 'content-length': '12' });
        return void res.end(req.method === 'HEAD' ? undefined : '{"doc":"v1"}');
      }
      if (req.url === '/greeting') {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=600', vary: 'Accept-Language' });
        return void res.end(JSON.stringify({ greeting: language === 'fr' ? 'bonjour' : language === 'de' ? 'hallo' : 'hello' }));
      }
      res.writeHead(404).end();
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    client = createApiClient({ baseUrl: server.url, retry: false });
  });

  const greet = (language: string): Promise<unknown> => lastValueFrom(client.get('/greeting', { headers: { 'Accept-Language': language } }));

  it('keeps both language variants of one URL and answers each from the cache (§4.1)', async () => {
    expect(await greet('fr')).toEqual({ greeting: 'bonjour' });
    expect(await greet('de')).toEqual({ greeting: 'hallo' });
    expect(await greet('fr')).toEqual({ greeting: 'bonjour' });
    expect(await greet('DE')).toEqual({ greeting: 'hallo' });
    expect(server.requests.map((r) => r.headers['accept-language'])).toEqual(['fr', 'de']);
  });

  it('forgets every variant after a successful unsafe request to the URL, or invalidate() (§4.4)', async () => {
    await greet('fr');
    await greet('de');
    await lastValueFrom(client.post('/greeting', { greeting: 'salut' }));
    await greet('fr');
    await greet('de');
    await greet('fr');
    await lastValueFrom(client.cache.invalidate('/greeting'));
    await greet('de');
    await greet('fr');
    const seen = server.requests.map((r) => (r.method === 'GET' ? String(r.headers['accept-language']) : r.method));
    expect(seen).toEqual(['fr', 'de', 'POST', 'fr', 'de', 'de', 'fr']);
  });

  it('answers a HEAD from a fresh stored GET response without asking the server (§4.3.5)', async () => {
    await greet('fr');
    const head = await lastValueFrom(client.request({ method: 'HEAD', url: '/greeting', headers: { 'Accept-Language': 'fr' } }));
    expect(head).toMatchObject({ status: 200, body: null, fromCache: true });
    expect(head.headers['content-type']).toBe('application/json');
    expect(server.requests.map((r) => r.method)).toEqual(['GET']);
  });

  it('freshens a stale stored GET response from a 200 to HEAD with the same ETag: the next GET is a hit (§4.3.5)', async () => {
    expect(await lastValueFrom(client.get('/doc'))).toEqual({ doc: 'v1' });
    const head = await lastValueFrom(client.request({ method: 'HEAD', url: '/doc' }));
    expect(head).toMatchObject({ status: 200, fromCache: false });
    const again = await lastValueFrom(client.request({ method: 'GET', url: '/doc' }));
    expect(again).toMatchObject({ body: { doc: 'v1' }, fromCache: true });
    expect(again.headers['cache-control']).toBe('max-age=600');
    expect(server.requests.map((r) => r.method)).toEqual(['GET', 'HEAD']);
  });
});
