import type { Observable } from 'rxjs';
import { createEntityStore, type EntityStore } from '../../lib/store/entity-store';

/** The entity used across store specs. */
export interface Item {
  readonly id: number;
  readonly title: string;
  readonly done: boolean;
  readonly tags?: readonly string[];
}

export const item = (id: number, title = `item ${id}`, done = false): Item => ({ id, title, done });

/** A store holding items 1..n. */
export function storeWith(n: number): EntityStore<Item> {
  const store = createEntityStore<Item>({ idKey: 'id' });
  store.upsertMany(Array.from({ length: n }, (_, i) => item(i + 1)));
  return store;
}

/**
 * Runs each write when its marble fires: `drive(hot('-a-b', { a: () => store.update(1, …) }))`.
 * Writes are plain functions so a marble diagram reads as a timeline of store operations.
 */
export function drive(writes$: Observable<() => unknown>): void {
  writes$.subscribe((write) => write());
}
