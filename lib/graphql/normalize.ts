import type { EntityId } from '../store';

/** A GraphQL entity as it appears in results: an object with `__typename` and `id`. */
export interface EntityObject {
  readonly __typename: string;
  readonly id: EntityId;
  readonly [field: string]: unknown;
}

/** Names one entity: `'Item:3'` (typename, colon, id) or an entity-like object. */
export type EntityRef = `${string}:${string}` | { readonly __typename: string; readonly id: EntityId };

/**
 * Finds every entity in a result (any depth, arrays included) and groups them by typename, in
 * the order met. An entity nested in another is collected *and* left in place in its parent:
 * parents are stored as the server sent them (no reference rewriting), which keeps reads plain
 * objects and the registry free of a denormalizing read path. The live view of a nested entity
 * is its own `select`; a parent's nested copy is as fresh as the last result that contained it.
 *
 * The same entity met twice (a list summary and a detail) is returned twice; the store merges
 * them in order, so the later, usually richer, occurrence completes the earlier one.
 *
 * @example
 * collectEntities({ items: [{ __typename: 'Item', id: '1', owner: { __typename: 'User', id: 'u' } }] });
 * // Map { 'Item' => [{ __typename: 'Item', id: '1', owner: {…} }], 'User' => [{ __typename: 'User', id: 'u' }] }
 */
export function collectEntities(data: unknown): Map<string, EntityObject[]> {
  const found = new Map<string, EntityObject[]>();
  visit(data, found);
  return found;
}

/**
 * Depth-first, in document order, with a stack of its own rather than recursion: a result nested
 * thousands of levels deep must not throw a `RangeError` out of the pipeline.
 */
function visit(root: unknown, found: Map<string, EntityObject[]>): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push(value[i]);
      continue;
    }
    const record = value as Record<string, unknown>;
    if (isEntity(record)) {
      const list = found.get(record.__typename);
      if (list) list.push(record);
      else found.set(record.__typename, [record]);
    }
    const keys = Object.keys(record);
    for (let i = keys.length - 1; i >= 0; i--) stack.push(record[keys[i]]);
  }
}

/** Own properties only: an inherited `__typename` or `id` (a polluted prototype) makes no entity. */
function isEntity(record: Record<string, unknown>): record is Record<string, unknown> & EntityObject {
  const typename = own(record, '__typename');
  const id = own(record, 'id');
  return typeof typename === 'string' && typename !== '' && (typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)));
}

function own(record: Record<string, unknown>, name: string): unknown {
  return Object.prototype.hasOwnProperty.call(record, name) ? record[name] : undefined;
}

/**
 * Reads an {@link EntityRef}. The id is everything after the *first* colon, since ids may contain
 * colons (`'Event:2024:01'`) while GraphQL type names cannot.
 *
 * @example
 * parseEntityRef('Item:3');                          // { typename: 'Item', id: '3' }
 * parseEntityRef({ __typename: 'User', id: 42 });    // { typename: 'User', id: 42 }
 */
export function parseEntityRef(ref: EntityRef): { readonly typename: string; readonly id: EntityId } {
  if (typeof ref !== 'string') return { typename: ref.__typename, id: ref.id };
  const colon = ref.indexOf(':');
  if (colon <= 0) throw new TypeError(`RXSYNC-1310: an entity reference is 'Typename:id', got ${JSON.stringify(ref)}`);
  return { typename: ref.slice(0, colon), id: ref.slice(colon + 1) };
}
