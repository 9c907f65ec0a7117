import {
  BehaviorSubject,
  EMPTY,
  Observable,
  Subject,
  Subscription,
  catchError,
  concat,
  concatMap,
  defer,
  distinctUntilChanged,
  filter,
  finalize,
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
import { CircuitOpenError, HttpError, NetworkError, OfflineError, OutboxError, type OutboxErrorReason } from '../core/errors';
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
  compareEntries,
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
import { isPending, nextInScope, toDead, toDone, toQueued, toRetrying, toSending, toWaiting, visibleEntries } from './outbox.reducers';
import type { OutboxConfig, ConflictResolution, OutboxTabChannel } from './outbox-config';

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
  /** This instance, as written in the `claimedBy` of the entries it sends. */
  const owner = deps.newKey();
  /** Entries with a write of this instance in progress: a re-read must not undo it with the older stored copy. */
  const writing = new Map<string, number>();
  /** Entries another instance finished, waiting for its word on the tab channel ({@link forget}). */
  const vanished = new Map<string, { readonly entry: OutboxEntry; readonly timer: Subscription }>();

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

  const write = (entry: OutboxEntry): Observable<void> =>
    defer(() => {
      writing.set(entry.id, (writing.get(entry.id) ?? 0) + 1);
      return storage.set(entryKey(entry.id), entry).pipe(
        guard(`write ${entry.id}`),
        finalize(() => {
          const left = (writing.get(entry.id) ?? 1) - 1;
          if (left === 0) writing.delete(entry.id);
          else writing.set(entry.id, left);
        }),
      );
    });

  const readEntry = (id: string): Observable<OutboxEntry | undefined> =>
    storage.get(entryKey(id)).pipe(
      guard(`read ${id}`),
      map((value) => (value === undefined ? undefined : parseEntry(value))),
    );

  /** Tells the other tabs the storage changed (best effort: a closed channel leaves this tab alone). */
  const announce = (message: TabMessage): void => {
    try {
      deps.tabs?.postMessage({ p: TAB_PROTOCOL, ...message });
    } catch {
      // a closed or broken channel: the others still re-read on drain() and on taking the lock
    }
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
      settleOptimistic(id, 'commit');
      settledSubject.next({
        id,
        error: new OutboxError(entry, 'settled-elsewhere', { detail: 'another tab or process sent it; its answer did not reach this one' }),
      });
    };
    if (deps.tabs === undefined) return giveUp();
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
      return defer(() => storage.keys()).pipe(
        guard<string[]>('refresh keys'),
        map((keys) => keys.filter((key) => key.startsWith(ENTRY_PREFIX))),
        mergeLoad(storage, guard, env, found, false),
        map(() => {
          for (const id of before) if (!found.has(id) && !writing.has(id)) forget(id);
          // In queue order: optimistic layers stack in the order applied, and the last edit must end on top.
          for (const stored of [...found.values()].sort(compareEntries)) {
            if (inFlight.has(stored.id) || writing.has(stored.id)) continue;
            const next = takeOver && stored.status === 'sending' && stored.claimedBy !== owner ? toQueued(stored) : stored;
            seq = Math.max(seq, next.seq + 1);
            entries.set(next.id, next);
            if (isPending(next)) reapplyOptimistic(next);
            else if (next.status === 'dead') settleOptimistic(next.id, 'rollback');
          }
          publish();
          checkIdle();
        }),
      );
    });

  /** One refresh at a time; one asked for during another runs after it. */
  let refreshing = false;
  let again: boolean | undefined;
  const resync = (takeOver = false): void => {
    if (closed || loaded === undefined) return;
    if (refreshing) {
      again = (again ?? false) || takeOver;
      return;
    }
    refreshing = true;
    const done = (): void => {
      refreshing = false;
      kick();
      if (again !== undefined && !closed) {
        const next = again;
        again = undefined;
        resync(next);
      }
    };
    subscriptions.add(concat(load(), refresh(takeOver)).subscribe({ error: done, complete: done }));
  };

  /** Loads what earlier instances left, once; a failed load is tried again on the next drain. */
  const load = (): Observable<void> => {
    loaded ??= concat(
      waitReady(deps.whenReady),
      defer(() => storage.keys()),
    ).pipe(
      guard<string[]>('load keys'),
      map((keys) => keys.filter((key) => key.startsWith(ENTRY_PREFIX))),
      mergeLoad(storage, guard, env, entries, true),
      map(() => {
        partition = deps.partition();
        for (const entry of entries.values()) {
          seq = Math.max(seq, entry.seq + 1);
          if (entry.status === 'sending') entries.set(entry.id, toQueued(entry)); // killed mid-send: goes again, same key
        }
        // Queue order, not the order the storage reads finished: the last edit must end on top.
        for (const entry of [...entries.values()].sort(compareEntries)) reapplyOptimistic(entry);
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
    optimistic.set(entry.id, store.optimistic(entry.optimistic.id, entry.optimistic.patch));
  };

  const settleOptimistic = (id: string, outcome: 'commit' | 'rollback'): void => {
    const handle = optimistic.get(id);
    optimistic.delete(id);
    if (outcome === 'commit') handle?.commit();
    else handle?.rollback();
  };

  const settle = (entry: OutboxEntry, result: { response?: ApiResponse; error?: OutboxError }): void => {
    settledSubject.next({ id: entry.id, ...result });
    const { response, error } = result;
    announce(
      response
        ? { type: 'settled', id: entry.id, response: { status: response.status, headers: response.headers, body: response.body, url: response.url } }
        : { type: 'settled', id: entry.id, reason: error?.reason === 'dead' ? 'dead' : 'discarded', detail: error?.message },
    );
  };

  /** What another tab said: an entry settled there (its waiters here hear it), or the storage changed. */
  const onTabMessage = (event: { readonly data: unknown }): void => {
    const message = event.data as (TabMessage & { p?: unknown }) | null;
    if (closed || typeof message !== 'object' || message === null || message.p !== TAB_PROTOCOL) return;
    if (message.type === 'settled') {
      const gone = vanished.get(message.id);
      gone?.timer.unsubscribe();
      vanished.delete(message.id);
      const entry = entries.get(message.id) ?? gone?.entry;
      if (entry !== undefined && !inFlight.has(entry.id)) {
        if (message.response) {
          entries.delete(entry.id);
          settleOptimistic(entry.id, 'commit');
          settledSubject.next({ id: entry.id, response: { ...message.response, fromCache: false, stale: false } });
        } else {
          if (message.reason === 'dead') entries.set(entry.id, toDead(entry, new Error(message.detail ?? 'dead letter')));
          else entries.delete(entry.id);
          settleOptimistic(entry.id, 'rollback');
          settledSubject.next({ id: entry.id, error: new OutboxError(entry, message.reason ?? 'discarded', { detail: message.detail }) });
        }
        publish();
        checkIdle();
      }
    }
    resync(false);
  };
  deps.tabs?.addEventListener('message', onTabMessage);

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
    // Another tab is sending the head of this scope: wait for its word (a tab message, a refresh).
    if (entry.status === 'sending' && entry.claimedBy !== owner) return;
    const now = env.scheduler.now();
    if (entry.status === 'retrying' && entry.nextAttemptAt !== undefined && entry.nextAttemptAt > now) {
      if (!timers.has(scope)) schedule(scope, entry.nextAttemptAt);
      return;
    }
    busy.add(scope);
    const sending = toSending(entry, owner);
    entries.set(entry.id, sending);
    publish();
    // The claim: the stored copy is read first (another tab may have sent it, or be sending it),
    // then `sending` with this instance's name is written and read back. A lost claim or a gone
    // entry sends nothing. `sending` is persisted before the send: a kill from here on re-sends
    // with the same key. A storage that fails to answer still sends (as a lone tab would).
    let last: ApiResponse | undefined;
    let claimed = false;
    const claim = (stored: OutboxEntry | undefined, checkOwner: boolean): Observable<never> => {
      if (stored === undefined) return throwError(() => new ClaimLost(undefined));
      const foreign = stored.status === 'sending' && stored.claimedBy !== undefined && stored.claimedBy !== (checkOwner ? owner : entry.claimedBy);
      if (foreign || !isPending(stored)) return throwError(() => new ClaimLost(stored));
      return EMPTY;
    };
    const sub = concat(
      readEntry(entry.id).pipe(
        catchError(() => of(entry)),
        concatMap((stored) => claim(stored, false)),
      ),
      write(sending).pipe(catchError(() => EMPTY)),
      readEntry(entry.id).pipe(
        catchError(() => of(sending)),
        concatMap((stored) => claim(stored, true)),
      ),
      defer(() => {
        claimed = true;
        env.emit({
          type: 'outbox-sending',
          id: entry.id,
          idempotencyKey: entry.idempotencyKey,
          method: entry.method,
          url: entry.url,
          attempt: sending.attempts,
        });
        return deps.send(requestOf(sending));
      }),
    ).subscribe({
      next: (response) => {
        if (response) last = response;
      },
      error: (error: unknown) => (!claimed && error instanceof ClaimLost ? stepAside(entry, error.stored) : finish(sending, error, undefined)),
      // Completing without a response proves nothing: kept, tried again (never counted as done).
      complete: () => finish(sending, last === undefined ? new NoResponse(sending) : undefined, last),
    });
    if (!sub.closed) inFlight.set(entry.id, sub);
  };

  /** Another tab sent, or is sending, this entry: take its stored state and leave it alone. */
  const stepAside = (entry: OutboxEntry, stored: OutboxEntry | undefined): void => {
    inFlight.delete(entry.id);
    busy.delete(entry.scope);
    if (closed) return;
    if (stored === undefined) forget(entry.id);
    else entries.set(entry.id, stored);
    publish();
    // A scope whose head another tab is sending waits for that tab's word (or a refresh); others go on.
    if (stored === undefined || stored.status !== 'sending') kick();
    checkIdle();
  };

  const finish = (entry: OutboxEntry, error: unknown, response: ApiResponse | undefined): void => {
    inFlight.delete(entry.id);
    const scope = entry.scope;
    const release = (): void => {
      busy.delete(scope);
      announce({ type: 'changed' });
      kick();
      checkIdle();
    };
    if (closed) return;
    const decision = decideOutbox(error, env.scheduler.now(), { since: entry.processingSince, maxWaitMs: maxDelayMs });
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
        return die(entry, decision.error, release, decision.detail);
      case 'conflict':
        return resolveConflict(entry, decision.error, release);
      case 'hold':
        // The session ended or changed mid-send: keep the entry for that user's next login.
        held = entry.partition;
        return persist(toQueued(entry), release);
      case 'wait':
      case 'backoff': {
        // A refusal (open breaker, spent retry budget, offline) sent nothing: it is not an attempt.
        if (decision.kind === 'backoff' && isRefusal(decision.error, deps.connectivity)) entry = { ...entry, attempts: Math.max(0, entry.attempts - 1) };
        const delayMs = decision.kind === 'wait' ? decision.delayMs : (decision.retryAfterMs ?? backoffMs(entry.attempts));
        const at = env.scheduler.now() + delayMs;
        // A wait keeps `processingSince` (persisted, so the cap holds across restarts); any other answer clears it.
        const next = decision.kind === 'wait' ? toWaiting(entry, at, decision.since, decision.error) : toRetrying(entry, at, decision.error);
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

  const die = (entry: OutboxEntry, error: unknown, then: () => void, detail?: string): void => {
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
      settle(entry, { error: new OutboxError(entry, 'dead', { cause: error, detail }) });
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
      processingSince: undefined, // a new key: nothing is being processed for it yet
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
  // Taking the lock: re-read first (other tabs enqueued, the previous drainer sent), then drain.
  subscriptions.add(
    deps.lock.held$.pipe(filter(Boolean)).subscribe(() => {
      if (loaded === undefined) kick();
      else resync(true);
    }),
  );
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
              announce({ type: 'changed' });
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
        // Stored first: "retried" in memory but dead in storage would be lost on restart, and the
        // app must hear it failed. Until then the entry stays dead here (and in deadLetters$).
        return write(queued).pipe(
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
            reapplyOptimistic(queued);
            publish();
            announce({ type: 'changed' });
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
      else if (started) resync(false);
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
      deps.tabs?.removeEventListener('message', onTabMessage);
      deps.tabs?.close();
      subscriptions.unsubscribe();
      for (const sub of inFlight.values()) sub.unsubscribe();
      for (const sub of timers.values()) sub.unsubscribe();
      for (const { timer } of vanished.values()) timer.unsubscribe();
      deps.lock.close();
    },
  };
}

const SEND_CONTEXT = RequestContext.empty().set(OUTBOX_SEND, true);

/**
 * Failures that sent nothing, so they cost the entry no attempt: the breaker's refusal, the
 * offline gate's `OfflineError`, and a not-sent network error while the client believes it is
 * offline (a pause, not a failure of this entry). A spent retry budget is not one: it wraps the
 * failure of an attempt that was sent.
 */
function isRefusal(error: unknown, connectivity: Connectivity): boolean {
  if (error instanceof CircuitOpenError || error instanceof OfflineError) return true;
  return error instanceof NetworkError && error.outcome === 'not-sent' && !connectivity.isOnline();
}

/** The pipeline completed without a response (a custom layer swallowed it): not an answer. */
class NoResponse extends NetworkError {
  constructor(entry: OutboxEntry) {
    super(entry, 'unknown', { detail: 'the pipeline completed without a response' });
  }
}

/** The claim before a send failed: the entry is gone (`stored` undefined), settled, or another tab's. */
class ClaimLost extends Error {
  constructor(readonly stored: OutboxEntry | undefined) {
    super('claimed by another tab');
  }
}

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
  reportCorrupt: boolean,
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
                  if (entry === undefined) {
                    if (reportCorrupt) env.emit({ type: 'outbox-corrupt', key, detail: 'not an outbox entry; left in storage, not sent' });
                  } else if (!into.has(entry.id)) into.set(entry.id, entry);
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
