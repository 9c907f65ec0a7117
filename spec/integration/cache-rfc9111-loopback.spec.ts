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
});
