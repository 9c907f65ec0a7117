import { defer, type Observable, tap } from 'rxjs';
import type { UpsertMode } from './entity.reducers';
import { type EntityId, isEntityId } from './entity.state';
import { type BodyEnvelope, hasBody } from './response-like';

/** Options of `upsert` / `upsertMany`. */
export interface UpsertConfig {
  /** `'merge'` (default) keeps stored fields the incoming data lacks; `'replace'` drops them. */
  readonly mode?: UpsertMode;
}

/** Options of `upsertManyFrom`. */
export interface UpsertManyFromConfig extends UpsertConfig {
  /** Also store the id order of each emitted list as this collection (e.g. `'items?page=1'`). */
  readonly collectionKey?: string;
}

/** What `upsertManyFrom` accepts: a list, or a response-like value whose `body` is a list (or empty). */
export type EntitiesPayload<T> = readonly T[] | BodyEnvelope<readonly T[] | null | undefined>;

/** What `upsertFrom` accepts: an entity, or a response-like value whose `body` is one (or empty). */
export type EntityPayload<T> = T | BodyEnvelope<T | null | undefined> | null | undefined;

/**
 * An operator that writes each value into the store and passes it through unchanged, keeping the
 * source's exact type (`Observable<ApiResponse<Item[]>>` stays that).
 */
export type WriteThrough<P> = <V extends P>(source: Observable<V>) => Observable<V>;

/** The part of a store the write operators use. @internal */
export interface StoreWriter<T> {
  idOf(entity: T): EntityId;
  upsert(entity: T, config?: UpsertConfig): void;
  upsertMany(entities: readonly T[], config?: UpsertConfig): void;
  setCollection(name: string, ids: readonly EntityId[]): void;
  transaction<R>(fn: () => R): R;
  /** How many times the store was cleared: a write stream started before a clear writes nothing after it. */
  clearCount(): number;
}

/**
 * Writes every emitted list into the store (one notification per affected stream per emission),
 * optionally storing its id order as a collection. A `null`/`undefined` list or body (a 204, an
 * empty envelope) writes nothing; anything else that is not a list errors the stream.
 * @internal `EntityStore.upsertManyFrom` is the public form.
 */
export function upsertManyFrom<T>(store: StoreWriter<T>, config: UpsertManyFromConfig = {}): WriteThrough<EntitiesPayload<T>> {
  return <V extends EntitiesPayload<T>>(source: Observable<V>): Observable<V> =>
    defer(() => {
      // A response requested before the app cleared the store (a logout) belongs to what was cleared.
      const clears = store.clearCount();
      return source.pipe(
        tap((value) => {
          if (store.clearCount() !== clears) return;
          const entities = entitiesOf<T>(value);
          if (entities === undefined) return;
          store.transaction(() => {
            store.upsertMany(entities, config);
            if (config.collectionKey !== undefined) {
              store.setCollection(
                config.collectionKey,
                entities.map((entity) => store.idOf(entity)),
              );
            }
          });
        }),
      );
    });
}

/**
 * Writes every emitted entity into the store, unless the store was cleared since the stream was
 * subscribed (a logout: the answer belongs to what was cleared). A value with a `body` and no id of its own is
 * treated as an envelope and its `body` written; `null`/`undefined` writes nothing.
 * @internal `EntityStore.upsertFrom` is the public form.
 */
export function upsertFrom<T>(store: StoreWriter<T>, config: UpsertConfig = {}): WriteThrough<EntityPayload<T>> {
  return <V extends EntityPayload<T>>(source: Observable<V>): Observable<V> =>
    defer(() => {
      const clears = store.clearCount();
      return source.pipe(
        tap((value) => {
          if (store.clearCount() !== clears) return;
          const entity = entityOf(store, value);
          if (entity !== undefined) store.upsert(entity, config);
        }),
      );
    });
}

function entitiesOf<T>(value: EntitiesPayload<T>): readonly T[] | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) return value as readonly T[];
  if (hasBody(value)) {
    const body = value.body;
    if (body === null || body === undefined) return undefined;
    if (Array.isArray(body)) return body as readonly T[];
  }
  throw new TypeError('upsertManyFrom: expected an array or an object whose `body` is an array');
}

function entityOf<T>(store: StoreWriter<T>, value: EntityPayload<T>): T | undefined {
  if (value === null || value === undefined) return undefined;
  if (hasBody(value) && !hasOwnId(store, value)) {
    const body = value.body;
    return body === null || body === undefined ? undefined : body;
  }
  return value as T;
}

function hasOwnId<T>(store: StoreWriter<T>, value: unknown): boolean {
  try {
    return isEntityId(store.idOf(value as T));
  } catch {
    return false;
  }
}
