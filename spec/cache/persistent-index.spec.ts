import { cacheKey, variantKey } from '../../lib/cache/cache-key';
import { createPersistentIndex, parseStoredIndex } from '../../lib/cache/persistent-index';

const bounds = { maxEntries: 3, maxBytes: 100 };

function indexOf(...sizes: number[]) {
  const index = createPersistentIndex();
  sizes.forEach((size, i) => index.set(`k${i}`, { size, expiresAt: 1000 + i }));
  return index;
}

describe('the persistent index', () => {
  it('keeps LRU order: set again makes a key the newest, and counts bytes', () => {
    const index = indexOf(10, 20, 30);
    index.set('k0', { size: 15, expiresAt: 1 });
    expect(index.keys()).toEqual(['k1', 'k2', 'k0']);
    expect(index.bytes).toBe(65);
    index.drop('k1');
    expect([index.size, index.bytes]).toEqual([2, 45]);
  });

  it('knows the variants of each URL (RFC 9111 §4.1), least recently used first, without reading the entries', () => {
    const index = createPersistentIndex();
    const url = cacheKey('user-a', 'GET', 'https://api.example.com/items/1');
    const [fr, de] = ['fr', 'de'].map((lang) => variantKey(url, ['accept-language'], { 'accept-language': lang }));
    index.set(fr, { size: 1, expiresAt: 1 });
    index.set(cacheKey('user-a', 'GET', 'https://api.example.com/other'), { size: 1, expiresAt: 1 });
    index.set(de, { size: 1, expiresAt: 1 });
    index.set(fr, { size: 1, expiresAt: 2 });
    expect(index.variantsOf(url)).toEqual([de, fr]);
    index.drop(de);
    expect(index.variantsOf(url)).toEqual([fr]);
    index.clear();
    expect(index.variantsOf(url)).toEqual([]);
  });

  it.each<[string, number[], string | undefined, number, string[]]>([
    ['nothing within the bounds', [10, 20, 30], undefined, 0, []],
    ['the oldest beyond maxEntries', [10, 10, 10, 10], undefined, 0, ['k0']],
    ['the oldest beyond maxBytes', [60, 30, 30], undefined, 0, ['k0']],
    ['sparing the key being written', [60, 30, 30], 'k0', 0, ['k1']],
    ['until needBytes are freed (quota recovery)', [10, 20, 30], undefined, 25, ['k0', 'k1']],
  ])('chooses victims: %s', (_rule, sizes, keep, needBytes, expected) => {
    expect(indexOf(...sizes).victims(bounds, keep, needBytes)).toEqual(expected);
  });

  it('lists the keys whose sweep time has come', () => {
    expect(indexOf(1, 1, 1).expired(1001)).toEqual(['k0', 'k1']);
  });

  it('is dirty after a change and clean after a snapshot, which parses back', () => {
    const index = indexOf(10, 20);
    expect(index.dirty).toBe(true);
    const snapshot = index.snapshot();
    expect(index.dirty).toBe(false);
    expect(parseStoredIndex(JSON.parse(JSON.stringify(snapshot)))).toEqual([
      ['k0', { size: 10, expiresAt: 1000 }],
      ['k1', { size: 20, expiresAt: 1001 }],
    ]);
  });

  it.each<[string, unknown, unknown]>([
    ['none stored: empty', undefined, []],
    ['another version: unreadable', { v: 2, entries: [] }, undefined],
    ['not an object: unreadable', 'garbage', undefined],
    ['entries not a list: unreadable', { v: 1, entries: {} }, undefined],
    [
      'malformed triples are skipped',
      {
        v: 1,
        entries: [
          ['a', 1, 2],
          ['b', 'x', 2],
          [3, 1, 2],
          ['c', 1, Infinity],
        ],
      },
      [['a', { size: 1, expiresAt: 2 }]],
    ],
  ])('parses a stored index: %s', (_rule, raw, expected) => {
    expect(parseStoredIndex(raw)).toEqual(expected);
  });
});
