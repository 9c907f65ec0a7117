import { bodySize, ownBody, servedBody } from '../../lib/cache/stored-body';

const nest = (levels: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = i % 2 ? [value] : { child: value };
  return value;
};

describe('bodySize', () => {
  it.each<[string, unknown, number]>([
    ['a string by its length', 'x'.repeat(1000), 1000],
    ['a JSON body about its JSON length', { a: 'x'.repeat(1000) }, JSON.stringify({ a: 'x'.repeat(1000) }).length],
    ['a binary body by bytes', new ArrayBuffer(2048), 2048],
    ['a typed array by bytes', new Uint8Array(512), 512],
    ['no body', undefined, 0],
  ])('counts %s', (_name, body, expected) => {
    expect(bodySize(body)).toBeGreaterThanOrEqual(expected);
    expect(bodySize(body)).toBeLessThan(expected + 16);
  });

  it('measures JSON nested 50,000 levels deep (no RangeError), at least its JSON length', () => {
    expect(bodySize(nest(50_000))).toBeGreaterThan(50_000 * 3);
  });

  it.each<[string, () => unknown]>([
    [
      'a cycle',
      () => {
        const a: Record<string, unknown> = {};
        a.self = a;
        return a;
      },
    ],
    [
      'a throwing getter',
      () =>
        Object.defineProperty({}, 'x', {
          enumerable: true,
          get() {
            throw new Error('no');
          },
        }),
    ],
  ])('counts %s as unmeasurable: Infinity, so it never fits a byte bound', (_name, make) => {
    expect(bodySize(make())).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('ownBody / servedBody (issue #7: bodies handed out are not the cache’s own)', () => {
  it('deep-freezes JSON data in place, nested members included', () => {
    const body = { a: { b: [{ c: 1 }] } };
    const kept = ownBody(body);
    expect(kept.body).toBe(body);
    expect(Object.isFrozen(body)).toBe(true);
    expect(Object.isFrozen(body.a.b[0])).toBe(true);
    expect(() => {
      'use strict';
      body.a.b[0].c = 2;
    }).toThrow(TypeError);
  });

  it('copies binary data when kept and again for each hit', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const kept = ownBody(bytes.buffer).body as ArrayBuffer;
    bytes[0] = 9;
    expect(new Uint8Array(kept)[0]).toBe(1);
    const served = servedBody(kept) as ArrayBuffer;
    new Uint8Array(served)[1] = 9;
    expect(new Uint8Array(kept)[1]).toBe(2);
    const view = ownBody(new Uint16Array([7])).body;
    expect(view).toBeInstanceOf(Uint16Array);
    expect((servedBody(view) as Uint16Array)[0]).toBe(7);
  });
});
