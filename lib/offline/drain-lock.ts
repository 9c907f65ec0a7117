import { BehaviorSubject, Subscription, catchError, concatMap, distinctUntilChanged, map, of, timer, type Observable, type SchedulerLike } from 'rxjs';
import type { OutboxStorage } from './outbox-storage';

/**
 * Who may drain the outbox when several tabs (or windows, or a restarted client) share its
 * storage: the one holding this lock. Two drainers would send the same entry at once.
 */
export interface DrainLock {
  isHeld(): boolean;
  /** Emits `true` when this instance becomes the drainer, `false` when it stops being it. */
  readonly held$: Observable<boolean>;
  close(): void;
}

/** A lock that is always held: one instance per storage (Node, tests, a single-window app). */
export function soleDrainer(): DrainLock {
  const held = new BehaviorSubject(true);
  return { isHeld: () => held.value, held$: held.asObservable(), close: () => held.next(false) };
}

/** The part of `navigator.locks` (Web Locks API) used. */
export interface LockManagerLike {
  request(name: string, callback: (lock: unknown) => Promise<void>): Promise<void>;
}

/**
 * The drainer is whoever holds the Web Lock `name` (`navigator.locks`): the browser hands it to
 * exactly one tab of the origin and passes it on when that tab closes or crashes. Needs a secure
 * context (https, localhost).
 *
 * @example
 * const lock = webLocksDrainer('rxsync-outbox', navigator.locks);
 */
export function webLocksDrainer(name: string, locks: LockManagerLike): DrainLock {
  const held = new BehaviorSubject(false);
  let release: (() => void) | undefined;
  let closed = false;
  locks
    .request(name, () =>
      closed
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            release = resolve;
            held.next(true);
          }),
    )
    .catch(() => held.next(false));
  return {
    isHeld: () => held.value,
    held$: held.pipe(distinctUntilChanged()),
    close: () => {
      closed = true;
      held.next(false);
      release?.();
    },
  };
}

/** The lease record in storage. */
interface Lease {
  readonly owner: string;
  readonly expiresAt: number;
}

export const LEASE_KEY = 'lease';

/**
 * A lease with expiry in the outbox storage, where Web Locks are missing (older WebViews, Node):
 * the holder renews it every `ttlMs / 3`; another instance takes it once it expired (the holder
 * was killed). After writing, the taker reads it back and waits one renewal period before it
 * counts as held, so two takers racing for an expired lease settle on the last write.
 * Clocks: `scheduler.now()` of each instance (wall time in production); the renewals run on the
 * same scheduler. `owner` names this instance in the lease: unique per instance.
 *
 * @example
 * const lock = leaseDrainer(storage, { scheduler: asyncScheduler }, { ttlMs: 10_000, owner: crypto.randomUUID() });
 */
export function leaseDrainer(
  storage: OutboxStorage,
  { scheduler }: { readonly scheduler: SchedulerLike },
  options: { ttlMs?: number; owner: string },
): DrainLock {
  const ttlMs = options.ttlMs ?? 10_000;
  const period = Math.max(1, Math.floor(ttlMs / 3));
  const held = new BehaviorSubject(false);
  let candidate = false;
  /** The expiry of the last lease this instance wrote: past it, another tab may have taken over. */
  let writtenUntil = 0;
  const readLease = (): Observable<Lease | undefined> =>
    storage.get(LEASE_KEY).pipe(
      map((value) => (isLease(value) ? value : undefined)),
      catchError(() => of(undefined)),
    );
  const tick = (): Observable<void> =>
    readLease().pipe(
      concatMap((lease) => {
        const now = scheduler.now();
        const mine = lease?.owner === options.owner;
        if (lease !== undefined && !mine && lease.expiresAt > now) {
          candidate = false;
          held.next(false);
          return of(undefined);
        }
        // Free, expired, or ours: write (or renew), and count it held only if it is still ours next tick.
        if (mine && candidate) held.next(true);
        candidate = true;
        const expiresAt = now + ttlMs;
        return storage.set(LEASE_KEY, { owner: options.owner, expiresAt }).pipe(
          map(() => void (writtenUntil = expiresAt)),
          catchError(() => of(undefined)),
        );
      }),
    );
  const sub: Subscription = timer(0, period, scheduler)
    .pipe(concatMap(() => tick()))
    .subscribe();
  return {
    // Checked against the clock too: a throttled background tab whose renewals ran late must not
    // send on a lease that expired (another tab may hold it by now). One renewal period of margin.
    isHeld: () => held.value && scheduler.now() < writtenUntil - period,
    held$: held.pipe(distinctUntilChanged()),
    close: () => {
      sub.unsubscribe();
      const wasHeld = held.value || candidate;
      held.next(false);
      if (wasHeld) {
        readLease()
          .pipe(concatMap((lease) => (lease?.owner === options.owner ? storage.remove(LEASE_KEY) : of(undefined))))
          .subscribe({ error: () => undefined });
      }
    },
  };
}

function isLease(value: unknown): value is Lease {
  return typeof value === 'object' && value !== null && typeof (value as Lease).owner === 'string' && typeof (value as Lease).expiresAt === 'number';
}
