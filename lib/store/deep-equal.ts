/**
 * Structural equality for JSON-shaped data: primitives, plain objects, arrays and `Date`.
 *
 * This is what lets an upsert of a re-fetched, unchanged entity keep the previous object identity
 * (and so emit nothing): server responses are parsed into fresh objects every time, and identity
 * comparison alone would re-render every row on every refetch.
 *
 * Rules, chosen for speed and for what a parsed response can contain:
 * - primitives compare with `===`, except that `NaN` equals `NaN`;
 * - arrays: same length and pairwise deep-equal elements;
 * - `Date`: same time value;
 * - plain objects (prototype `Object.prototype` or `null`): same own enumerable keys, pairwise
 *   deep-equal values (a key holding `undefined` differs from a missing key);
 * - anything else (`Map`, `Set`, class instances, functions) is equal only to itself.
 *
 * Cycles are not supported (a parsed JSON body has none).
 *
 * @example
 * ```ts
 * deepEqual({ id: 1, tags: ['a'], at: new Date(0) }, { id: 1, tags: ['a'], at: new Date(0) }); // true
 * deepEqual({ id: 1 }, { id: 1, extra: undefined });                                           // false
 * ```
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    // NaN is the only value not equal to itself.
    return a !== a && b !== b;
  }
  if (Array.isArray(a)) return Array.isArray(b) && arraysEqual(a, b);
  if (Array.isArray(b)) return false;
  if (a instanceof Date) return b instanceof Date && a.getTime() === b.getTime();
  if (b instanceof Date) return false;
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  return objectsEqual(a, b);
}

/**
 * `true` when both arrays have the same length and identical (`===`) elements: the comparison
 * list selectors use, since members already keep their identity when unchanged.
 */
export function shallowEqualArrays(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function arraysEqual(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
  return true;
}

function objectsEqual(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  let count = 0;
  for (const key in a) {
    if (!Object.prototype.hasOwnProperty.call(a, key)) continue;
    if (!Object.prototype.hasOwnProperty.call(b, key) || !deepEqual(a[key], b[key])) return false;
    count++;
  }
  for (const key in b) if (Object.prototype.hasOwnProperty.call(b, key)) count--;
  return count === 0;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
