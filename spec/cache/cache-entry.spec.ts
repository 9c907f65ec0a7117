import { estimateSize, isInvalid, parseCacheEntry, storedHeaders, type CacheEntry } from '../../lib/cache/cache-entry';

const valid: CacheEntry = {
  v: 1,
  key: 'k',
  url: 'https://a.example/x',
  method: 'GET',
  status: 200,
  headers: { etag: '"1"' },
  body: { a: 1 },
  storedAt: 1,
  requestTime: 1,
  responseTime: 1,
  varyHeaders: {},
  size: 10,
};

describe('parseCacheEntry', () => {
  it('accepts a valid entry as it is', () => {
    expect(parseCacheEntry(valid, 'k')).toBe(valid);
    expect(parseCacheEntry({ ...valid, ttlMs: 5, body: null }, 'k')).toMatchObject({ ttlMs: 5 });
  });

  it.each([
    ['null', null, 'not an object'],
    ['a string', 'x', 'not an object'],
    ['another version', { ...valid, v: 2 }, 'unknown entry version 2'],
    ['no version', { ...valid, v: undefined }, 'unknown entry version'],
    ['another key (foreign)', { ...valid, key: 'other' }, 'foreign'],
    ['a non-numeric status', { ...valid, status: '200' }, 'bad field status'],
    ['an infinite time', { ...valid, storedAt: Infinity }, 'bad field storedAt'],
    ['a bad ttl', { ...valid, ttlMs: 'soon' }, 'bad field ttlMs'],
    ['non-string headers', { ...valid, headers: { a: 1 } }, 'bad headers'],
    ['array vary headers', { ...valid, varyHeaders: [] }, 'bad varyHeaders'],
    ['no body', (({ body: _b, ...rest }) => rest)(valid), 'missing body'],
  ])('rejects %s', (_name, raw, reason) => {
    const parsed = parseCacheEntry(raw, 'k');
    expect(isInvalid(parsed) && parsed.invalid).toContain(reason);
  });
});

describe('storedHeaders (RFC 9111 §3.1)', () => {
  it('drops hop-by-hop fields and those named by Connection, keeps the rest, adds a missing Date', () => {
    expect(
      storedHeaders({ connection: 'x-hop', 'x-hop': '1', 'keep-alive': 't', 'transfer-encoding': 'chunked', etag: '"1"' }, Date.UTC(2025, 0, 1, 0, 0, 0, 500)),
    ).toEqual({
      etag: '"1"',
      date: 'Wed, 01 Jan 2025 00:00:00 GMT',
    });
  });

  it('keeps a Date that is there', () => {
    expect(storedHeaders({ date: 'Tue, 31 Dec 2024 00:00:00 GMT' }, 0).date).toBe('Tue, 31 Dec 2024 00:00:00 GMT');
  });
});

describe('estimateSize', () => {
  it('adds headers and URL to the body size, and keeps an unmeasurable body unmeasurable', () => {
    expect(estimateSize(100, { etag: '"x"' }, 'u') - estimateSize(100, {}, '')).toBe('etag'.length + 3 + 4 + 2);
    expect(estimateSize(Number.POSITIVE_INFINITY, {}, '')).toBe(Number.POSITIVE_INFINITY);
  });
});
