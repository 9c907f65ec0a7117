import { deepEqual, shallowEqualArrays } from '../core/deep-equal';
import { type EntityId, type EntityState, type Reduction, isEntityId, toKey } from './entity.state';

/**
 * Pure state transitions of the entity store: `(state, input) → { state, changes }`.
 *
 * Each reducer returns the *same* state object (and `changes: undefined`) when nothing changed, and
 * otherwise reports exactly which entity keys, whether the id order, and which collections changed:
 * that report is what lets the store notify only the streams watching those parts.
 *
 * Structural sharing: an incoming entity deep-equal to the stored one is dropped, so the stored
 * object keeps its identity and nothing downstream re-renders.
 */

/** How an upsert combines incoming data with an entity already stored. */
export type UpsertMode =
  /** `{ ...stored, ...incoming }`: fields missing from a partial response (a list summary) are kept. Default. */
  | 'merge'
  /** `incoming` replaces the stored entity: fields it lacks are gone. */
  | 'replace';

/** A patch merged into an entity, or a function returning the next entity (return the argument for "no change"). */
export type EntityUpdater<T> = Partial<T> | ((entity: T) => T);

/** Reads the id of an entity. */
export type IdReader<T> = (entity: T) => EntityId;

/**
 * Inserts new entities (appended to `ids`) and merges or replaces existing ones.
 * @example
 * ```ts
 * const { state, changes } = upsertEntities(emptyEntityState<Item>(), [a, b], (e) => e.id);
 * upsertEntities(state, [structuredClone(a)], (e) => e.id).state === state; // true: deep-equal, no change
 * ```
 */
export function upsertEntities<T>(state: EntityState<T>, incoming: readonly T[], idOf: IdReader<T>, mode: UpsertMode = 'merge'): Reduction<T> {
  let entities = state.entities;
  let added: EntityId[] | undefined;
  const keys: string[] = [];
  for (const next of incoming) {
    const id = checkedId(idOf, next);
    const key = toKey(id);
    const prev = entities.get(key);
    if (prev === undefined) {
      (added ??= []).push(id);
      entities = entities.set(key, next);
      keys.push(key);
      continue;
    }
    const value = mode === 'merge' ? { ...prev, ...next } : next;
    if (deepEqual(prev, value)) continue;
    entities = entities.set(key, value);
    keys.push(key);
  }
  if (keys.length === 0) return { state, changes: undefined };
  const ids = added ? [...state.ids, ...added] : state.ids;
  return { state: { ...state, entities, ids }, changes: { keys, ids: added !== undefined, collections: [] } };
}

/**
 * Applies `updater` to one existing entity; a missing entity is left missing.
 * @example
 * ```ts
 * updateEntity(state, 42, { done: true });
 * updateEntity(state, 42, (item) => ({ ...item, likes: item.likes + 1 }));
 * ```
 */
export function updateEntity<T>(state: EntityState<T>, id: EntityId, updater: EntityUpdater<T>): Reduction<T> {
  const key = toKey(id);
  const prev = state.entities.get(key);
  if (prev === undefined) return { state, changes: undefined };
  const value = applyUpdater(prev, updater);
  if (value === prev || deepEqual(prev, value)) return { state, changes: undefined };
  return {
    state: { ...state, entities: state.entities.set(key, value) },
    changes: { keys: [key], ids: false, collections: [] },
  };
}

/** Removes entities (absent ids are ignored). Collections keep the ids; readers skip missing entities. */
export function removeEntities<T>(state: EntityState<T>, ids: readonly EntityId[]): Reduction<T> {
  let entities = state.entities;
  const keys: string[] = [];
  for (const id of ids) {
    const key = toKey(id);
    const next = entities.delete(key);
    if (next === entities) continue;
    entities = next;
    keys.push(key);
  }
  if (keys.length === 0) return { state, changes: undefined };
  const removed = new Set(keys);
  return {
    state: { ...state, entities, ids: state.ids.filter((id) => !removed.has(toKey(id))) },
    changes: { keys, ids: true, collections: [] },
  };
}

/**
 * Makes `incoming` the whole content, in that order. Entities deep-equal to stored ones keep their
 * identity; entities not in `incoming` are removed. Collections are kept.
 */
export function replaceEntities<T>(state: EntityState<T>, incoming: readonly T[], idOf: IdReader<T>): Reduction<T> {
  const upserted = upsertEntities(state, incoming, idOf, 'replace');
  const keep = new Set<string>();
  const ids: EntityId[] = [];
  for (const entity of incoming) {
    const id = idOf(entity);
    const key = toKey(id);
    if (keep.has(key)) continue;
    keep.add(key);
    ids.push(id);
  }
  let entities = upserted.state.entities;
  const keys = upserted.changes ? [...upserted.changes.keys] : [];
  for (const id of state.ids) {
    const key = toKey(id);
    if (keep.has(key)) continue;
    entities = entities.delete(key);
    keys.push(key);
  }
  const idsChanged = !sameIds(state.ids, ids);
  if (keys.length === 0 && !idsChanged) return { state, changes: undefined };
  return {
    state: { ...state, entities, ids: idsChanged ? ids : state.ids },
    changes: { keys, ids: idsChanged, collections: [] },
  };
}

/** Stores `ids` (deduplicated, in order) as collection `name`; an equal list is a no-op. */
export function setCollection<T>(state: EntityState<T>, name: string, ids: readonly EntityId[]): Reduction<T> {
  const unique = dedupe(ids);
  const prev = state.collections.get(name);
  if (prev !== undefined && sameIds(prev, unique)) return { state, changes: undefined };
  const collections = new Map(state.collections);
  collections.set(name, unique);
  return { state: { ...state, collections }, changes: { keys: [], ids: false, collections: [name] } };
}

/** Forgets collection `name`. */
export function removeCollection<T>(state: EntityState<T>, name: string): Reduction<T> {
  if (!state.collections.has(name)) return { state, changes: undefined };
  const collections = new Map(state.collections);
  collections.delete(name);
  return { state: { ...state, collections }, changes: { keys: [], ids: false, collections: [name] } };
}

/** The entity after `updater`: a patch is shallow-merged, a function is called. */
export function applyUpdater<T>(entity: T, updater: EntityUpdater<T>): T {
  return typeof updater === 'function' ? updater(entity) : { ...entity, ...updater };
}

function checkedId<T>(idOf: IdReader<T>, entity: T): EntityId {
  const id = idOf(entity);
  if (!isEntityId(id)) throw new TypeError(`entity store: entity has no usable id (got ${String(id)})`);
  return id;
}

function dedupe(ids: readonly EntityId[]): readonly EntityId[] {
  const seen = new Set<string>();
  const out: EntityId[] = [];
  for (const id of ids) {
    const key = toKey(id);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(id);
    }
  }
  return out.length === ids.length ? ids : out;
}

function sameIds(a: readonly EntityId[], b: readonly EntityId[]): boolean {
  if (shallowEqualArrays(a, b)) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (toKey(a[i]) !== toKey(b[i])) return false;
  return true;
}
