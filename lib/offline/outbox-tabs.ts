/*
 * Several tabs (or windows, or processes) can share one outbox storage; one of them drains
 * (`drain-lock.ts`). This keeps the others' memory in step with the storage: a tab message
 * (`OutboxConfig.tabs`) says "the storage changed" or carries a final answer to the tab that queued
 * the entry, and a re-read of the storage (`resync`) merges what the other tabs enqueued or finished.
 */
import { Observable, concat, defer, map } from 'rxjs';
import type { ApiEnv } from '../core/env';
import { OutboxError } from '../core/errors';
import type { ApiResponse } from '../core/response';
import type { OutboxTabChannel } from './outbox-config';
import { compareEntries, type OutboxEntry } from './outbox-entry';
import type { OutboxOptimisticPatches } from './outbox-optimistic';
import type { OutboxPersistence } from './outbox-persistence';
import type { OutboxState } from './outbox-state';
import { isPending, toDead, toQueued } from './outbox.reducers';

const TAB_PROTOCOL = 'rxsync-outbox/1';

/** What the outbox instances of one storage tell each other. */
type TabMessage =
  | { readonly type: 'changed' }
  | {
      readonly type: 'settled';
      readonly id: string;
      readonly response?: Pick<ApiResponse, 'status' | 'headers' | 'body' | 'url'>;
      readonly reason?: 'dead' | 'discarded';
      readonly detail?: string;
    };

export interface OutboxTabsDeps {
  readonly state: OutboxState;
  readonly env: ApiEnv;
  readonly persistence: OutboxPersistence;
  readonly optimistic: OutboxOptimisticPatches;
  /** The other tabs; none: this instance is alone or polls by `drain()`. */
  readonly tabs: OutboxTabChannel | undefined;
  /** How long a vanished entry waits for its answer over the channel. */
  readonly storageTimeoutMs: number;
  readonly load: () => Observable<void>;
  /** Looks for work (the drain loop); called after every re-read. */
  readonly kick: () => void;
}

export interface OutboxTabs {
  /** Tells the other tabs the storage changed. */
  changed(): void;
  /** Gives the waiters of `entry`, here and in the other tabs, its final answer. */
  settle(entry: OutboxEntry, result: { response?: ApiResponse; error?: OutboxError }): void;
  /** Another instance finished entry `id` (the storage no longer has it). */
  forget(id: string): void;
  /** Re-reads the storage, then looks for work; `takeOver`: this instance just became the drainer. */
  resync(takeOver?: boolean): void;
  /** The channel's `message` listener. */
  readonly onMessage: (event: { readonly data: unknown }) => void;
}

export function createOutboxTabs({ state, env, persistence, optimistic, tabs, storageTimeoutMs, load, kick }: OutboxTabsDeps): OutboxTabs {
  const { entries, inFlight, writing, vanished, settled } = state;

  /** Tells the other tabs the storage changed (best effort: a closed channel leaves this tab alone). */
  const announce = (message: TabMessage): void => {
    try {
      tabs?.postMessage({ p: TAB_PROTOCOL, ...message });
    } catch {
      // a closed or broken channel: the others still re-read on drain() and on taking the lock
    }
  };

  const settle = (entry: OutboxEntry, result: { response?: ApiResponse; error?: OutboxError }): void => {
    settled.next({ id: entry.id, ...result });
    const { response, error } = result;
    announce(
      response
        ? { type: 'settled', id: entry.id, response: { status: response.status, headers: response.headers, body: response.body, url: response.url } }
        : { type: 'settled', id: entry.id, reason: error?.reason === 'dead' ? 'dead' : 'discarded', detail: error?.message },
    );
  };

  /**
   * Another instance finished an entry this one remembers (the storage no longer has it). Its
   * final answer comes over the tab channel, maybe after the storage told: the entry waits in
   * `vanished` for it, `storageTimeoutMs` at most. Without a channel, or without word in time, the
   * waiters get `OutboxError('settled-elsewhere')` (never a hang) and the optimistic change stays
   * (the entry left the storage: its answer was final, most likely a success).
   */
  const forget = (id: string): void => {
    const entry = entries.get(id);
    if (entry === undefined || inFlight.has(id)) return;
    entries.delete(id);
    const giveUp = (): void => {
      vanished.delete(id);
      optimistic.settle(id, 'commit');
      settled.next({
        id,
        error: new OutboxError(entry, 'settled-elsewhere', { detail: 'another tab or process sent it; its answer did not reach this one' }),
      });
    };
    if (tabs === undefined) return giveUp();
    vanished.set(id, { entry, timer: env.scheduler.schedule(giveUp, storageTimeoutMs) });
  };

  /**
   * Re-reads the storage and merges it into memory: entries another tab enqueued appear, entries
   * another tab finished leave, the stored state of every entry this instance is not sending or
   * writing wins. `takeOver` (this instance just became the drainer): a `sending` entry claimed by
   * another instance belongs to a drainer that is gone; it goes again, with its key.
   */
  const refresh = (takeOver: boolean): Observable<void> =>
    defer(() => {
      const before = new Set(entries.keys());
      const found = new Map<string, OutboxEntry>();
      return persistence.readEntries(persistence.keys(), 'refresh keys', found, false).pipe(
        map(() => {
          for (const id of before) if (!found.has(id) && !writing.has(id)) forget(id);
          // In queue order: optimistic layers stack in the order applied, and the last edit must end on top.
          for (const stored of [...found.values()].sort(compareEntries)) {
            if (inFlight.has(stored.id) || writing.has(stored.id)) continue;
            const next = takeOver && stored.status === 'sending' && stored.claimedBy !== state.owner ? toQueued(stored) : stored;
            state.seq = Math.max(state.seq, next.seq + 1);
            entries.set(next.id, next);
            if (isPending(next)) optimistic.reapply(next);
            else if (next.status === 'dead') optimistic.settle(next.id, 'rollback');
          }
          state.publish();
          state.checkIdle();
        }),
      );
    });

  /** One refresh at a time; one asked for during another runs after it. */
  let refreshing = false;
  let again: boolean | undefined;
  const resync = (takeOver = false): void => {
    if (state.closed || state.loaded === undefined) return;
    if (refreshing) {
      again = (again ?? false) || takeOver;
      return;
    }
    refreshing = true;
    const done = (): void => {
      refreshing = false;
      kick();
      if (again !== undefined && !state.closed) {
        const next = again;
        again = undefined;
        resync(next);
      }
    };
    state.subscriptions.add(concat(load(), refresh(takeOver)).subscribe({ error: done, complete: done }));
  };

  /** What another tab said: an entry settled there (its waiters here hear it), or the storage changed. */
  const onMessage = (event: { readonly data: unknown }): void => {
    const message = event.data as (TabMessage & { p?: unknown }) | null;
    if (state.closed || typeof message !== 'object' || message === null || message.p !== TAB_PROTOCOL) return;
    if (message.type === 'settled') {
      const gone = vanished.get(message.id);
      gone?.timer.unsubscribe();
      vanished.delete(message.id);
      const entry = entries.get(message.id) ?? gone?.entry;
      if (entry !== undefined && !inFlight.has(entry.id)) {
        if (message.response) {
          entries.delete(entry.id);
          optimistic.settle(entry.id, 'commit');
          settled.next({ id: entry.id, response: { ...message.response, fromCache: false, stale: false } });
        } else {
          if (message.reason === 'dead') entries.set(entry.id, toDead(entry, new Error(message.detail ?? 'dead letter')));
          else entries.delete(entry.id);
          optimistic.settle(entry.id, 'rollback');
          settled.next({ id: entry.id, error: new OutboxError(entry, message.reason ?? 'discarded', { detail: message.detail }) });
        }
        state.publish();
        state.checkIdle();
      }
    }
    resync(false);
  };

  return { changed: () => announce({ type: 'changed' }), settle, forget, resync, onMessage };
}
