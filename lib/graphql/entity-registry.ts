import type { Observable } from 'rxjs';
import { createEntityStore, type EntityId, type EntityStore } from '../store';
import { collectEntities, type EntityRef, parseEntityRef } from './normalize';

/**
 * One entity store per GraphQL type, filled from query and mutation results. Created by
 * {@link createEntityRegistry}.
 */
export interface EntityRegistry {
  /**
   * The store of `typename` (created on first use, ids read from `id`). Use it for everything the
   * entity store offers: `selectAll`, `selectWhere`, optimistic updates.
   */
  storeFor<T>(typename: string): EntityStore<T>;
  /**
   * Entity `ref`, `undefined` while unknown. Emits at once, then only when that entity changes:
   * a result with deep-equal data emits nothing.
   */
  select<T>(ref: EntityRef): Observable<T | undefined>;
  /**
   * Writes every entity found in `data` (any depth) into the store of its type, merging with what
   * is stored (fields a result did not select are kept). One notification per store per write.
   */
  write(data: unknown): void;
}

/**
 * Creates an entity registry for GraphQL results: pass it as `graphql.normalize` to
 * `createApiClient`, and a mutation's result updates every view of the entities it returns.
 *
 * @example
 * const registry = createEntityRegistry();
 * const client = createApiClient({ baseUrl, graphql: { normalize: registry } });
 * registry.select<Item>('Item:3').subscribe((item) => render(item)); // undefined, then the item
 * client.graphql(ITEMS).subscribe();                                   // writes Item:3 (and the others)
 * client.graphql(RENAME, { id: '3', name: 'Lamp' }).subscribe();      // the view above shows 'Lamp'
 */
export function createEntityRegistry(): EntityRegistry {
  const stores = new Map<string, EntityStore<unknown>>();

  const storeFor = <T>(typename: string): EntityStore<T> => {
    let store = stores.get(typename);
    if (store === undefined) {
      store = createEntityStore<unknown>({ getId: (entity) => (entity as { id: EntityId }).id });
      stores.set(typename, store);
    }
    return store as EntityStore<T>;
  };

  return {
    storeFor,
    select: <T>(ref: EntityRef) => {
      const { typename, id } = parseEntityRef(ref);
      return storeFor<T>(typename).select(id);
    },
    write: (data) => {
      for (const [typename, entities] of collectEntities(data)) storeFor<unknown>(typename).upsertMany(entities);
    },
  };
}
