import { deepEqual, shallowEqualArrays } from '../../lib/store/deep-equal';

describe('deepEqual', () => {
  const nested = () => ({ id: 1, tags: ['a', 'b'], meta: { at: new Date(5), n: null } });

  it.each<[string, unknown, unknown, boolean]>([
    ['same primitive', 1, 1, true],
    ['different primitives', 1, 2, false],
    ['number vs string', 1, '1', false],
    ['NaN equals NaN', NaN, NaN, true],
    ['null vs undefined', null, undefined, false],
    ['null vs object', null, {}, false],
    ['equal nested plain objects', nested(), nested(), true],
    ['a nested value differs', nested(), { ...nested(), meta: { at: new Date(6), n: null } }, false],
    ['equal arrays', [1, [2, 3]], [1, [2, 3]], true],
    ['arrays of different length', [1, 2], [1, 2, 3], false],
    ['array vs array-like object', [1], { 0: 1, length: 1 }, false],
    ['equal dates', new Date(10), new Date(10), true],
    ['different dates', new Date(10), new Date(11), false],
    ['date vs its time value', new Date(10), 10, false],
    ['an undefined key differs from a missing key', { a: 1, b: undefined }, { a: 1 }, false],
    ['key order does not matter', { a: 1, b: 2 }, { b: 2, a: 1 }, true],
    ['null-prototype objects compare as plain', Object.assign(Object.create(null), { a: 1 }), { a: 1 }, true],
    ['class instances compare by identity', new Map([[1, 1]]), new Map([[1, 1]]), false],
  ])('%s', (_, a, b, expected) => {
    expect(deepEqual(a, b)).toBe(expected);
    expect(deepEqual(b, a)).toBe(expected);
  });

  it('is true for the same reference of any kind', () => {
    const map = new Map();
    expect(deepEqual(map, map)).toBe(true);
  });
});

describe('shallowEqualArrays', () => {
  const a = { id: 1 };
  it.each<[string, unknown[], unknown[], boolean]>([
    ['same members', [a, 1], [a, 1], true],
    ['deep-equal but distinct members', [a], [{ id: 1 }], false],
    ['different length', [a], [a, a], false],
  ])('%s', (_, x, y, expected) => expect(shallowEqualArrays(x, y)).toBe(expected));
});
