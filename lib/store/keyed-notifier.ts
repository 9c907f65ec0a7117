import type { EntityChanges } from './entity.state';

/**
 * A stream's hook into the store, called when something it watches changed. The listener reads
 * the store's current state and decides itself whether to emit (by identity), so a duplicate or
 * late call never produces a duplicate emission.
 * @internal
 */
export interface StoreListener {
  /** Dispatch round in which this listener was last called; lets one round call it at most once. */
  round: number;
  notify(): void;
}

/**
 * A listener interested in every change (whole-list streams such as `selectAll`, `selectWhere`).
 * @internal
 */
export interface ChangeListener {
  onChanges(changes: EntityChanges): void;
}

/**
 * Routes each change only to the streams that watch it: `Map<key, Set<listener>>` for entities and
 * for collections, plus a set of listeners for whole-list streams.
 *
 * This is where the fan-out scales. Updating one entity looks up that entity's key and calls its
 * listeners; the 9,999 `select(id)` streams of other entities are never touched. (The textbook
 * `state$.pipe(map(s => s[id]), distinctUntilChanged())` runs all of them on every write.)
 *
 * A listener registered under several keys (`selectMany`, a collection) is called at most once per
 * dispatch round, however many of its keys changed, thanks to the `round` stamp.
 * @internal
 */
export class KeyedNotifier {
  private readonly byEntity = new Map<string, Set<StoreListener>>();
  private readonly byCollection = new Map<string, Set<StoreListener>>();
  private readonly changeListeners = new Set<ChangeListener>();
  private currentRound = 0;

  /** Calls `listener` when entity `key` changes; returns the function that stops it. */
  watchEntity(key: string, listener: StoreListener): () => void {
    return watch(this.byEntity, key, listener);
  }

  /** Calls `listener` when the id list of collection `name` changes. */
  watchCollection(name: string, listener: StoreListener): () => void {
    return watch(this.byCollection, name, listener);
  }

  /** Calls `listener` with every dispatched change. */
  watchChanges(listener: ChangeListener): () => void {
    this.changeListeners.add(listener);
    return () => {
      this.changeListeners.delete(listener);
    };
  }

  /** Number of keyed registrations (entity and collection); for tests and diagnostics. */
  get size(): number {
    let n = this.changeListeners.size;
    for (const set of this.byEntity.values()) n += set.size;
    for (const set of this.byCollection.values()) n += set.size;
    return n;
  }

  /**
   * Notifies the listeners of what `changes` touched. Cost: the listeners of the changed keys, plus
   * the whole-list listeners; independent of how many streams watch other entities.
   *
   * Listeners added during the round may be called in it too (Set iteration visits additions);
   * they read the current state and emit nothing if they already hold it.
   */
  dispatch(changes: EntityChanges): void {
    const round = ++this.currentRound;
    for (const key of changes.keys) notifyAll(this.byEntity.get(key), round);
    for (const name of changes.collections) notifyAll(this.byCollection.get(name), round);
    if (this.changeListeners.size > 0) for (const listener of this.changeListeners) listener.onChanges(changes);
  }
}

function watch(registry: Map<string, Set<StoreListener>>, key: string, listener: StoreListener): () => void {
  let set = registry.get(key);
  if (set === undefined) registry.set(key, (set = new Set()));
  set.add(listener);
  return () => {
    const current = registry.get(key);
    if (current === undefined) return;
    current.delete(listener);
    if (current.size === 0) registry.delete(key);
  };
}

function notifyAll(listeners: Set<StoreListener> | undefined, round: number): void {
  if (listeners === undefined) return;
  for (const listener of listeners) {
    if (listener.round === round) continue;
    listener.round = round;
    listener.notify();
  }
}
