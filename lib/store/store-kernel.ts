import { BehaviorSubject } from 'rxjs';
import { deepEqual } from '../core/deep-equal';
import { type EntityUpdater } from './entity.reducers';
import { type EntityChanges, type EntityId, type EntityState, type Reduction, emptyEntityState, resolveIds, toKey } from './entity.state';
import { KeyedNotifier } from './keyed-notifier';
import { type OptimisticHandle, type OptimisticLayer, foldLayers, resolveLayer, settleLayers } from './optimistic';

type Layers<T> = ReadonlyMap<string, readonly OptimisticLayer<T>[]>;

/**
 * The stateful heart of an entity store: confirmed state, optimistic layers, the state the readers
 * see, and the notification loop. `createEntityStore` wraps it in the public API.
 *
 * Notification order and re-entrancy: a write replaces the state at once (sync getters see it),
 * then notifications are delivered by one loop. A write made *by a subscriber* during delivery
 * only queues its changes; the loop delivers them when the current round ends. Every subscriber
 * therefore sees states in the order they were written, never an older one after a newer one
 * (the glitch a nested `BehaviorSubject.next` produces). Inside `transaction` nothing is delivered
 * until the outermost transaction returns.
 * @internal
 */
export class StoreKernel<T> {
  readonly notifier = new KeyedNotifier();
  /** The visible state, emitted once per delivery round. */
  readonly subject: BehaviorSubject<EntityState<T>>;
  private base: EntityState<T>;
  private visible: EntityState<T>;
  private layers: Layers<T> = new Map();
  private pending: EntityChanges | undefined;
  private depth = 0;
  private delivering = false;
  private nextToken = 0;
  private allMemo: { state: EntityState<T>; value: readonly T[] } | undefined;

  constructor() {
    this.base = this.visible = emptyEntityState<T>();
    this.subject = new BehaviorSubject(this.visible);
  }

  /** The state readers see (confirmed state with optimistic layers applied). */
  current(): EntityState<T> {
    return this.visible;
  }

  /** All entities in `ids` order; the same array until membership, order or a member changes. */
  all(): readonly T[] {
    const state = this.visible;
    const memo = this.allMemo;
    if (memo !== undefined && memo.state.entities === state.entities && memo.state.ids === state.ids) return memo.value;
    const value = resolveIds(state, state.ids);
    this.allMemo = { state, value };
    return value;
  }

  /** Applies a pure reducer to the confirmed state. */
  write(reduce: (state: EntityState<T>) => Reduction<T>): void {
    const { state, changes } = reduce(this.base);
    if (changes !== undefined) this.commit(state, this.layers, changes);
  }

  /** Runs `fn`; its writes are delivered together when it returns, or all undone if it throws. */
  transaction<R>(fn: () => R): R {
    const { base, visible, layers } = this;
    this.depth++;
    try {
      return fn();
    } catch (error) {
      this.base = base;
      this.visible = visible;
      this.layers = layers;
      throw error;
    } finally {
      this.depth--;
      this.deliver();
    }
  }

  /** Adds an optimistic layer on entity `id`. */
  optimistic(id: EntityId, updater: EntityUpdater<T>): OptimisticHandle {
    const key = toKey(id);
    const token = ++this.nextToken;
    this.setLayers(key, [...(this.layers.get(key) ?? []), { token, updater, committed: false }]);
    let settled = false;
    const settle = (outcome: 'commit' | 'rollback'): void => {
      if (settled) return;
      settled = true;
      const list = this.layers.get(key);
      if (list !== undefined) this.setLayers(key, resolveLayer(list, token, outcome));
    };
    return { commit: () => settle('commit'), rollback: () => settle('rollback') };
  }

  private setLayers(key: string, list: readonly OptimisticLayer<T>[]): void {
    const settled = settleLayers(this.base.entities.get(key), list);
    let base = this.base;
    if (settled.base !== base.entities.get(key) && settled.base !== undefined) {
      base = { ...base, entities: base.entities.set(key, settled.base) };
    }
    const layers = new Map(this.layers);
    if (settled.layers.length > 0) layers.set(key, settled.layers);
    else layers.delete(key);
    this.commit(base, layers, { keys: [key], ids: false, collections: [] });
  }

  private commit(base: EntityState<T>, layers: Layers<T>, changes: EntityChanges): void {
    if (layers.size === 0 && this.layers.size === 0) {
      // The common case: no optimistic layer, what is confirmed is what is seen.
      this.base = this.visible = base;
      this.enqueue(changes);
      return;
    }
    const prev = this.visible;
    let entities = prev.entities;
    const keys: string[] = [];
    for (const key of changes.keys) {
      const list = layers.get(key);
      let next = list === undefined ? base.entities.get(key) : foldLayers(base.entities.get(key), list);
      const before = prev.entities.get(key);
      if (next !== before && next !== undefined && before !== undefined && deepEqual(next, before)) {
        next = before;
        // Keep `visible(k) === base(k)` for keys without layers, so `visible = base` stays valid below.
        if (list === undefined) base = { ...base, entities: base.entities.set(key, before) };
      }
      if (next === before) continue;
      entities = next === undefined ? entities.delete(key) : entities.set(key, next);
      keys.push(key);
    }
    this.base = base;
    this.layers = layers;
    this.visible = layers.size === 0 ? base : { entities, ids: base.ids, collections: base.collections };
    const ids = this.visible.ids !== prev.ids;
    if (keys.length > 0 || ids || !isEmpty(changes.collections)) this.enqueue({ keys, ids, collections: changes.collections });
  }

  private enqueue(changes: EntityChanges): void {
    this.pending = this.pending === undefined ? changes : mergeChanges(this.pending, changes);
    this.deliver();
  }

  private deliver(): void {
    if (this.depth > 0 || this.delivering) return;
    this.delivering = true;
    try {
      while (this.pending !== undefined) {
        const changes = this.pending;
        this.pending = undefined;
        if (this.subject.value !== this.visible) this.subject.next(this.visible);
        this.notifier.dispatch(changes);
      }
    } finally {
      this.delivering = false;
    }
  }
}

/** Accumulates the changes of several writes (a transaction, or writes made during delivery). */
class MergedChanges implements EntityChanges {
  readonly keys = new Set<string>();
  readonly collections = new Set<string>();
  ids = false;

  add(changes: EntityChanges): this {
    for (const key of changes.keys) this.keys.add(key);
    for (const name of changes.collections) this.collections.add(name);
    this.ids ||= changes.ids;
    return this;
  }
}

function mergeChanges(a: EntityChanges, b: EntityChanges): EntityChanges {
  return (a instanceof MergedChanges ? a : new MergedChanges().add(a)).add(b);
}

function isEmpty(values: Iterable<string>): boolean {
  for (const _ of values) return false;
  return true;
}
