import { EntityMap } from './entity-map';

/** An entity id as it appears in the data. `42` and `'42'` name the same entity. */
export type EntityId = string | number;

/** The keys of `T` whose values are usable as ids. */
export type IdKey<T> = { [K in keyof T]-?: T[K] extends EntityId ? K : never }[keyof T];

/**
 * The immutable state an entity store holds and emits from `state$`.
 *
 * Every write produces a new state object and leaves the previous one untouched, sharing all
 * unchanged parts: unchanged entities keep their identity, so `===` is a valid change test.
 */
export interface EntityState<T> {
  /** Entities by key (`String(id)`). */
  readonly entities: EntityMap<T>;
  /** Ids in insertion order (new entities are appended; `replaceAll` sets the order). */
  readonly ids: readonly EntityId[];
  /** Named, ordered id lists: query results such as `GET /items?page=1`. */
  readonly collections: ReadonlyMap<string, readonly EntityId[]>;
}

/**
 * What a write changed, so that only the streams watching those parts are notified.
 * @internal
 */
export interface EntityChanges {
  /** Keys of entities whose identity changed (added, replaced or removed). */
  readonly keys: Iterable<string>;
  /** `true` when membership or order of `ids` changed. */
  readonly ids: boolean;
  /** Keys of collections whose id list changed. */
  readonly collections: Iterable<string>;
}

/** The result of a pure reducer: the next state, and what changed. `changes` is `undefined` when nothing did. */
export interface Reduction<T> {
  readonly state: EntityState<T>;
  readonly changes: EntityChanges | undefined;
}

/** The normalized map key of an id: ids `42` and `'42'` share one entry. @internal */
export function toKey(id: EntityId): string {
  return typeof id === 'string' ? id : String(id);
}

/** `true` for a value usable as an id (a string, or a finite number). @internal */
export function isEntityId(value: unknown): value is EntityId {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/** The state of a new store. @internal */
export function emptyEntityState<T>(): EntityState<T> {
  return { entities: EntityMap.empty<T>(), ids: [], collections: new Map() };
}

/** The entities of `ids` that exist, in order (missing ids are skipped). @internal */
export function resolveIds<T>(state: EntityState<T>, ids: readonly EntityId[]): T[] {
  const out: T[] = [];
  for (const id of ids) {
    const entity = state.entities.get(toKey(id));
    if (entity !== undefined) out.push(entity);
  }
  return out;
}
