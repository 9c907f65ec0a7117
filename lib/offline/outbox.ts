/*
 * The outbox as the app sees it (`client.outbox`): the public `Outbox` type and `createOutbox`, which
 * wires the parts together and holds the public operations (enqueue, settled, retry, discard,
 * drain, whenIdle, close). Each part has its own file: the shared state (`outbox-state.ts`), the
 * storage I/O with its timeouts (`outbox-persistence.ts`), the first load (`outbox-load.ts`), the
 * cross-tab sync (`outbox-tabs.ts`), the send loop (`outbox-drain.ts`) and the optimistic patches
 * (`outbox-optimistic.ts`).
 */
import { EMPTY, Observable, catchError, concat, defer, distinctUntilChanged, filter, ignoreElements, map, of, take, throwError } from 'rxjs';
import type { ApiEnv } from '../core/env';
import { OutboxError } from '../core/errors';
import type { Handler } from '../core/layer';
import type { ApiResponse } from '../core/response';
import { originOf } from '../core/url';
import type { Connectivity } from './connectivity';
import type { DrainLock } from './drain-lock';
import type { ConflictResolution, OutboxConfig, OutboxTabChannel } from './outbox-config';
import { entryKey, storableHeaders, unstorableReason, type OutboxEntry, type OutboxMethod, type OutboxOptimistic } from './outbox-entry';
import { createOutboxDrain } from './outbox-drain';
import { createOutboxLoad } from './outbox-load';
import { createOutboxOptimistic } from './outbox-optimistic';
import { StorageTimeout, createOutboxPersistence, describe, notQueued } from './outbox-persistence';
import { createOutboxState } from './outbox-state';
import type { OutboxStorage } from './outbox-storage';
import { createOutboxTabs } from './outbox-tabs';
import { isPending, toQueued } from './outbox.reducers';

/** What a caller queues. */
export interface OutboxRequest {
  readonly method: OutboxMethod;
  /** Absolute URL. */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Default: generated (`crypto.randomUUID()`). Give your own to make a retry by the app idempotent too. */
  readonly idempotencyKey?: string;
  /** Entries of one scope are sent one at a time, in order. Default: the URL's origin. */
  readonly scope?: string;
  /** A patch shown in a named entity store at once, committed on success, rolled back on dead letter. */
  readonly optimistic?: OutboxOptimistic;
  readonly meta?: Readonly<Record<string, unknown>>;
  readonly attempts?: number;
}

/** The offline mutation queue, as `client.outbox`. */
export interface Outbox {
  /** Entries not yet done or dead: queued, sending, retrying. For badges. */
  readonly pending$: Observable<number>;
  /** The current user's entries in send order, with their status; a done entry shows once, then leaves. */
  readonly entries$: Observable<readonly OutboxEntry[]>;
  /** Dead letters: final refusals, with `lastError` (status and the server's body). */
  readonly deadLetters$: Observable<readonly OutboxEntry[]>;
  /**
   * Stores a mutation and emits the stored entry once it is persisted (then completes). Errors with
   * `OutboxError` (`queued: false`) when it could not be stored: nothing will send it.
   */
  enqueue(request: OutboxRequest): Observable<OutboxEntry>;
  /** The final answer to entry `id`: the 2xx response, or `OutboxError` (`dead` / `discarded`). */
  settled<T = unknown>(id: string): Observable<ApiResponse<T>>;
  /** Puts a dead letter back in line (attempt count kept). Completes when persisted. */
  retry(id: string): Observable<void>;
  /** Removes an entry that is not on the wire (a dead letter, usually); rolls back its optimistic change. */
  discard(id: string): Observable<void>;
  /** Removes every entry of another user (or of `partition`). For "log out and forget my changes". */
  discardPartition(partition: string): Observable<void>;
  /** Looks for work now (app resume, a push from the server). */
  drain(): void;
  /** Emits once (and completes) when the current user has no pending entry and nothing is in flight. */
  whenIdle(): Observable<void>;
  /** Stops draining and releases the drainer lock; queued entries stay in storage. */
  close(): void;
}

export interface OutboxDeps {
  readonly env: ApiEnv;
  /** The whole pipeline: the entry is sent as any request (auth adds the current token). */
  readonly send: Handler;
  readonly connectivity: Connectivity;
  readonly partition: () => string;
  readonly partitionChanges$?: Observable<string>;
  /** Until an async token store has loaded, the partition is not known: nothing is sent or read. */
  readonly whenReady?: () => Observable<unknown> | undefined;
  readonly lock: DrainLock;
  readonly newKey: () => string;
  /** The other tabs on the same storage ({@link OutboxConfig.tabs}); none: this instance is alone or polls by `drain()`. */
  readonly tabs?: OutboxTabChannel;
}

const DEFAULTS = { baseDelayMs: 1000, maxDelayMs: 300_000, storageTimeoutMs: 5000 };

/**
 * Creates the outbox (README: "The outbox"). The rules it keeps:
 * - persisted before acknowledged: `enqueue` emits only after the storage write completed; a
 *   failed or unanswered write (bounded by `storageTimeoutMs`) is an `OutboxError` that says the
 *   mutation was not queued.
 * - one at a time per scope, in enqueue order, through the whole pipeline with the entry's own
 *   `Idempotency-Key`; `sending` is persisted before each send, so after a kill the entry is
 *   sent again with the same key (a server honouring the key applies it once; one ignoring it
 *   gets at-least-once).
 * - removed only after a final answer ({@link decideOutbox}): 2xx, a dead letter the app
 *   discards, a conflict the handler drops.
 * - only the current user's entries are sent; another user's wait for their next login (or are
 *   discarded when `logout: 'discard'`).
 * - one drainer across tabs ({@link DrainLock}); other instances enqueue and watch.
 */
export function createOutbox(config: OutboxConfig, storage: OutboxStorage, deps: OutboxDeps): Outbox & { start(): void } {
  const { env } = deps;
  const baseDelayMs = config.baseDelayMs ?? DEFAULTS.baseDelayMs;
  const maxDelayMs = config.maxDelayMs ?? DEFAULTS.maxDelayMs;
  const storageTimeoutMs = config.storageTimeoutMs ?? DEFAULTS.storageTimeoutMs;
  const conflict = config.onConflict ?? ((): ConflictResolution => 'dead');

  /** Full jitter (AWS): uniform below base · 2^(n-1), capped; no fleet of phones comes back in step. */
  const backoffMs = (attempts: number): number => Math.floor(env.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempts - 1)));

  const state = createOutboxState(deps.newKey());
  const { entries, busy, inFlight, subscriptions } = state;
  const persistence = createOutboxPersistence(storage, env, storageTimeoutMs, state.writing);
  const optimistic = createOutboxOptimistic(config);
  const load = createOutboxLoad({ state, persistence, optimistic, partition: () => deps.partition(), whenReady: deps.whenReady });
  const tabs = createOutboxTabs({ state, env, persistence, optimistic, tabs: deps.tabs, storageTimeoutMs, load, kick: () => drain.kick() });
  const drain = createOutboxDrain({
    state,
    env,
    persistence,
    optimistic,
    tabs,
    send: (req) => deps.send(req),
    connectivity: deps.connectivity,
    lock: deps.lock,
    newKey: () => deps.newKey(),
    conflict,
    backoffMs,
    maxDelayMs,
  });
  const { kick } = drain;
  deps.tabs?.addEventListener('message', tabs.onMessage);

  // Triggers: connectivity back, the lock acquired, the user changed.
  subscriptions.add(deps.connectivity.online$.pipe(filter(Boolean)).subscribe(() => kick()));
  // Taking the lock: re-read first (other tabs enqueued, the previous drainer sent), then drain.
  subscriptions.add(
    deps.lock.held$.pipe(filter(Boolean)).subscribe(() => {
      if (state.loaded === undefined) kick();
      else tabs.resync(true);
    }),
  );
  if (deps.partitionChanges$) {
    subscriptions.add(
      deps.partitionChanges$.pipe(distinctUntilChanged()).subscribe((next) => {
        const previous = state.partition;
        state.partition = next;
        if (state.held !== next) state.held = undefined;
        if (config.logout === 'discard' && previous !== next && state.loaded !== undefined) {
          discardWhere((e) => e.partition === previous, 'logout').subscribe({ error: () => undefined });
        }
        state.publish();
        kick();
      }),
    );
  }

  const discardWhere = (match: (e: OutboxEntry) => boolean, reason: string): Observable<void> =>
    defer(() => {
      const victims = [...entries.values()].filter((e) => match(e) && !inFlight.has(e.id));
      if (victims.length === 0) return of(undefined);
      return new Observable<void>((subscriber) => {
        let left = victims.length;
        for (const entry of victims) {
          drain.remove(entry, () => {
            env.emit({ type: 'outbox-discarded', id: entry.id, idempotencyKey: entry.idempotencyKey, method: entry.method, url: entry.url, reason });
            optimistic.settle(entry.id, 'rollback');
            tabs.settle(entry, { error: new OutboxError(entry, 'discarded', { detail: reason }) });
            if (--left === 0) {
              subscriber.next();
              subscriber.complete();
            }
          });
        }
      });
    });

  const enqueue = (request: OutboxRequest): Observable<OutboxEntry> =>
    defer(() => {
      if (state.closed) return throwError(() => new OutboxError(request, 'disabled', { detail: 'the client was closed' }));
      const why = unstorableReason(request.body) ?? unstorableReason(request.meta) ?? unstorableReason(request.optimistic);
      if (why !== undefined) return throwError(() => new OutboxError(request, 'unserializable', { detail: why }));
      return concat(
        load().pipe(
          ignoreElements(),
          catchError((error: unknown) => throwError(() => notQueued(request, error))),
        ),
        defer(() => {
          const now = env.scheduler.now();
          const entry: OutboxEntry = {
            id: `${now.toString(36)}-${deps.newKey()}`,
            idempotencyKey: request.idempotencyKey ?? deps.newKey(),
            seq: state.seq++,
            scope: request.scope ?? originOf(request.url) ?? request.url,
            partition: state.partition,
            method: request.method,
            url: request.url,
            headers: storableHeaders(request.headers ?? {}),
            body: request.body,
            responseType: 'auto',
            createdAt: now,
            attempts: request.attempts ?? 0,
            // Queued after its retries ran out: it waits one more backoff before the outbox sends it.
            ...(request.attempts ? { status: 'retrying' as const, nextAttemptAt: now + backoffMs(request.attempts) } : { status: 'queued' as const }),
            ...(request.optimistic ? { optimistic: request.optimistic } : {}),
            ...(request.meta ? { meta: request.meta } : {}),
          };
          return persistence.write(entry).pipe(
            catchError((error: unknown) => {
              // Unanswered: the write may still land. Remove it after, so no one replays a mutation
              // its caller was told is not queued (a store that queues operations applies them in order).
              if (error instanceof StorageTimeout) storage.remove(entryKey(entry.id)).subscribe({ error: () => undefined });
              return throwError(() => notQueued(request, error));
            }),
            map(() => {
              entries.set(entry.id, entry);
              optimistic.reapply(entry);
              state.publish();
              env.emit({ type: 'outbox-queued', id: entry.id, idempotencyKey: entry.idempotencyKey, method: entry.method, url: entry.url });
              tabs.changed();
              kick();
              return entry;
            }),
          );
        }),
      );
    });

  const known = (id: string): OutboxEntry | undefined => entries.get(id);

  return {
    // Started by the client once the pipeline exists: load what a previous instance left, then drain.
    start: () => {
      state.started = true;
      if (!state.closed && state.loaded === undefined) subscriptions.add(load().subscribe({ complete: () => kick(), error: () => undefined }));
    },
    pending$: state.view.pipe(
      map((list) => list.filter(isPending).length),
      distinctUntilChanged(),
    ),
    entries$: state.view.asObservable(),
    deadLetters$: state.view.pipe(
      map((list) => list.filter((e) => e.status === 'dead')),
      distinctUntilChanged((a, b) => a.length === b.length && a.every((e, i) => e === b[i])),
    ),
    enqueue,
    settled: <T>(id: string) =>
      new Observable<ApiResponse<T>>((subscriber) => {
        const entry = known(id);
        if (entry === undefined) {
          subscriber.error(new OutboxError({ method: 'POST', url: id }, 'discarded', { detail: `no entry ${id}` }));
          return undefined;
        }
        if (entry.status === 'dead') {
          subscriber.error(new OutboxError(entry, 'dead', { detail: entry.lastError?.message }));
          return undefined;
        }
        return state.settled.pipe(filter((s) => s.id === id)).subscribe((s) => {
          if (s.error) subscriber.error(s.error);
          else {
            subscriber.next(s.response as ApiResponse<T>);
            subscriber.complete();
          }
        });
      }),
    retry: (id) =>
      defer(() => {
        const entry = known(id);
        if (entry === undefined || entry.status !== 'dead') return of(undefined);
        const queued = toQueued(entry);
        // Stored first: "retried" in memory but dead in storage would be lost on restart, and the
        // app must hear it failed. Until then the entry stays dead here (and in deadLetters$).
        return persistence.write(queued).pipe(
          catchError((error: unknown) =>
            throwError(
              () =>
                new OutboxError(entry, error instanceof StorageTimeout ? 'storage-timeout' : 'storage-failed', {
                  cause: error,
                  detail: `retry not stored, still a dead letter: ${describe(error)}`,
                }),
            ),
          ),
          map(() => {
            if (entries.get(id) !== entry) return undefined; // discarded or changed meanwhile
            entries.set(id, queued);
            optimistic.reapply(queued);
            state.publish();
            tabs.changed();
            kick();
            return undefined;
          }),
        );
      }),
    discard: (id) => discardWhere((e) => e.id === id, 'discarded by the app'),
    discardPartition: (target) => discardWhere((e) => e.partition === target, 'partition discarded'),
    drain: () => {
      deps.connectivity.recheck();
      if (state.loaded === undefined && state.started) subscriptions.add(load().subscribe({ complete: () => kick(), error: () => undefined }));
      else if (state.started) tabs.resync(false);
      else kick();
    },
    // After the load: before it completes, an empty map says nothing (a slow storage still has entries).
    whenIdle: () =>
      concat(
        load().pipe(
          ignoreElements(),
          catchError(() => EMPTY),
        ),
        defer(() => {
          const pending = [...entries.values()].some((e) => e.partition === state.partition && isPending(e));
          return busy.size === 0 && !pending ? of(undefined) : state.idle.pipe(take(1));
        }),
      ),
    close: () => {
      state.closed = true;
      deps.tabs?.removeEventListener('message', tabs.onMessage);
      deps.tabs?.close();
      subscriptions.unsubscribe();
      for (const sub of inFlight.values()) sub.unsubscribe();
      for (const sub of state.timers.values()) sub.unsubscribe();
      for (const { timer } of state.vanished.values()) timer.unsubscribe();
      deps.lock.close();
    },
  };
}
