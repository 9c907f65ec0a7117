import { deepEqual, shallowEqualArrays } from '../../lib/core/deep-equal';

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

describe('deepEqual of deeply nested data', () => {
  const nest = (levels: number, leaf: unknown): unknown => {
    let value: unknown = leaf;
    for (let i = 0; i < levels; i++) value = i % 2 ? [value] : { child: value };
    return value;
  };

  it.each([10, 5_000, 20_000])('compares %i levels without a RangeError', (levels) => {
    expect(deepEqual(nest(levels, 1), nest(levels, 1))).toBe(true);
    expect(deepEqual(nest(levels, 1), nest(levels, 2))).toBe(false);
    expect(deepEqual(nest(levels, 1), nest(levels - 1, 1))).toBe(false);
  });

  it('ends on cyclic values deeper than the recursion limit', () => {
    const a: Record<string, unknown> = {};
    const b: Record<string, unknown> = {};
    a.self = nest(300, a);
    b.self = nest(300, b);
    expect(deepEqual(a, b)).toBe(true);
  });

  it('reads own properties only, whatever the key is called', () => {
    expect(deepEqual(JSON.parse('{"__proto__":{"x":1}}'), JSON.parse('{"__proto__":{"x":1}}'))).toBe(true);
    expect(deepEqual(JSON.parse('{"__proto__":{"x":1}}'), {})).toBe(false);
    expect(deepEqual({ constructor: 1 }, { constructor: 1 })).toBe(true);
    expect(deepEqual({ constructor: 1 }, {})).toBe(false);
  });
});
