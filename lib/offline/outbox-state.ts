/*
 * The in-memory picture of one outbox instance, shared by its parts (the drain loop, the tab sync,
 * the storage I/O, the load): one object, so each part reads and changes the same queue, and
 * `publish` / `checkIdle` are the two things every part does after changing it.
 */
import { BehaviorSubject, Subject, Subscription, type Observable } from 'rxjs';
import type { OutboxError } from '../core/errors';
import type { ApiResponse } from '../core/response';
import type { OutboxEntry } from './outbox-entry';
import { isPending, visibleEntries } from './outbox.reducers';

/** A final answer to an entry, for the `settled(id)` waiters of this instance. */
export interface OutboxSettlement {
  id: string;
  response?: ApiResponse;
  error?: OutboxError;
}

export interface OutboxState {
  /** Every entry this instance knows (all partitions), by id. */
  readonly entries: Map<string, OutboxEntry>;
  /** The current user's entries in send order: `entries$`. */
  readonly view: BehaviorSubject<readonly OutboxEntry[]>;
  readonly settled: Subject<OutboxSettlement>;
  /** Scopes with a send in progress. */
  readonly busy: Set<string>;
  /** The backoff timer of each waiting scope. */
  readonly timers: Map<string, Subscription>;
  /** The send of each entry on the wire, by entry id. */
  readonly inFlight: Map<string, Subscription>;
  /** Everything `close()` ends. */
  readonly subscriptions: Subscription;
  /** Emits when nothing is pending or in flight for the current user (`whenIdle`). */
  readonly idle: Subject<void>;
  /** This instance, as written in the `claimedBy` of the entries it sends. */
  readonly owner: string;
  /** Entries with a write of this instance in progress: a re-read must not undo it with the older stored copy. */
  readonly writing: Map<string, number>;
  /** Entries another instance finished, waiting for its word on the tab channel (see `forget` in `outbox-tabs.ts`). */
  readonly vanished: Map<string, { readonly entry: OutboxEntry; readonly timer: Subscription }>;
  /** The next entry's place in the queue. */
  seq: number;
  closed: boolean;
  /** Nothing is sent before the client has connected the pipeline. */
  started: boolean;
  /** A partition whose session ended mid-send: wait for a change. */
  held: string | undefined;
  /** The load of what earlier instances left (see `outbox-load.ts`); undefined until asked, or after it failed. */
  loaded: Observable<void> | undefined;
  partition: string;
  /** Shows the current user's entries on `entries$`. */
  publish(): void;
  /** Tells the `whenIdle` waiters when the current user has nothing pending and nothing is in flight. */
  checkIdle(): void;
}

export function createOutboxState(owner: string): OutboxState {
  const state: OutboxState = {
    entries: new Map(),
    view: new BehaviorSubject<readonly OutboxEntry[]>([]),
    settled: new Subject(),
    busy: new Set(),
    timers: new Map(),
    inFlight: new Map(),
    subscriptions: new Subscription(),
    idle: new Subject(),
    owner,
    writing: new Map(),
    vanished: new Map(),
    seq: 0,
    closed: false,
    started: false,
    held: undefined,
    loaded: undefined,
    partition: 'anonymous',
    publish: () => state.view.next(visibleEntries(state.entries.values(), state.partition)),
    checkIdle: () => {
      if (state.busy.size === 0 && ![...state.entries.values()].some((e) => e.partition === state.partition && isPending(e))) state.idle.next();
    },
  };
  return state;
}
