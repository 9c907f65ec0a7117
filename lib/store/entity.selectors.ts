import { Observable } from 'rxjs';
import { shallowEqualArrays } from '../core/deep-equal';
import { type EntityChanges, type EntityId, resolveIds, toKey } from './entity.state';
import type { StoreListener } from './keyed-notifier';
import type { StoreKernel } from './store-kernel';

/**
 * Read streams of the entity store. Each one:
 * - emits the current value synchronously on subscription (like a `BehaviorSubject`), so Angular's
 *   `toSignal(stream, { requireSync: true })` works;
 * - then emits only when its value changes by identity, i.e. `distinctUntilChanged` semantics, but
 *   without running on unrelated writes: it registers under the keys it reads in the store's
 *   `KeyedNotifier`, and is called only when one of those changed;
 * - unregisters on unsubscribe.
 *
 * Lists compare element-wise (`===` per member), so a list re-emits only when membership, order or
 * a member changed.
 * @internal
 */

/** Entity `id`, or `undefined` while it is absent. */
export function selectEntity<T>(kernel: StoreKernel<T>, id: EntityId): Observable<T | undefined> {
  const key = toKey(id);
  return new Observable<T | undefined>((subscriber) => {
    let last: T | undefined;
    const listener: StoreListener = {
      round: 0,
      notify: () => {
        const value = kernel.current().entities.get(key);
        if (value === last) return;
        last = value;
        subscriber.next(value);
      },
    };
    // Register before the first emission: a write made by the subscriber while it handles the
    // first value must reach it.
    const stop = kernel.notifier.watchEntity(key, listener);
    last = kernel.current().entities.get(key);
    subscriber.next(last);
    return stop;
  });
}

/** The entities of `ids` that exist, in the order given. */
export function selectEntities<T>(kernel: StoreKernel<T>, ids: readonly EntityId[]): Observable<readonly T[]> {
  const keys = [...new Set(ids.map(toKey))];
  return new Observable<readonly T[]>((subscriber) => {
    let last: readonly T[] | undefined;
    const listener: StoreListener = {
      round: 0,
      notify: () => {
        const value = resolveIds(kernel.current(), ids);
        if (last !== undefined && shallowEqualArrays(value, last)) return;
        last = value;
        subscriber.next(value);
      },
    };
    const stops = keys.map((key) => kernel.notifier.watchEntity(key, listener));
    listener.notify();
    return () => stops.forEach((stop) => stop());
  });
}

/** All entities, in `ids` order. */
export function selectAllEntities<T>(kernel: StoreKernel<T>): Observable<readonly T[]> {
  return new Observable<readonly T[]>((subscriber) => {
    let last = kernel.all();
    const stop = kernel.notifier.watchChanges({
      onChanges: () => {
        const value = kernel.all();
        if (value === last || shallowEqualArrays(value, last)) return;
        last = value;
        subscriber.next(value);
      },
    });
    subscriber.next(last);
    return stop;
  });
}

/**
 * The entities matching `predicate`, in `ids` order. Incremental: a write re-tests only the
 * entities it changed, and rebuilds the list only if one of them entered, left or was a match.
 * A write that changes `ids` (insert, remove, reorder) re-tests everything.
 */
export function selectEntitiesWhere<T>(kernel: StoreKernel<T>, predicate: (entity: T) => boolean): Observable<readonly T[]> {
  return new Observable<readonly T[]>((subscriber) => {
    let matched = new Set<string>();
    let last: readonly T[] | undefined;
    const emit = (value: readonly T[]): void => {
      if (last !== undefined && shallowEqualArrays(value, last)) return;
      last = value;
      subscriber.next(value);
    };
    const retestAll = (): readonly T[] => {
      const state = kernel.current();
      const out: T[] = [];
      matched = new Set();
      for (const id of state.ids) {
        const key = toKey(id);
        const entity = state.entities.get(key);
        if (entity !== undefined && predicate(entity)) {
          matched.add(key);
          out.push(entity);
        }
      }
      return out;
    };
    const onChanges = (changes: EntityChanges): void => {
      if (changes.ids) return emit(retestAll());
      const state = kernel.current();
      let dirty = false;
      for (const key of changes.keys) {
        const entity = state.entities.get(key);
        if (entity !== undefined && predicate(entity)) {
          matched.add(key);
          dirty = true;
        } else if (matched.delete(key)) dirty = true;
      }
      if (dirty) emit(state.ids.flatMap((id) => (matched.has(toKey(id)) ? [state.entities.get(toKey(id))!] : [])));
    };
    const stop = kernel.notifier.watchChanges({
      onChanges: (changes) => {
        try {
          onChanges(changes);
        } catch (error) {
          stop();
          subscriber.error(error);
        }
      },
    });
    emit(retestAll());
    return stop;
  });
}

/** The members of collection `name` that exist, in order; `undefined` until the collection is set. */
export function selectCollectionEntities<T>(kernel: StoreKernel<T>, name: string): Observable<readonly T[] | undefined> {
  return new Observable<readonly T[] | undefined>((subscriber) => {
    const members = new Map<string, () => void>();
    let watchedIds: readonly EntityId[] | undefined;
    let emitted = false;
    let last: readonly T[] | undefined;
    const listener: StoreListener = {
      round: 0,
      notify: () => {
        const state = kernel.current();
        const ids = state.collections.get(name);
        if (ids !== watchedIds) {
          watchedIds = ids;
          rewatch(ids ?? []);
        }
        const value = ids === undefined ? undefined : resolveIds(state, ids);
        if (emitted && (value === last || (value !== undefined && last !== undefined && shallowEqualArrays(value, last)))) return;
        emitted = true;
        last = value;
        subscriber.next(value);
      },
    };
    const rewatch = (ids: readonly EntityId[]): void => {
      const keys = new Set(ids.map(toKey));
      for (const [key, stop] of members) {
        if (keys.has(key)) continue;
        stop();
        members.delete(key);
      }
      for (const key of keys) if (!members.has(key)) members.set(key, kernel.notifier.watchEntity(key, listener));
    };
    const stopCollection = kernel.notifier.watchCollection(name, listener);
    listener.notify();
    return () => {
      stopCollection();
      for (const stop of members.values()) stop();
      members.clear();
    };
  });
}
