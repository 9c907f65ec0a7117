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
 * Depth is unbounded: past {@link RECURSION_LIMIT} levels the comparison continues on an explicit
 * stack, so a body nested thousands of levels deep (a fuzzer's, or a hostile server's) compares
 * instead of throwing `RangeError` out of the cache or the store. On that stack a pair already
 * being compared counts as equal, so a cyclic value ends too (a parsed body has no cycles).
 *
 * @example
 * ```ts
 * deepEqual({ id: 1, tags: ['a'], at: new Date(0) }, { id: 1, tags: ['a'], at: new Date(0) }); // true
 * deepEqual({ id: 1 }, { id: 1, extra: undefined });                                           // false
 * ```
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  return equalAt(a, b, 0);
}

/** Levels compared by plain recursion (fast, no allocation) before the explicit stack takes over. */
const RECURSION_LIMIT = 200;

function equalAt(a: unknown, b: unknown, depth: number): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    // NaN is the only value not equal to itself.
    return a !== a && b !== b;
  }
  if (depth >= RECURSION_LIMIT) return equalIteratively(a, b);
  const shape = shapeOf(a, b);
  if (shape !== 'children') return shape;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    for (let i = 0; i < a.length; i++) if (!equalAt(a[i], other[i], depth + 1)) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const key in x) {
    if (hasOwn(x, key) && !equalAt(x[key], y[key], depth + 1)) return false;
  }
  return true;
}

/**
 * Everything about two objects but their children: `true` / `false` when that settles it,
 * `'children'` when they have the same shape (arrays of one length, plain objects with the same
 * own keys) and only their members remain to compare.
 */
function shapeOf(a: object, b: object): boolean | 'children' {
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length ? 'children' : false;
  if (Array.isArray(b)) return false;
  if (a instanceof Date) return b instanceof Date && a.getTime() === b.getTime();
  if (b instanceof Date) return false;
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  let count = 0;
  for (const key in a) {
    if (!hasOwn(a, key)) continue;
    if (!hasOwn(b, key)) return false;
    count++;
  }
  for (const key in b) if (hasOwn(b, key)) count--;
  return count === 0 ? 'children' : false;
}

function equalIteratively(first: object, second: object): boolean {
  const stack: unknown[] = [first, second];
  const seen = new Map<object, Set<object>>();
  while (stack.length > 0) {
    const b = stack.pop();
    const a = stack.pop();
    if (a === b) continue;
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
      if (a !== a && b !== b) continue;
      return false;
    }
    let pairs = seen.get(a);
    if (pairs?.has(b)) continue;
    if (!pairs) seen.set(a, (pairs = new Set()));
    pairs.add(b);
    const shape = shapeOf(a, b);
    if (shape === false) return false;
    if (shape === true) continue;
    if (Array.isArray(a)) {
      const other = b as unknown[];
      for (let i = 0; i < a.length; i++) stack.push(a[i], other[i]);
    } else {
      const x = a as Record<string, unknown>;
      const y = b as Record<string, unknown>;
      for (const key in x) if (hasOwn(x, key)) stack.push(x[key], y[key]);
    }
  }
  return true;
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

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function hasOwn(value: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(value, key);
}
