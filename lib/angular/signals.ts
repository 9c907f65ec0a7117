import { assertInInjectionContext, inject, Injector, type Signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import type { Observable } from 'rxjs';
import type { EntityStore } from '../store/entity-store';
import type { EntityId } from '../store/entity.state';
import { trackQuery, type QueryData, type QueryStatus } from '../store/query-status';

/** Where a signal helper runs: in an injection context, or with an explicit `injector`. */
export interface SignalHelperOptions {
  /** Cleans up (unsubscribes) when this injector is destroyed; default: the current injection context's. */
  readonly injector?: Injector;
}

export function injectorFor(options: SignalHelperOptions, caller: (...args: never[]) => unknown): Injector {
  if (options.injector) return options.injector;
  assertInInjectionContext(caller);
  return inject(Injector);
}

/**
 * One entity as a signal: updates only when that entity changes (the store's `select` emits
 * synchronously and only for changes), and unsubscribes when the injector is destroyed. Works
 * zoneless: reading it in a template is what schedules the re-render.
 *
 * @example
 * ```ts
 * export class ItemRow {
 *   readonly id = input.required<number>();
 *   private readonly items = inject(ITEMS);
 *   readonly item = entitySignal(this.items, 42);
 * }
 * ```
 */
export function entitySignal<T>(store: EntityStore<T>, id: EntityId, options: SignalHelperOptions = {}): Signal<T | undefined> {
  return toSignal(store.select(id), { requireSync: true, injector: injectorFor(options, entitySignal) });
}

/**
 * All entities of a store as a signal (emits on membership, order or member changes).
 *
 * @example
 * readonly items = entitiesSignal(inject(ITEMS));
 */
export function entitiesSignal<T>(store: EntityStore<T>, options: SignalHelperOptions = {}): Signal<readonly T[]> {
  return toSignal(store.selectAll(), { requireSync: true, injector: injectorFor(options, entitiesSignal) });
}

/**
 * A query's status as a signal (`loading` → `success` / `error`, with `stale` and `fromCache`),
 * the rxsync counterpart of TanStack's `injectQuery`. Subscribes at once; unsubscribing (the
 * injector destroyed) cancels the request.
 *
 * @example
 * ```ts
 * readonly items = querySignal(this.client.request<Item[]>({ url: '/items' }));
 * // @switch (items().status) { @case ('success') { ... } @case ('error') { ... } }
 * ```
 */
export function querySignal<V>(source$: Observable<V>, options: SignalHelperOptions = {}): Signal<QueryStatus<QueryData<V>>> {
  return toSignal(trackQuery(source$), { requireSync: true, injector: injectorFor(options, querySignal) });
}

/**
 * Any Observable that emits synchronously on subscribe (a BehaviorSubject-backed stream such as
 * `client.online$` or `client.outbox.pending$`) as a signal tied to the injector.
 *
 * @example
 * readonly pending = syncSignal(this.client.outbox.pending$);
 */
export function syncSignal<T>(source$: Observable<T>, options: SignalHelperOptions = {}): Signal<T> {
  return toSignal(source$, { requireSync: true, injector: injectorFor(options, syncSignal) });
}
