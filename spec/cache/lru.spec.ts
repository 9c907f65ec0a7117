import { createLru } from '../../lib/cache/lru';

describe('createLru', () => {
  const make = (maxEntries: number, maxBytes: number) => createLru<string>({ maxEntries, maxBytes }, (v) => v.length);

  it('evicts the least recently used beyond maxEntries', () => {
    const lru = make(2, 100);
    lru.set('a', 'x');
    lru.set('b', 'y');
    lru.get('a');
    expect(lru.set('c', 'z')).toEqual(['b']);
    expect(lru.keys()).toEqual(['a', 'c']);
  });

  it('evicts by bytes, sparing the new value', () => {
    const lru = make(10, 10);
    lru.set('a', 'xxxx');
    lru.set('b', 'yyyy');
    expect(lru.set('c', 'zzzz')).toEqual(['a']);
    expect(lru.bytes).toBe(8);
  });

  it('refuses a value larger than maxBytes, dropping the old one', () => {
    const lru = make(10, 3);
    lru.set('a', 'x');
    expect(lru.set('a', 'xxxx')).toEqual([]);
    expect(lru.has('a')).toBe(false);
    expect(lru.bytes).toBe(0);
  });

  it('peek does not touch recency; delete and clear keep the byte count', () => {
    const lru = make(2, 100);
    lru.set('a', 'x');
    lru.set('b', 'yy');
    lru.peek('a');
    lru.set('c', 'z');
    expect(lru.keys()).toEqual(['b', 'c']);
    lru.delete('b');
    expect([lru.size, lru.bytes]).toEqual([1, 1]);
    lru.clear();
    expect([lru.size, lru.bytes]).toEqual([0, 0]);
  });
});
