/*
 * An entry's optimistic patch, shown in the entity store it names (`OutboxConfig.optimisticStores`)
 * while the entry is pending: applied at enqueue and again after a restart or a re-read (the patch
 * is stored with the entry), committed on a 2xx, rolled back on a dead letter or a discard. One
 * handle per entry, so a re-read never stacks the same patch twice.
 */
import type { OptimisticHandle } from '../store/optimistic';
import type { OutboxConfig } from './outbox-config';
import type { OutboxEntry } from './outbox-entry';
import { isPending } from './outbox.reducers';

export interface OutboxOptimisticPatches {
  /** Shows a pending entry's patch, unless it is shown already or its store is not configured. */
  reapply(entry: OutboxEntry): void;
  /** Ends the patch of entry `id`, if one is shown: kept (`commit`) or undone (`rollback`). */
  settle(id: string, outcome: 'commit' | 'rollback'): void;
}

export function createOutboxOptimistic(config: OutboxConfig): OutboxOptimisticPatches {
  const handles = new Map<string, OptimisticHandle>();
  return {
    reapply: (entry) => {
      if (!entry.optimistic || !isPending(entry) || handles.has(entry.id)) return;
      const store = config.optimisticStores?.[entry.optimistic.store];
      if (store === undefined) return;
      handles.set(entry.id, store.optimistic(entry.optimistic.id, entry.optimistic.patch));
    },
    settle: (id, outcome) => {
      const handle = handles.get(id);
      handles.delete(id);
      if (outcome === 'commit') handle?.commit();
      else handle?.rollback();
    },
  };
}
