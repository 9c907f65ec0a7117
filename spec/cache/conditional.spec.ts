import { RequestContext } from '../../lib/core/context';
import type { ApiRequest } from '../../lib/core/request';
import { hasAppConditionals, headFreshens, mergeNotModified, notModifiedMatches, withValidators } from '../../lib/cache/conditional';

const req: ApiRequest = { method: 'GET', url: 'https://a.example/x', headers: { accept: 'a/b' }, responseType: 'auto', context: RequestContext.empty() };

describe('conditional requests (RFC 9111 §4.3)', () => {
  it('adds If-None-Match and If-Modified-Since from the stored validators (§4.3.1)', () => {
    expect(withValidators(req, { etag: '"1"', 'last-modified': 'Wed, 01 Jan 2025 00:00:00 GMT' }).headers).toEqual({
      accept: 'a/b',
      'if-none-match': '"1"',
      'if-modified-since': 'Wed, 01 Jan 2025 00:00:00 GMT',
    });
    expect(req.headers).toEqual({ accept: 'a/b' });
  });

  it.each([
    ['same strong tag', { etag: '"1"' }, { etag: '"1"' }, true],
    ['weak tag against strong (weak comparison)', { etag: '"1"' }, { etag: 'W/"1"' }, true],
    ['another tag', { etag: '"1"' }, { etag: '"2"' }, false],
    ['a tag we never had', { 'last-modified': 'x' }, { etag: '"2"' }, false],
    ['same Last-Modified', { 'last-modified': 'x' }, { 'last-modified': 'x' }, true],
    ['another Last-Modified', { 'last-modified': 'x' }, { 'last-modified': 'y' }, false],
    ['no validator in the 304 (one stored response)', { etag: '"1"' }, {}, true],
  ])('a 304 with %s matches: %s (§4.3.4)', (_rule, stored, notModified, matches) => {
    expect(notModifiedMatches(stored, notModified)).toBe(matches);
  });

  const LM = 'Wed, 01 Jan 2025 00:00:00 GMT';
  it.each([
    ['the same ETag', { etag: '"1"' }, { etag: '"1"' }, true],
    ['the same ETag, weak (weak comparison, as for a 304)', { etag: 'W/"1"' }, { etag: 'W/"1"' }, true],
    ['another ETag', { etag: '"1"' }, { etag: '"2"' }, false],
    ['an ETag the stored response lacks', { 'last-modified': LM }, { etag: '"1"' }, false],
    ['the same Last-Modified', { 'last-modified': LM }, { 'last-modified': LM }, true],
    ['another Last-Modified', { 'last-modified': LM }, { 'last-modified': 'Thu, 02 Jan 2025 00:00:00 GMT' }, false],
    [
      'the same ETag but another Last-Modified (every validator received must match)',
      { etag: '"1"', 'last-modified': LM },
      { etag: '"1"', 'last-modified': 'x' },
      false,
    ],
    ['no validator at all (nothing shows it is the same representation)', { etag: '"1"' }, {}, false],
    ['matching validators and the same Content-Length', { etag: '"1"', 'content-length': '10' }, { etag: '"1"', 'content-length': '10' }, true],
    ['matching validators but another Content-Length', { etag: '"1"', 'content-length': '10' }, { etag: '"1"', 'content-length': '11' }, false],
    ['matching validators, no Content-Length in the HEAD response', { etag: '"1"', 'content-length': '10' }, { etag: '"1"' }, true],
  ])('a 200 to HEAD with %s freshens the stored GET response: %s, else it is stale (§4.3.5)', (_rule, stored, head, freshens) => {
    expect(headFreshens(stored, head)).toBe(freshens);
  });

  it('merges a 304: replaces, adds, keeps the body framing and drops the old Age (§3.2)', () => {
    expect(
      mergeNotModified(
        { etag: '"1"', 'cache-control': 'max-age=1', 'content-length': '10', 'content-type': 'text/plain', age: '100', 'x-a': '1' },
        { 'cache-control': 'max-age=60', 'content-length': '0', 'x-b': '2', date: 'D' },
      ),
    ).toEqual({ etag: '"1"', 'cache-control': 'max-age=60', 'content-length': '10', 'content-type': 'text/plain', 'x-a': '1', 'x-b': '2', date: 'D' });
  });

  it.each(['if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'if-range', 'range'])('leaves requests with %s to the app', (name) => {
    expect(hasAppConditionals({ [name]: 'x' })).toBe(true);
  });
});
