/**
 * An immutable map from entity key to entity, with structural sharing (a hash array mapped trie).
 *
 * Why not a copied `Record` or `Map`: copying 10,000 entries to change one costs far more than the
 * whole rest of an update (elf pays this on every write). Here `set` and `delete` copy only the path
 * to the changed slot: about three 32-slot arrays for 10,000 entities. Old versions stay valid and
 * unchanged, so every state the store ever emitted is a true snapshot.
 *
 * Layout: a branch is a 32-slot array indexed by 5 bits of the key's 32-bit hash (low bits first);
 * a slot holds nothing, a `Leaf` (one entry), a `Collision` (entries whose full hashes are equal)
 * or a deeper branch. Empty branches are pruned on delete.
 *
 * @example
 * ```ts
 * const a = EntityMap.empty<Item>().set('1', one);
 * const b = a.set('2', two);
 * a.get('2'); // undefined: a is unchanged
 * b.size;     // 2
 * ```
 */
export class EntityMap<T> {
  private static readonly EMPTY = new EntityMap<never>(undefined, 0);

  private constructor(
    private readonly root: Branch<T> | undefined,
    /** Number of entries. */
    readonly size: number,
  ) {}

  /** The empty map (shared). */
  static empty<T>(): EntityMap<T> {
    return EntityMap.EMPTY;
  }

  /** The value stored under `key`, or `undefined`. */
  get(key: string): T | undefined {
    const hash = hashKey(key);
    let node: Slot<T> | undefined = this.root;
    for (let shift = 0; node !== undefined; shift += BITS) {
      if (node instanceof Leaf) return node.key === key ? node.value : undefined;
      if (node instanceof Collision) return node.get(key);
      node = node[(hash >>> shift) & MASK];
    }
    return undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** A map with `key` set to `value`; `this` when the key already holds that exact value. */
  set(key: string, value: T): EntityMap<T> {
    const hash = hashKey(key);
    const box = { added: false };
    const root = setIn(this.root ?? new Array<Slot<T> | undefined>(WIDTH), 0, hash, key, value, box);
    return root === this.root ? this : new EntityMap(root, this.size + (box.added ? 1 : 0));
  }

  /** A map without `key`; `this` when the key is absent. */
  delete(key: string): EntityMap<T> {
    if (this.root === undefined) return this;
    const root = deleteIn(this.root, 0, hashKey(key), key);
    if (root === this.root) return this;
    return root === undefined ? EntityMap.empty() : new EntityMap(root, this.size - 1);
  }
}

const BITS = 5;
const WIDTH = 1 << BITS;
const MASK = WIDTH - 1;

type Branch<T> = Array<Slot<T> | undefined>;
type Slot<T> = Branch<T> | Leaf<T> | Collision<T>;

class Leaf<T> {
  constructor(
    readonly hash: number,
    readonly key: string,
    readonly value: T,
  ) {}
}

class Collision<T> {
  constructor(
    readonly hash: number,
    readonly keys: readonly string[],
    readonly values: readonly T[],
  ) {}

  get(key: string): T | undefined {
    const i = this.keys.indexOf(key);
    return i < 0 ? undefined : this.values[i];
  }
}

/**
 * FNV-1a, 32 bits: fast and well spread for short ids.
 * @internal exported for the collision tests.
 */
export function hashKey(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function setIn<T>(node: Branch<T>, shift: number, hash: number, key: string, value: T, box: { added: boolean }): Branch<T> {
  const index = (hash >>> shift) & MASK;
  const slot = node[index];
  let next: Slot<T>;
  if (slot === undefined) {
    box.added = true;
    next = new Leaf(hash, key, value);
  } else if (slot instanceof Leaf) {
    if (slot.key === key) {
      if (slot.value === value) return node;
      next = new Leaf(hash, key, value);
    } else {
      box.added = true;
      next = slot.hash === hash ? new Collision(hash, [slot.key, key], [slot.value, value]) : split(slot, new Leaf(hash, key, value), shift + BITS);
    }
  } else if (slot instanceof Collision) {
    next = setInCollision(slot, hash, key, value, shift, box);
    if (next === slot) return node;
  } else {
    next = setIn(slot, shift + BITS, hash, key, value, box);
    if (next === slot) return node;
  }
  const copy = node.slice();
  copy[index] = next;
  return copy;
}

function setInCollision<T>(slot: Collision<T>, hash: number, key: string, value: T, shift: number, box: { added: boolean }): Slot<T> {
  if (slot.hash !== hash) {
    box.added = true;
    return split(slot, new Leaf(hash, key, value), shift + BITS);
  }
  const i = slot.keys.indexOf(key);
  if (i >= 0 && slot.values[i] === value) return slot;
  if (i < 0) {
    box.added = true;
    return new Collision(hash, [...slot.keys, key], [...slot.values, value]);
  }
  const values = slot.values.slice();
  values[i] = value;
  return new Collision(hash, slot.keys, values);
}

/** A branch holding two slots whose hashes differ: they part at some shift ≤ 30. */
function split<T>(a: Leaf<T> | Collision<T>, b: Leaf<T>, shift: number): Branch<T> {
  const branch: Branch<T> = new Array<Slot<T> | undefined>(WIDTH);
  const ia = (a.hash >>> shift) & MASK;
  const ib = (b.hash >>> shift) & MASK;
  if (ia === ib) branch[ia] = split(a, b, shift + BITS);
  else {
    branch[ia] = a;
    branch[ib] = b;
  }
  return branch;
}

function deleteIn<T>(node: Branch<T>, shift: number, hash: number, key: string): Branch<T> | undefined {
  const index = (hash >>> shift) & MASK;
  const slot = node[index];
  let next: Slot<T> | undefined;
  if (slot === undefined) return node;
  if (slot instanceof Leaf) {
    if (slot.key !== key) return node;
    next = undefined;
  } else if (slot instanceof Collision) {
    const i = slot.keys.indexOf(key);
    if (i < 0) return node;
    next =
      slot.keys.length === 2
        ? new Leaf(slot.hash, slot.keys[1 - i], slot.values[1 - i])
        : new Collision(
            slot.hash,
            slot.keys.filter((_, j) => j !== i),
            slot.values.filter((_, j) => j !== i),
          );
  } else {
    next = deleteIn(slot, shift + BITS, hash, key);
    if (next === slot) return node;
  }
  const copy = node.slice();
  copy[index] = next;
  return next === undefined && copy.every((s) => s === undefined) ? undefined : copy;
}
