import type { HttpError } from '../core/errors';
import type { OptimisticHandle } from '../store/optimistic';
import type { EntityId } from '../store/entity.state';
import type { OutboxEntry } from './outbox-entry';
import type { OutboxStorage } from './outbox-storage';
import type { DrainLock } from './drain-lock';

/**
 * What to do with an entry the server answered 409/412 (a conflict, not "still processing"):
 * - `'dead'` (default): a dead letter, with the server's body in `lastError.body`;
 * - `'drop'`: removed, its optimistic change rolled back;
 * - `{ retryWith }`: sent again with a new body (e.g. rebased on the server's version) and a new
 *   Idempotency-Key (a server answers 422 to a key reused with another payload).
 */
export type ConflictResolution = 'dead' | 'drop' | { readonly retryWith: { readonly body?: unknown; readonly headers?: Readonly<Record<string, string>> } };

/** @example onConflict: (entry, error) => (entry.method === 'DELETE' ? 'drop' : 'dead') */
export type ConflictHandler = (entry: OutboxEntry, error: HttpError) => ConflictResolution;

/**
 * The outbox's settings. Defaults, as a table:
 *
 * | field            | default                   | why                                                        |
 * | ---------------- | ------------------------- | ---------------------------------------------------------- |
 * | storage          | localforage (IndexedDB)   | survives restart; on Capacitor iOS use `sqliteOutboxStorage` |
 * | baseDelayMs      | 1000                      | first wait after a 5xx / network failure, doubling, full jitter |
 * | maxDelayMs       | 300000                    | an entry is never given up on a transient failure; it waits ≤ 5 min |
 * | storageTimeoutMs | 5000                      | a storage that never answers becomes a typed error, not a hang |
 * | onConflict       | `'dead'`                  | the user decides; nothing overwritten silently             |
 * | logout           | `'keep'`                  | a user's unsent changes wait for their next login; never sent with another user's token |
 * | drainLock        | Web Locks, else a lease in storage | one tab sends                                     |
 */
export interface OutboxConfig {
  readonly storage?: OutboxStorage;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly storageTimeoutMs?: number;
  readonly onConflict?: ConflictHandler;
  /** On logout / account switch: keep the previous user's entries for their next login, or discard them. */
  readonly logout?: 'keep' | 'discard';
  /**
   * Entity stores an entry's `optimistic` patch may name. The patch is shown at enqueue, shown
   * again after a restart (re-applied from storage), committed on success, rolled back on a dead letter.
   */
  readonly optimisticStores?: Readonly<Record<string, OutboxOptimisticTarget>>;
  /**
   * How the outbox instances of several tabs tell each other "the storage changed" (an enqueue, a
   * final answer) and pass on final answers to the tab that queued the entry. Default: a
   * `BroadcastChannel('rxsync-outbox')` in a browser document; `false` in Node and web workers
   * (without it, the drainer re-reads the storage on `drain()` and when it takes the lock).
   */
  readonly tabs?: OutboxTabChannel | false;
  /** Who drains when several tabs share the storage. */
  readonly drainLock?: DrainLock | 'web-locks' | 'lease' | 'none';
  /**
   * Mutations sent without an `offline` option: `'fallback'` queues them when sent while offline
   * or when their retries run out on a transient failure. Default: not queued (fail as before).
   */
  readonly mutations?: 'fallback' | 'queue';
}

/**
 * What the outbox needs of a store named in `optimisticStores`: any `EntityStore<T>` fits. The
 * patch is plain data (it was stored with the entry), so the store's entity type does not matter here.
 */
export interface OutboxOptimisticTarget {
  optimistic(id: EntityId, patch: Readonly<Record<string, unknown>>): OptimisticHandle;
}

/** The part of `BroadcastChannel` the outbox uses. */
export interface OutboxTabChannel {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  removeEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  close(): void;
}

/** Per-request outbox options of `post/put/patch/delete`. */
export interface OutboxRequestOptions {
  /** Send order is kept per scope (default: the URL's origin). */
  readonly scope?: string;
  /** A plain patch to show in a store named in `optimisticStores` until the server answers. */
  readonly optimistic?: { readonly store: string; readonly id: string | number; readonly patch: Readonly<Record<string, unknown>> };
  /** Your data, stored with the entry (a label for the outbox screen). */
  readonly meta?: Readonly<Record<string, unknown>>;
}
