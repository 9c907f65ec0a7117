import {
  BehaviorSubject,
  EMPTY,
  Observable,
  Subject,
  Subscription,
  catchError,
  concat,
  defer,
  distinctUntilChanged,
  filter,
  ignoreElements,
  map,
  of,
  take,
  throwError,
  timeout,
  type OperatorFunction,
} from 'rxjs';
import { RequestContext } from '../core/context';
import type { ApiEnv } from '../core/env';
import { HttpError, NetworkError, OutboxError, type OutboxErrorReason } from '../core/errors';
import type { Handler } from '../core/layer';
import { createRequest, type ApiRequest } from '../core/request';
import type { ApiResponse } from '../core/response';
import { originOf } from '../core/url';
import type { OptimisticHandle } from '../store/optimistic';
import type { Connectivity } from './connectivity';
import { OUTBOX_SEND } from './offline.layers';
import { decideOutbox } from './outbox-decision';
import {
  ENTRY_PREFIX,
  entryKey,
  parseEntry,
  storableHeaders,
  unstorableReason,
  type OutboxEntry,
  type OutboxMethod,
  type OutboxOptimistic,
} from './outbox-entry';
import type { OutboxStorage } from './outbox-storage';
import type { DrainLock } from './drain-lock';
import { isPending, nextInScope, toDead, toDone, toQueued, toRetrying, toSending, visibleEntries } from './outbox.reducers';
import type { OutboxConfig, ConflictResolution } from './outbox-config';

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
}

const DEFAULTS = { baseDelayMs: 1000, maxDelayMs: 300_000, storageTimeoutMs: 5000 };

/**
 * Creates the outbox (see DESIGN §8). The rules it keeps:
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

  const entries = new Map<string, OutboxEntry>();
  const view = new BehaviorSubject<readonly OutboxEntry[]>([]);
  const settledSubject = new Subject<{ id: string; response?: ApiResponse; error?: OutboxError }>();
  const busy = new Set<string>();
  const timers = new Map<string, Subscription>();
  const inFlight = new Map<string, Subscription>();
  const optimistic = new Map<string, OptimisticHandle>();
  const subscriptions = new Subscription();
  let seq = 0;
  let closed = false;
  let started = false; // nothing is sent before the client has connected the pipeline
  let held: string | undefined; // a partition whose session ended mid-send: wait for a change
  let loaded: Observable<void> | undefined;
  let partition = 'anonymous';

  const guard =
    <T>(operation: string, reasonIfLost: OutboxErrorReason = 'storage-failed'): OperatorFunction<T, T> =>
    (source) =>
      source.pipe(
        timeout({ first: storageTimeoutMs, scheduler: env.scheduler, with: () => throwError(() => new StorageTimeout(operation)) }),
        catchError((error: unknown) => {
          const reason: OutboxErrorReason = error instanceof StorageTimeout ? 'storage-timeout' : reasonIfLost;
          env.emit({
            type: 'outbox-storage-error',
            operation,
            detail: reason === 'storage-timeout' ? `no answer within ${storageTimeoutMs} ms` : describe(error),
          });
          return throwError(() => error);
        }),
      );

  const publish = (): void => view.next(visibleEntries(entries.values(), partition));

  const write = (entry: OutboxEntry): Observable<void> => storage.set(entryKey(entry.id), entry).pipe(guard(`write ${entry.id}`));

  /** Loads what earlier instances left, once; a failed load is tried again on the next drain. */
  const load = (): Observable<void> => {
    loaded ??= concat(
      waitReady(deps.whenReady),
      defer(() => storage.keys()),
    ).pipe(
      guard<string[]>('load keys'),
      map((keys) => keys.filter((key) => key.startsWith(ENTRY_PREFIX))),
      mergeLoad(storage, guard, env, entries),
      map(() => {
        partition = deps.partition();
        for (const entry of entries.values()) {
          seq = Math.max(seq, entry.seq + 1);
          if (entry.status === 'sending') entries.set(entry.id, toQueued(entry)); // killed mid-send: goes again, same key
        }
        for (const entry of entries.values()) reapplyOptimistic(entry);
        publish();
      }),
      catchError((error: unknown) => {
        loaded = undefined;
        return throwError(() => error);
      }),
      shareOnce(),
    );
    return loaded;
  };

  const reapplyOptimistic = (entry: OutboxEntry): void => {
    if (!entry.optimistic || !isPending(entry) || optimistic.has(entry.id)) return;
    const store = config.optimisticStores?.[entry.optimistic.store];
    if (store === undefined) return;
    optimistic.set(entry.id, store.optimistic(entry.optimistic.id, entry.optimistic.patch as never));
  };

  const settleOptimistic = (id: string, outcome: 'commit' | 'rollback'): void => {
    const handle = optimistic.get(id);
    optimistic.delete(id);
    if (outcome === 'commit') handle?.commit();
    else handle?.rollback();
  };

  const settle = (entry: OutboxEntry, result: { response?: ApiResponse; error?: OutboxError }): void => settledSubject.next({ id: entry.id, ...result });

  const schedule = (scope: string, at: number): void => {
    timers.get(scope)?.unsubscribe();
    const delay = Math.max(0, at - env.scheduler.now());
    timers.set(
      scope,
      new Observable<void>((subscriber) => env.scheduler.schedule(() => subscriber.next(), delay)).pipe(take(1)).subscribe(() => {
        timers.delete(scope);
        kick();
      }),
    );
  };

  const canSend = (): boolean => !closed && deps.connectivity.isOnline() && deps.lock.isHeld() && held !== partition;

  /** Starts the next send of every idle scope of the current user. */
  const kick = (): void => {
    if (!started || !canSend() || loaded === undefined) return;
    const scopes = new Set<string>();
    for (const entry of entries.values()) if (entry.partition === partition && isPending(entry)) scopes.add(entry.scope);
    for (const scope of scopes) if (!busy.has(scope)) drainScope(scope);
  };

  const drainScope = (scope: string): void => {
    const entry = nextInScope(entries.values(), scope, partition);
    if (entry === undefined) return;
    const now = env.scheduler.now();
    if (entry.status === 'retrying' && entry.nextAttemptAt !== undefined && entry.nextAttemptAt > now) {
      if (!timers.has(scope)) schedule(scope, entry.nextAttemptAt);
      return;
    }
    busy.add(scope);
    const sending = toSending(entry);
    entries.set(entry.id, sending);
    publish();
    env.emit({ type: 'outbox-sending', id: entry.id, idempotencyKey: entry.idempotencyKey, method: entry.method, url: entry.url, attempt: sending.attempts });
    // `sending` is persisted first: a kill from here on re-sends with the same key. A failed write
    // still sends (the stored `queued` would be re-sent the same way).
    let last: ApiResponse | undefined;
    const sub = concat(
      write(sending).pipe(catchError(() => EMPTY)),
      defer(() => deps.send(requestOf(sending))),
    ).subscribe({
      next: (response) => {
        if (response) last = response;
      },
      error: (error: unknown) => finish(sending, error, undefined),
      // Completing without a response proves nothing: kept, tried again (never counted as done).
      complete: () => finish(sending, last === undefined ? new NoResponse(sending) : undefined, last),
    });
    if (!sub.closed) inFlight.set(entry.id, sub);
  };

  const finish = (entry: OutboxEntry, error: unknown, response: ApiResponse | undefined): void => {
    inFlight.delete(entry.id);
    const scope = entry.scope;
    const release = (): void => {
      busy.delete(scope);
      kick();
      checkIdle();
    };
    if (closed) return;
    const decision = decideOutbox(error, env.scheduler.now());
    const base = { id: entry.id, idempotencyKey: entry.idempotencyKey, method: entry.method, url: entry.url };
    switch (decision.kind) {
      case 'done':
        return remove(
          entry,
          () => {
            env.emit({ type: 'outbox-done', ...base, attempts: entry.attempts, status: response?.status });
            settleOptimistic(entry.id, 'commit');
            settle(entry, { response: response ?? { status: 200, headers: {}, body: undefined, url: entry.url, fromCache: false, stale: false } });
            release();
          },
          true,
        );
      case 'dead':
        return die(entry, decision.error, release);
      case 'conflict':
        return resolveConflict(entry, decision.error, release);
      case 'hold':
        // The session ended or changed mid-send: keep the entry for that user's next login.
        held = entry.partition;
        return persist(toQueued(entry), release);
      case 'wait':
      case 'backoff': {
        const delayMs = decision.kind === 'wait' ? decision.delayMs : (decision.retryAfterMs ?? backoffMs(entry.attempts));
        const next = toRetrying(entry, env.scheduler.now() + delayMs, decision.kind === 'wait' ? decision : decision.error);
        env.emit({ type: 'outbox-retrying', ...base, attempts: entry.attempts, delayMs, reason: next.lastError?.message ?? 'in progress' });
        return persist(next, release);
      }
    }
  };

  const persist = (entry: OutboxEntry, then: () => void): void => {
    entries.set(entry.id, entry);
    publish();
    write(entry).subscribe({ error: () => then(), complete: then });
  };

  const die = (entry: OutboxEntry, error: unknown, then: () => void): void => {
    const dead = toDead(entry, error);
    env.emit({
      type: 'outbox-dead',
      id: entry.id,
      idempotencyKey: entry.idempotencyKey,
      method: entry.method,
      url: entry.url,
      status: dead.lastError?.status,
      message: dead.lastError?.message ?? '',
    });
    settleOptimistic(entry.id, 'rollback');
    persist(dead, () => {
      settle(entry, { error: new OutboxError(entry, 'dead', { cause: error }) });
      then();
    });
  };

  const resolveConflict = (entry: OutboxEntry, error: HttpError, then: () => void): void => {
    let resolution: ConflictResolution;
    try {
      resolution = conflict(entry, error);
    } catch (handlerError) {
      resolution = 'dead';
      error = Object.assign(error, { handlerError });
    }
    if (resolution === 'dead') return die(entry, error, then);
    if (resolution === 'drop') {
      return remove(entry, () => {
        env.emit({ type: 'outbox-discarded', id: entry.id, idempotencyKey: entry.idempotencyKey, method: entry.method, url: entry.url, reason: 'conflict' });
        settleOptimistic(entry.id, 'rollback');
        settle(entry, { error: new OutboxError(entry, 'discarded', { cause: error, detail: 'dropped by the conflict handler' }) });
        then();
      });
    }
    // A new body is a new request: a new key, or the server answers 422 (key reused with another payload).
    const body = 'body' in resolution.retryWith ? resolution.retryWith.body : entry.body;
    const replaced: OutboxEntry = {
      ...toQueued(entry),
      body,
      headers: { ...entry.headers, ...(resolution.retryWith.headers ?? {}) },
      idempotencyKey: deps.newKey(),
    };
    persist(replaced, then);
  };

  /** Removes from storage, then from memory: never before a final answer. */
  const remove = (entry: OutboxEntry, then: () => void, showDone = false): void => {
    const done = (): void => {
      if (showDone) {
        entries.set(entry.id, toDone(entry));
        publish();
      }
      entries.delete(entry.id);
      publish();
      then();
    };
    storage
      .remove(entryKey(entry.id))
      .pipe(guard(`remove ${entry.id}`))
      .subscribe({
        // A failed remove leaves the entry stored: the next start re-sends it with the same key.
        error: () => done(),
        complete: () => done(),
      });
  };

  const requestOf = (entry: OutboxEntry): ApiRequest =>
    createRequest({
      method: entry.method,
      url: entry.url,
      headers: entry.headers,
      body: entry.body,
      responseType: entry.responseType,
      idempotencyKey: entry.idempotencyKey,
      context: SEND_CONTEXT,
    });

  const idle = new Subject<void>();
  const checkIdle = (): void => {
    if (busy.size === 0 && ![...entries.values()].some((e) => e.partition === partition && isPending(e))) idle.next();
  };

  // Triggers: connectivity back, the lock acquired, the user changed.
  subscriptions.add(deps.connectivity.online$.pipe(filter(Boolean)).subscribe(() => kick()));
  subscriptions.add(deps.lock.held$.pipe(filter(Boolean)).subscribe(() => kick()));
  if (deps.partitionChanges$) {
    subscriptions.add(
      deps.partitionChanges$.pipe(distinctUntilChanged()).subscribe((next) => {
        const previous = partition;
        partition = next;
        if (held !== next) held = undefined;
        if (config.logout === 'discard' && previous !== next && loaded !== undefined) {
          discardWhere((e) => e.partition === previous, 'logout').subscribe({ error: () => undefined });
        }
        publish();
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
          remove(entry, () => {
            env.emit({ type: 'outbox-discarded', id: entry.id, idempotencyKey: entry.idempotencyKey, method: entry.method, url: entry.url, reason });
            settleOptimistic(entry.id, 'rollback');
            settle(entry, { error: new OutboxError(entry, 'discarded', { detail: reason }) });
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
      if (closed) return throwError(() => new OutboxError(request, 'disabled', { detail: 'the client was closed' }));
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
            seq: seq++,
            scope: request.scope ?? originOf(request.url) ?? request.url,
            partition,
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
          return write(entry).pipe(
            catchError((error: unknown) => {
              // Unanswered: the write may still land. Remove it after, so no one replays a mutation
              // its caller was told is not queued (a store that queues operations applies them in order).
              if (error instanceof StorageTimeout) storage.remove(entryKey(entry.id)).subscribe({ error: () => undefined });
              return throwError(() => notQueued(request, error));
            }),
            map(() => {
              entries.set(entry.id, entry);
              reapplyOptimistic(entry);
              publish();
              env.emit({ type: 'outbox-queued', id: entry.id, idempotencyKey: entry.idempotencyKey, method: entry.method, url: entry.url });
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
      started = true;
      if (!closed && loaded === undefined) subscriptions.add(load().subscribe({ complete: () => kick(), error: () => undefined }));
    },
    pending$: view.pipe(
      map((list) => list.filter(isPending).length),
      distinctUntilChanged(),
    ),
    entries$: view.asObservable(),
    deadLetters$: view.pipe(
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
        return settledSubject.pipe(filter((s) => s.id === id)).subscribe((s) => {
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
        entries.set(id, queued);
        reapplyOptimistic(queued);
        publish();
        return write(queued).pipe(
          catchError(() => of(undefined)),
          map(() => {
            kick();
            return undefined;
          }),
        );
      }),
    discard: (id) => discardWhere((e) => e.id === id, 'discarded by the app'),
    discardPartition: (target) => discardWhere((e) => e.partition === target, 'partition discarded'),
    drain: () => {
      deps.connectivity.recheck();
      if (loaded === undefined && started) subscriptions.add(load().subscribe({ complete: () => kick(), error: () => undefined }));
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
          const pending = [...entries.values()].some((e) => e.partition === partition && isPending(e));
          return busy.size === 0 && !pending ? of(undefined) : idle.pipe(take(1));
        }),
      ),
    close: () => {
      closed = true;
      subscriptions.unsubscribe();
      for (const sub of inFlight.values()) sub.unsubscribe();
      for (const sub of timers.values()) sub.unsubscribe();
      deps.lock.close();
    },
  };
}

const SEND_CONTEXT = RequestContext.empty().set(OUTBOX_SEND, true);

/** The pipeline completed without a response (a custom layer swallowed it): not an answer. */
class NoResponse extends NetworkError {
  constructor(entry: OutboxEntry) {
    super(entry, 'unknown', { detail: 'the pipeline completed without a response' });
  }
}

class StorageTimeout extends Error {
  constructor(operation: string) {
    super(`storage did not answer: ${operation}`);
  }
}

function notQueued(request: Pick<OutboxRequest, 'method' | 'url'>, error: unknown): OutboxError {
  if (error instanceof OutboxError) return error;
  return new OutboxError(request, error instanceof StorageTimeout ? 'storage-timeout' : 'storage-failed', { cause: error, detail: describe(error) });
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function waitReady(whenReady: (() => Observable<unknown> | undefined) | undefined): Observable<never> {
  return defer(() => {
    const ready = whenReady?.();
    return ready === undefined
      ? EMPTY
      : ready.pipe(
          take(1),
          filter(() => false),
          catchError(() => EMPTY),
        );
  }) as Observable<never>;
}

/** Reads every entry key; corrupted records are reported (`outbox-corrupt`) and left in storage, never sent. */
function mergeLoad(
  storage: OutboxStorage,
  guard: <T>(operation: string) => OperatorFunction<T, T>,
  env: ApiEnv,
  into: Map<string, OutboxEntry>,
): OperatorFunction<string[], void> {
  return (source) =>
    new Observable<void>((subscriber) =>
      source.subscribe({
        next: (keys) => {
          if (keys.length === 0) {
            subscriber.next();
            subscriber.complete();
            return;
          }
          let left = keys.length;
          for (const key of keys) {
            storage
              .get(key)
              .pipe(guard(`read ${key}`))
              .subscribe({
                next: (value) => {
                  const entry = parseEntry(value);
                  if (entry === undefined) env.emit({ type: 'outbox-corrupt', key, detail: 'not an outbox entry; left in storage, not sent' });
                  else if (!into.has(entry.id)) into.set(entry.id, entry);
                },
                error: (error: unknown) => subscriber.error(error),
                complete: () => {
                  if (--left === 0) {
                    subscriber.next();
                    subscriber.complete();
                  }
                },
              });
          }
        },
        error: (error: unknown) => subscriber.error(error),
      }),
    );
}

/** One execution for every subscriber, replayed after it completed. */
function shareOnce<T>(): OperatorFunction<T, T> {
  return (source) => {
    let result: { done: boolean; error?: unknown; failed: boolean } | undefined;
    let running: Observable<T> | undefined;
    const waiters: Array<{ next: () => void; error: (e: unknown) => void }> = [];
    return new Observable<T>((subscriber) => {
      if (result?.done) {
        if (result.failed) subscriber.error(result.error);
        else subscriber.complete();
        return undefined;
      }
      waiters.push({ next: () => subscriber.complete(), error: (e) => subscriber.error(e) });
      if (running === undefined) {
        running = source;
        source.subscribe({
          error: (error: unknown) => {
            result = { done: true, error, failed: true };
            for (const w of waiters.splice(0)) w.error(error);
          },
          complete: () => {
            result = { done: true, failed: false };
            for (const w of waiters.splice(0)) w.next();
          },
        });
      }
      return undefined;
    });
  };
}
