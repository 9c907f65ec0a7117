import { type MonoTypeOperatorFunction, defer, finalize, tap } from 'rxjs';
import { type EntityUpdater, applyUpdater } from './entity.reducers';
import type { EntityId } from './entity.state';

/**
 * Optimistic updates as layers over the confirmed state.
 *
 * The store keeps the *confirmed* (base) entity and, per entity, an ordered list of pending
 * patches. What readers see is the base with every layer applied in order. So:
 * - rolling back one patch recomputes from the base and the *other* layers: a concurrent patch on
 *   the same entity keeps its change (undoing "to the value before my patch" would erase it);
 * - a server write that lands while patches are pending goes into the base, and the pending
 *   patches are re-applied on top of it (they are not clobbered by a background refetch);
 * - a committed patch is folded into the base only when every earlier patch on that entity has
 *   settled, so the order in which the user made the changes is the order they apply in.
 */

/** One pending (or committed, waiting for earlier layers) patch. */
export interface OptimisticLayer<T> {
  readonly token: number;
  readonly updater: EntityUpdater<T>;
  readonly committed: boolean;
}

/**
 * A pending optimistic change. `commit()` confirms it (the mutation succeeded), `rollback()`
 * removes it (it failed). Only the first call counts; later calls do nothing.
 */
export interface OptimisticHandle {
  commit(): void;
  rollback(): void;
}

/** What `withOptimistic` needs from a store. */
export interface OptimisticTarget<T> {
  optimistic(id: EntityId, updater: EntityUpdater<T>): OptimisticHandle;
}

/** The entity readers see: `base` with every layer applied in order (`undefined` stays `undefined`). */
export function foldLayers<T>(base: T | undefined, layers: readonly OptimisticLayer<T>[]): T | undefined {
  if (base === undefined) return undefined;
  let entity: T = base;
  for (const layer of layers) entity = applyUpdater(entity, layer.updater);
  return entity;
}

/**
 * Folds the committed prefix of `layers` into `base`: those patches are confirmed and nothing
 * earlier is pending. Layers after the first pending one stay layers, committed or not.
 */
export function settleLayers<T>(
  base: T | undefined,
  layers: readonly OptimisticLayer<T>[],
): { readonly base: T | undefined; readonly layers: readonly OptimisticLayer<T>[] } {
  let i = 0;
  while (i < layers.length && layers[i].committed) i++;
  if (i === 0) return { base, layers };
  return { base: foldLayers(base, layers.slice(0, i)), layers: layers.slice(i) };
}

/** `layers` with layer `token` marked committed (or removed, for a rollback); the same array if absent. */
export function resolveLayer<T>(layers: readonly OptimisticLayer<T>[], token: number, outcome: 'commit' | 'rollback'): readonly OptimisticLayer<T>[] {
  const index = layers.findIndex((layer) => layer.token === token);
  if (index < 0) return layers;
  if (outcome === 'rollback') return layers.filter((_, i) => i !== index);
  return layers.map((layer, i) => (i === index ? { ...layer, committed: true } : layer));
}

/**
 * Wraps a mutation Observable in an optimistic update of entity `id`: the patch shows at
 * subscription, is committed by the mutation's first value (or its completion), and rolled back
 * if it errors or is unsubscribed before settling (a cancelled request changed nothing).
 *
 * The commit runs *before* the value goes downstream, so a following `upsertFrom()` writes the
 * server's entity over the confirmed patch: put `withOptimistic` first.
 *
 * ```
 * mutation:  ----r|        ----#
 * entity 7:  p---c         p---x     (p: patched, c: committed, x: rolled back)
 * ```
 *
 * @example
 * ```ts
 * client.patch<Item>(`/items/${id}`, { done: true }).pipe(
 *   withOptimistic(items, id, { done: true }),
 *   items.upsertFrom(),
 * ).subscribe();
 * ```
 */
export function withOptimistic<T, V>(store: OptimisticTarget<T>, id: EntityId, updater: EntityUpdater<T>): MonoTypeOperatorFunction<V> {
  return (source) =>
    defer(() => {
      const handle = store.optimistic(id, updater);
      return source.pipe(
        tap({ next: () => handle.commit(), complete: () => handle.commit(), error: () => handle.rollback() }),
        // Unsubscribed before a value or an error: the request was cancelled.
        finalize(() => handle.rollback()),
      );
    });
}
