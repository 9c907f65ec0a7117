import { compileRoute, resolveCacheConfig } from '../../lib/cache/cache-config';

describe('TTL routes', () => {
  it.each([
    ['/items/*', 'https://api.example.com/items/1', true],
    ['/items/*', 'https://api.example.com/items/1?x=2', true],
    ['/items/*', 'https://api.example.com/items/1/parts', false],
    ['/items/**', 'https://api.example.com/items/1/parts', true],
    ['/items', 'https://api.example.com/items', true],
    ['/items', 'https://api.example.com/items/1', false],
    ['https://cdn.example.com/*', 'https://cdn.example.com/a.png', true],
    ['https://cdn.example.com/*', 'https://api.example.com/a.png', false],
  ])('%s matches %s: %s', (pattern, url, matches) => {
    expect(compileRoute(pattern)(url)).toBe(matches);
  });

  it('resolves the request TTL, then the first matching route, then the default', () => {
    const { ttlFor } = resolveCacheConfig({
      ttl: {
        defaultMs: 1,
        routes: [
          { pattern: '/a/*', ttlMs: 2 },
          { pattern: /\/a\//, ttlMs: 3 },
        ],
      },
    });
    expect(ttlFor('https://x/a/1', 9)).toBe(9);
    expect(ttlFor('https://x/a/1', undefined)).toBe(2);
    expect(ttlFor('https://x/b', undefined)).toBe(1);
    expect(resolveCacheConfig().ttlFor('https://x/b', undefined)).toBeUndefined();
  });

  it('defaults the memory tier to the persistent bounds', () => {
    expect(resolveCacheConfig({ maxEntries: 10, maxBytes: 20 }).memory).toEqual({ maxEntries: 10, maxBytes: 20 });
  });
});
