import { cacheKey, parseCacheKey, selectVaryHeaders, varyMatches } from '../../lib/cache/cache-key';

describe('cacheKey', () => {
  it.each([
    ['user-1', 'GET', 'https://a.example/x?y=1', '6:user-1 GET https://a.example/x?y=1'],
    ['', 'HEAD', 'https://a.example/x#frag', '0: HEAD https://a.example/x'],
    ['a b:c GET https://evil', 'GET', 'https://a.example/', '22:a b:c GET https://evil GET https://a.example/'],
  ])('keys (%j, %s, %s) unambiguously', (partition, method, url, key) => {
    expect(cacheKey(partition, method, url)).toBe(key);
    expect(parseCacheKey(key)).toEqual({ partition, method, url: url.split('#')[0] });
  });

  it('rejects foreign keys', () => {
    expect(parseCacheKey('__rxsync_cache_index__')).toBeUndefined();
    expect(parseCacheKey('x:y')).toBeUndefined();
  });
});

describe('Vary (RFC 9111 §4.1)', () => {
  it.each([
    ['same value', ['accept'], { accept: 'a/b' }, { accept: 'a/b' }, true],
    ['different value', ['accept'], { accept: 'a/b' }, { accept: 'c/d' }, false],
    ['absent in both', ['accept'], {}, {}, true],
    ['present only now', ['accept'], {}, { accept: 'a/b' }, false],
    ['whitespace-normalized', ['accept'], { accept: 'a/b, c/d' }, { accept: 'a/b ,c/d ' }, true],
    ['* never matches', ['*'], {}, {}, false],
    ['authorization ignored (partition keys it)', ['authorization'], {}, { authorization: 'Bearer x' }, true],
  ])('%s', (_rule, vary, storedRequest, request, matches) => {
    const stored = selectVaryHeaders(vary, storedRequest);
    expect(varyMatches(vary, stored, request)).toBe(matches);
  });

  it('never selects credentials', () => {
    expect(selectVaryHeaders(['authorization', 'cookie', 'proxy-authorization', 'accept'], { authorization: 'Bearer t', cookie: 's=1', 'proxy-authorization': 'p', accept: 'x' })).toEqual({ accept: 'x' });
  });
});
