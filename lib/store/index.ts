/**
 * The entity store: normalized entities in a `BehaviorSubject`, keyed read streams, response write
 * operators, optimistic layers and query status. Knows nothing of HTTP; imports only rxjs.
 *
 * `lib/index.ts` re-exports the public names listed here.
 */
export { createEntityStore } from './entity-store';
export type { EntityStore, EntityStoreConfig } from './entity-store';
export type { EntityId, EntityState, IdKey } from './entity.state';
export { EntityMap } from './entity-map';
export type { EntityUpdater, UpsertMode } from './entity.reducers';
export type { EntitiesPayload, EntityPayload, UpsertConfig, UpsertManyFromConfig, WriteThrough } from './entity.operators';
export { withOptimistic } from './optimistic';
export type { OptimisticHandle, OptimisticTarget } from './optimistic';
export { toQueryStatus, trackQuery } from './query-status';
export type { QueryData, QueryFailure, QueryLoading, QueryStatus, QuerySuccess, TrackQueryConfig } from './query-status';
export { deepEqual } from '../core/deep-equal';
export type { BodyEnvelope } from './response-like';
