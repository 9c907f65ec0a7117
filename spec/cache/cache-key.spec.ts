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
    ["rxsync's own token is not seen by the cache: absent matches absent", ['authorization'], {}, {}, true],
    ['an app-set Authorization is honoured (issue #7)', ['authorization'], { authorization: 'Bearer alice' }, { authorization: 'Bearer bob' }, false],
    ['the same app-set Authorization matches', ['authorization'], { authorization: 'Bearer alice' }, { authorization: 'Bearer alice' }, true],
    ['an app-set Authorization does not match its absence', ['authorization'], {}, { authorization: 'Bearer x' }, false],
    ['app cookies are honoured', ['cookie'], { cookie: 's=alice' }, { cookie: 's=bob' }, false],
    [
      'Accept-Language order and case are normalized (optional §4.1 normalization)',
      ['accept-language'],
      { 'accept-language': 'en-US, fr;q=0.5' },
      { 'accept-language': 'fr;q=0.5,en-us' },
      true,
    ],
    ['Accept-Language still differs by language', ['accept-language'], { 'accept-language': 'en' }, { 'accept-language': 'de' }, false],
    ['Vary: constructor (an Object.prototype member) is a header like any other', ['constructor'], {}, {}, true],
    ['Vary: __proto__ compares the request field', ['__proto__'], JSON.parse('{"__proto__":"a"}') as Record<string, string>, {}, false],
    ['Vary: toString with equal values', ['tostring'], { tostring: 'x' }, { tostring: 'x' }, true],
  ])('%s', (_rule, vary, storedRequest, request, matches) => {
    const stored = selectVaryHeaders(vary, storedRequest);
    expect(varyMatches(vary, stored, request)).toBe(matches);
  });

  it('never stores a credential, only its digest', () => {
    const selected = selectVaryHeaders(['authorization', 'cookie', 'proxy-authorization', 'accept'], {
      authorization: 'Bearer t0ken',
      cookie: 's=1',
      'proxy-authorization': 'p',
      accept: 'x',
    });
    expect({ ...selected }).toEqual({
      authorization: expect.stringMatching(/^h:[0-9a-f]{16}$/),
      cookie: expect.stringMatching(/^h:/),
      'proxy-authorization': expect.stringMatching(/^h:/),
      accept: 'x',
    });
    expect(JSON.stringify(selected)).not.toContain('t0ken');
  });

  it('keeps a Vary field named __proto__ as data: own, serializable, never a prototype', () => {
    const selected = selectVaryHeaders(['__proto__', 'constructor'], JSON.parse('{"__proto__":"v","constructor":"c"}') as Record<string, string>);
    expect(Object.keys(selected).sort()).toEqual(['__proto__', 'constructor']);
    const roundTripped = JSON.parse(JSON.stringify(selected)) as Record<string, string>;
    expect(varyMatches(['__proto__', 'constructor'], roundTripped, JSON.parse('{"__proto__":"v","constructor":"c"}') as Record<string, string>)).toBe(true);
  });
});
