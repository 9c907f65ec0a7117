import type { MonoTypeOperatorFunction, Observable } from 'rxjs';
import * as reducers from './entity.reducers';
import type { EntityUpdater } from './entity.reducers';
import {
  type EntitiesPayload,
  type EntityPayload,
  type UpsertConfig,
  type UpsertManyFromConfig,
  type WriteThrough,
  upsertFrom,
  upsertManyFrom,
} from './entity.operators';
import { selectAllEntities, selectCollectionEntities, selectEntities, selectEntitiesWhere, selectEntity } from './entity.selectors';
import { type EntityId, type EntityState, type IdKey, resolveIds, toKey } from './entity.state';
import { type OptimisticHandle, withOptimistic } from './optimistic';
import { StoreKernel } from './store-kernel';

/** How `createEntityStore` reads ids: a key of `T` holding the id, or a function. */
export type EntityStoreConfig<T> =
  { readonly idKey: IdKey<T>; readonly getId?: undefined } | { readonly getId: (entity: T) => EntityId; readonly idKey?: undefined };

/**
 * A normalized, observable store of entities of one type. Created by {@link createEntityStore}.
 *
 * Reads are streams that emit synchronously on subscription and then only when what they read
 * changed; writes are synchronous and notify only the streams that read what changed.
 */
export interface EntityStore<T> {
  /** The immutable state (held in a `BehaviorSubject`); emits once per delivered change. */
  readonly state$: Observable<EntityState<T>>;
  /** The current state. */
  getState(): EntityState<T>;
  /** The id of `entity` as configured. */
  idOf(entity: T): EntityId;

  /** Entity `id`, or `undefined`. */
  get(id: EntityId): T | undefined;
  /** All entities in order; the same array until membership, order or a member changes. */
  getAll(): readonly T[];
  /** Members of collection `name` that exist, in order; `undefined` if the collection was never set. */
  collection(name: string): readonly T[] | undefined;

  /**
   * Entity `id` (`42` and `'42'` are the same entity), `undefined` while absent. Emits at once, then
   * only when that entity changes. Its cost on a write is zero unless this entity was written.
   *
   * In Angular: `item$ = items.select(id)` with `@if (item$ | async; as item) { … }` in the
   * template, or `item = toSignal(items.select(id), { requireSync: true })` (it emits synchronously).
   *
   * @example
   * ```ts
   * items.select('42').subscribe((item) => render(item));
   * for await (const item of eachValueFrom(items.select('42'))) { … }   // rxjs-for-await
   * ```
   */
  select(id: EntityId): Observable<T | undefined>;
  /** The existing entities of `ids`, in that order; emits when one of them changes, appears or goes. */
  selectMany(ids: readonly EntityId[]): Observable<readonly T[]>;
  /** All entities in order; emits when membership, order or a member changes. */
  selectAll(): Observable<readonly T[]>;
  /**
   * Entities matching `predicate`, in order; emits when the matching list changes. A write re-tests
   * only the entities it changed. `predicate` must be pure.
   * @example
   * ```ts
   * const open$ = items.selectWhere((item) => !item.done);
   * ```
   */
  selectWhere<S extends T>(predicate: (entity: T) => entity is S): Observable<readonly S[]>;
  selectWhere(predicate: (entity: T) => boolean): Observable<readonly T[]>;
  /**
   * Members of collection `name` (a stored query result), `undefined` until it is set. Emits when
   * the collection's ids or order change, or one of its members changes.
   * @example
   * ```ts
   * client.get<Item[]>('/items?page=1').pipe(items.upsertManyFrom({ collectionKey: 'page-1' })).subscribe();
   * items.selectCollection('page-1').subscribe((page) => render(page ?? []));
   * ```
   */
  selectCollection(name: string): Observable<readonly T[] | undefined>;

  /** Inserts or merges one entity; deep-equal data changes nothing and emits nothing. */
  upsert(entity: T, config?: UpsertConfig): void;
  /** Inserts or merges many entities in one notification. */
  upsertMany(entities: readonly T[], config?: UpsertConfig): void;
  /**
   * Updates entity `id` with a patch or a function; no-op if absent or if the result is deep-equal.
   * @example
   * ```ts
   * items.update('42', { done: true });
   * items.update('42', (item) => ({ ...item, likes: item.likes + 1 }));
   * ```
   */
  update(id: EntityId, updater: EntityUpdater<T>): void;
  /** Removes one or many entities (collections keep their ids; readers skip missing ones). */
  remove(ids: EntityId | readonly EntityId[]): void;
  /** Makes `entities` the whole content in that order; unchanged entities keep their identity. */
  replaceAll(entities: readonly T[]): void;
  /** Stores an ordered id list under `name`. */
  setCollection(name: string, ids: readonly EntityId[]): void;
  /** Forgets collection `name`. */
  removeCollection(name: string): void;
  /**
   * Removes every entity and collection (a logout). Streams piped through `upsertFrom` /
   * `upsertManyFrom` before the clear write nothing afterwards: a response that was in flight
   * belongs to what was cleared and never comes back into the store.
   * @example
   * ```ts
   * client.auth?.sessionEnded$.subscribe(() => items.clear());
   * ```
   */
  clear(): void;
  /**
   * Runs `fn` (synchronous) with notifications held: each affected stream emits once, after it
   * returns. If `fn` throws, every write it made is undone and nothing is emitted.
   * @example
   * ```ts
   * items.transaction(() => { items.remove('1'); items.upsert(replacement); });
   * ```
   */
  transaction<R>(fn: () => R): R;

  /**
   * Writes each emitted list (or `{ body: list }`, e.g. an `ApiResponse`) into the store and passes
   * the value through; with `collectionKey`, also stores the list's id order.
   * @example
   * ```ts
   * client.request<Item[]>({ method: 'GET', url: '/items' }).pipe(items.upsertManyFrom());
   * ```
   */
  upsertManyFrom(config?: UpsertManyFromConfig): WriteThrough<EntitiesPayload<T>>;
  /** Writes each emitted entity (or `{ body: entity }`) into the store and passes the value through. */
  upsertFrom(config?: UpsertConfig): WriteThrough<EntityPayload<T>>;

  /**
   * Shows `updater` applied to entity `id` at once, as a layer over the confirmed entity.
   * `commit()` confirms it, `rollback()` removes it; concurrent layers on one entity are kept apart,
   * so rolling one back keeps the others' changes. See `withOptimistic` for the operator form.
   * @example
   * ```ts
   * const change = items.optimistic('42', { done: true });
   * save$.subscribe({ complete: () => change.commit(), error: () => change.rollback() });
   * ```
   */
  optimistic(id: EntityId, updater: EntityUpdater<T>): OptimisticHandle;
  /**
   * Wraps a mutation: optimistic on subscribe, committed on its first value or completion, rolled
   * back on error or early unsubscribe.
   * @example
   * ```ts
   * client.patch<Item>('/items/42', { done: true }).pipe(items.withOptimistic('42', { done: true }), items.upsertFrom());
   * ```
   */
  withOptimistic<V>(id: EntityId, updater: EntityUpdater<T>): MonoTypeOperatorFunction<V>;
}

/**
 * Creates an entity store: a `BehaviorSubject` of immutable normalized state, pure reducers for
 * writes, and keyed streams for reads.
 *
 * Fan-out scales with the subscribers of what changed, not with all subscribers: with 10,000
 * `select(id)` streams open, updating one entity calls one listener.
 *
 * @example
 * ```ts
 * interface Item { id: number; title: string; done: boolean }
 * const items = createEntityStore<Item>({ idKey: 'id' });
 * client.get<Item[]>('/items').pipe(items.upsertManyFrom()).subscribe();
 * items.select(42).subscribe((item) => console.log(item?.title));
 * ```
 */
export function createEntityStore<T>(config: EntityStoreConfig<T>): EntityStore<T> {
  const idOf = idReader(config);
  const kernel = new StoreKernel<T>();
  const state$ = kernel.subject.asObservable();

  let clears = 0;
  const store: EntityStore<T> & { clearCount(): number } = {
    state$,
    getState: () => kernel.current(),
    idOf,
    get: (id) => kernel.current().entities.get(toKey(id)),
    getAll: () => kernel.all(),
    collection: (name) => {
      const state = kernel.current();
      const ids = state.collections.get(name);
      return ids === undefined ? undefined : resolveIds(state, ids);
    },

    select: (id) => selectEntity(kernel, id),
    selectMany: (ids) => selectEntities(kernel, ids),
    selectAll: () => selectAllEntities(kernel),
    selectWhere: (predicate: (entity: T) => boolean) => selectEntitiesWhere(kernel, predicate),
    selectCollection: (name) => selectCollectionEntities(kernel, name),

    upsert: (entity, options) => kernel.write((s) => reducers.upsertEntities(s, [entity], idOf, options?.mode)),
    upsertMany: (entities, options) => kernel.write((s) => reducers.upsertEntities(s, entities, idOf, options?.mode)),
    update: (id, updater) => kernel.write((s) => reducers.updateEntity(s, id, updater)),
    remove: (ids) => kernel.write((s) => reducers.removeEntities(s, Array.isArray(ids) ? ids : [ids as EntityId])),
    replaceAll: (entities) => kernel.write((s) => reducers.replaceEntities(s, entities, idOf)),
    setCollection: (name, ids) => kernel.write((s) => reducers.setCollection(s, name, ids)),
    removeCollection: (name) => kernel.write((s) => reducers.removeCollection(s, name)),
    transaction: (fn) => kernel.transaction(fn),
    clear: () => {
      clears++;
      kernel.transaction(() => {
        for (const name of [...kernel.current().collections.keys()]) kernel.write((s) => reducers.removeCollection(s, name));
        kernel.write((s) => reducers.replaceEntities(s, [], idOf));
      });
    },
    clearCount: () => clears,

    upsertManyFrom: (options) => upsertManyFrom(store, options),
    upsertFrom: (options) => upsertFrom(store, options),

    optimistic: (id, updater) => kernel.optimistic(id, updater),
    withOptimistic: <V>(id: EntityId, updater: EntityUpdater<T>) => withOptimistic<T, V>(store, id, updater),
  };
  return store;
}

function idReader<T>(config: EntityStoreConfig<T>): (entity: T) => EntityId {
  if (typeof config.getId === 'function') return config.getId;
  const key = config.idKey;
  if (key === undefined) throw new TypeError('createEntityStore: pass `idKey` or `getId`');
  return (entity) => entity[key] as EntityId;
}
