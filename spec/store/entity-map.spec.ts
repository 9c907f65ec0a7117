import { EntityMap, hashKey } from '../../lib/store/entity-map';

describe('EntityMap', () => {
  it('is persistent: set and delete leave the previous version untouched', () => {
    const a = EntityMap.empty<string>().set('1', 'one');
    const b = a.set('2', 'two');
    const c = b.delete('1');
    expect([a.get('1'), a.get('2'), a.size]).toEqual(['one', undefined, 1]);
    expect([b.get('1'), b.get('2'), b.size]).toEqual(['one', 'two', 2]);
    expect([c.get('1'), c.get('2'), c.size]).toEqual([undefined, 'two', 1]);
  });

  it('returns itself when nothing changes', () => {
    const value = { v: 1 };
    const map = EntityMap.empty<object>().set('k', value);
    expect(map.set('k', value)).toBe(map);
    expect(map.delete('absent')).toBe(map);
    expect(EntityMap.empty().delete('x')).toBe(EntityMap.empty());
  });

  it('holds 20,000 entries and forgets them all again', () => {
    let map = EntityMap.empty<number>();
    for (let i = 0; i < 20_000; i++) map = map.set(`id-${i}`, i);
    expect(map.size).toBe(20_000);
    for (let i = 0; i < 20_000; i += 997) expect(map.get(`id-${i}`)).toBe(i);
    for (let i = 0; i < 20_000; i++) map = map.delete(`id-${i}`);
    expect(map.size).toBe(0);
    expect(map).toBe(EntityMap.empty());
  });

  it('keeps keys whose 32-bit hashes collide apart', () => {
    const [a, b] = findCollision();
    expect(hashKey(a)).toBe(hashKey(b));
    const c = 'a-third-key';
    let map = EntityMap.empty<string>().set(a, 'A').set(b, 'B').set(c, 'C');
    expect([map.get(a), map.get(b), map.get(c), map.size]).toEqual(['A', 'B', 'C', 3]);
    map = map.set(b, 'B2');
    expect([map.get(a), map.get(b), map.size]).toEqual(['A', 'B2', 3]);
    map = map.delete(a);
    expect([map.get(a), map.get(b), map.size]).toEqual([undefined, 'B2', 2]);
  });
});

/** Two distinct keys with the same FNV-1a hash (found by the birthday bound among ~10^5 keys). */
function findCollision(): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const key = `k${i}`;
    const hash = hashKey(key);
    const other = seen.get(hash);
    if (other !== undefined) return [other, key];
    seen.set(hash, key);
  }
}
