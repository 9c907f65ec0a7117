/*
 * The send loop: while online, holding the drain lock and logged in as the entries' user, each
 * scope sends its head entry through the whole pipeline, one at a time, after claiming it in the
 * storage; the answer is judged by `decideOutbox` (a pure function) and this file only carries the
 * decision out: remove on a 2xx, dead-letter, resolve a conflict, hold for the next login, or wait
 * and try again.
 */
import { EMPTY, Observable, catchError, concat, concatMap, defer, of, take, throwError } from 'rxjs';
import { RequestContext } from '../core/context';
import type { ApiEnv } from '../core/env';
import { CircuitOpenError, HttpError, NetworkError, OfflineError, OutboxError } from '../core/errors';
import type { Handler } from '../core/layer';
import { createRequest, type ApiRequest } from '../core/request';
import type { ApiResponse } from '../core/response';
import type { Connectivity } from './connectivity';
import type { DrainLock } from './drain-lock';
import { OUTBOX_SEND } from './offline.layers';
import type { ConflictHandler, ConflictResolution } from './outbox-config';
import { decideOutbox } from './outbox-decision';
import type { OutboxEntry } from './outbox-entry';
import type { OutboxOptimisticPatches } from './outbox-optimistic';
import type { OutboxPersistence } from './outbox-persistence';
import type { OutboxState } from './outbox-state';
import type { OutboxTabs } from './outbox-tabs';
import { isPending, nextInScope, toDead, toDone, toQueued, toRetrying, toSending, toWaiting } from './outbox.reducers';

export interface OutboxDrainDeps {
  readonly state: OutboxState;
  readonly env: ApiEnv;
  readonly persistence: OutboxPersistence;
  readonly optimistic: OutboxOptimisticPatches;
  readonly tabs: OutboxTabs;
  /** The whole pipeline: the entry is sent as any request (auth adds the current token). */
  readonly send: Handler;
  readonly connectivity: Connectivity;
  readonly lock: DrainLock;
  readonly newKey: () => string;
  readonly conflict: ConflictHandler;
  /** The wait before attempt `attempts + 1` (full jitter). */
  readonly backoffMs: (attempts: number) => number;
  /** The cap of waiting on a "still processing" answer. */
  readonly maxDelayMs: number;
}

export interface OutboxDrain {
  /** Starts the next send of every idle scope of the current user. */
  kick(): void;
  /** Removes from storage, then from memory: never before a final answer. `showDone`: `entries$` shows it `done` once. */
  remove(entry: OutboxEntry, then: () => void, showDone?: boolean): void;
}

export function createOutboxDrain(deps: OutboxDrainDeps): OutboxDrain {
  const { state, env, persistence, optimistic, tabs, conflict, backoffMs, maxDelayMs } = deps;
  const { entries, busy, timers, inFlight, owner } = state;

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

  const canSend = (): boolean => !state.closed && deps.connectivity.isOnline() && deps.lock.isHeld() && state.held !== state.partition;

  const kick = (): void => {
    if (!state.started || !canSend() || state.loaded === undefined) return;
    const scopes = new Set<string>();
    for (const entry of entries.values()) if (entry.partition === state.partition && isPending(entry)) scopes.add(entry.scope);
    for (const scope of scopes) if (!busy.has(scope)) drainScope(scope);
  };

  const drainScope = (scope: string): void => {
    const entry = nextInScope(entries.values(), scope, state.partition);
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
    state.publish();
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
      persistence.readEntry(entry.id).pipe(
        catchError(() => of(entry)),
        concatMap((stored) => claim(stored, false)),
      ),
      persistence.write(sending).pipe(catchError(() => EMPTY)),
      persistence.readEntry(entry.id).pipe(
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
    if (state.closed) return;
    if (stored === undefined) tabs.forget(entry.id);
    else entries.set(entry.id, stored);
    state.publish();
    // A scope whose head another tab is sending waits for that tab's word (or a refresh); others go on.
    if (stored === undefined || stored.status !== 'sending') kick();
    state.checkIdle();
  };

  const finish = (entry: OutboxEntry, error: unknown, response: ApiResponse | undefined): void => {
    inFlight.delete(entry.id);
    const scope = entry.scope;
    const release = (): void => {
      busy.delete(scope);
      tabs.changed();
      kick();
      state.checkIdle();
    };
    if (state.closed) return;
    const decision = decideOutbox(error, env.scheduler.now(), { since: entry.processingSince, maxWaitMs: maxDelayMs });
    const base = { id: entry.id, idempotencyKey: entry.idempotencyKey, method: entry.method, url: entry.url };
    switch (decision.kind) {
      case 'done':
        return remove(
          entry,
          () => {
            env.emit({ type: 'outbox-done', ...base, attempts: entry.attempts, status: response?.status });
            optimistic.settle(entry.id, 'commit');
            tabs.settle(entry, { response: response ?? { status: 200, headers: {}, body: undefined, url: entry.url, fromCache: false, stale: false } });
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
        state.held = entry.partition;
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
    state.publish();
    persistence.write(entry).subscribe({ error: () => then(), complete: then });
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
    optimistic.settle(entry.id, 'rollback');
    persist(dead, () => {
      tabs.settle(entry, { error: new OutboxError(entry, 'dead', { cause: error, detail }) });
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
        optimistic.settle(entry.id, 'rollback');
        tabs.settle(entry, { error: new OutboxError(entry, 'discarded', { cause: error, detail: 'dropped by the conflict handler' }) });
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

  const remove = (entry: OutboxEntry, then: () => void, showDone = false): void => {
    const done = (): void => {
      if (showDone) {
        entries.set(entry.id, toDone(entry));
        state.publish();
      }
      entries.delete(entry.id);
      state.publish();
      then();
    };
    persistence.removeEntry(entry.id).subscribe({
      // A failed remove leaves the entry stored: the next start re-sends it with the same key.
      error: () => done(),
      complete: () => done(),
    });
  };

  return { kick, remove };
}

const SEND_CONTEXT = RequestContext.empty().set(OUTBOX_SEND, true);

function requestOf(entry: OutboxEntry): ApiRequest {
  return createRequest({
    method: entry.method,
    url: entry.url,
    headers: entry.headers,
    body: entry.body,
    responseType: entry.responseType,
    idempotencyKey: entry.idempotencyKey,
    context: SEND_CONTEXT,
  });
}

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
