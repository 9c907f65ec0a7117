import type { HeaderMap } from '../core/headers';
import type { ResponseType } from '../core/request';

/** The mutations an outbox holds. */
export type OutboxMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Where an entry stands. Persisted with it, so a restarted client knows what a killed one was doing.
 *
 * | status     | meaning                                                               |
 * | ---------- | --------------------------------------------------------------------- |
 * | `queued`   | stored, waiting for its turn (or for connectivity)                    |
 * | `sending`  | on the wire; after a kill it is re-sent with the same Idempotency-Key |
 * | `retrying` | failed transiently (5xx, 429, network, timeout); waits `nextAttemptAt` |
 * | `dead`     | a final refusal (4xx, conflict): kept with its error until retry/discard |
 * | `done`     | the server accepted it; removed from storage, shown once in `entries$` |
 */
export type OutboxStatus = 'queued' | 'sending' | 'retrying' | 'dead' | 'done';

/** A failure as stored with an entry: serializable, never the request's headers. */
export interface OutboxFailure {
  readonly kind: string;
  readonly message: string;
  readonly status?: number;
  /** The server's body, for 4xx and conflicts (what the app shows the user). */
  readonly body?: unknown;
}

/** An optimistic change to re-show after a restart: a plain patch of one entity of a named store. */
export interface OutboxOptimistic {
  readonly store: string;
  readonly id: string | number;
  readonly patch: Readonly<Record<string, unknown>>;
}

/**
 * One queued mutation, exactly as stored. It never holds the access token: auth adds the
 * current one at send time, so a refresh during replay works as for any request.
 */
export interface OutboxEntry {
  readonly id: string;
  /** Generated at enqueue, sent as `Idempotency-Key` on every attempt, across restarts. */
  readonly idempotencyKey: string;
  /** Order of enqueue within the outbox; entries of one scope are sent in this order. */
  readonly seq: number;
  /** Entries of one scope are sent one at a time, in order (default: the URL's origin). */
  readonly scope: string;
  /** The user partition the entry belongs to; it is only sent while that user is logged in. */
  readonly partition: string;
  readonly method: OutboxMethod;
  /** Absolute URL. */
  readonly url: string;
  /** The app's own headers (never `authorization`, never `cookie`). */
  readonly headers: HeaderMap;
  readonly body?: unknown;
  readonly responseType: ResponseType;
  /** Client clock (`scheduler.now()`) at enqueue. */
  readonly createdAt: number;
  /** Sends started so far. */
  readonly attempts: number;
  readonly status: OutboxStatus;
  /** When a `retrying` entry may go again (client clock). */
  readonly nextAttemptAt?: number;
  readonly lastError?: OutboxFailure;
  /**
   * Client clock of the first of the consecutive 409 "still processing" answers now running:
   * the outbox stops waiting `maxDelayMs` after it and dead-letters the entry (README: "The
   * outbox", its decision table). Cleared by any other answer.
   */
  readonly processingSince?: number;
  /**
   * The outbox instance (tab) that marked it `sending`: another tab that reads the entry before
   * its own send leaves it alone. A new drainer takes over the claims of the previous one.
   */
  readonly claimedBy?: string;
  readonly optimistic?: OutboxOptimistic;
  /** The app's own data (a label for the UI, a local id); must be serializable. */
  readonly meta?: Readonly<Record<string, unknown>>;
}

/** Headers that are the session's, not the mutation's: never stored. */
const SESSION_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/** The headers an entry may keep. */
export function storableHeaders(headers: HeaderMap): HeaderMap {
  const out: Record<string, string> = {};
  for (const name of Object.keys(headers)) if (!SESSION_HEADERS.has(name) && name !== 'idempotency-key') out[name] = headers[name]!;
  return out;
}

/**
 * Whether a value survives storage unchanged: JSON data only (plain objects, arrays, strings,
 * finite numbers, booleans, null). Returns why not, or `undefined` when it does. A Blob or
 * FormData body is refused rather than stored in a form a SQLite driver would mangle.
 */
export function unstorableReason(value: unknown, seen = new Set<unknown>()): string | undefined {
  if (value === null || value === undefined) return undefined;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `the number ${value} is not JSON`;
    case 'object': {
      if (seen.has(value)) return 'it is circular';
      const proto = Object.getPrototypeOf(value) as object | null;
      if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
        return `a ${value.constructor?.name ?? 'non-plain'} object cannot be stored`;
      }
      seen.add(value);
      for (const item of Array.isArray(value) ? value : Object.values(value)) {
        const reason = unstorableReason(item, seen);
        if (reason !== undefined) return reason;
      }
      seen.delete(value);
      return undefined;
    }
    default:
      return `a ${typeof value} cannot be stored`;
  }
}

const STATUSES: ReadonlySet<string> = new Set(['queued', 'sending', 'retrying', 'dead', 'done']);
const METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Reads a stored value back as an entry, or `undefined` when it is not one (a corrupted record,
 * another version's format, another library's key): such records are reported, never sent.
 */
export function parseEntry(value: unknown): OutboxEntry | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const e = value as Record<string, unknown>;
  const ok =
    typeof e.id === 'string' &&
    typeof e.idempotencyKey === 'string' &&
    e.idempotencyKey.length > 0 &&
    typeof e.seq === 'number' &&
    typeof e.scope === 'string' &&
    typeof e.partition === 'string' &&
    typeof e.method === 'string' &&
    METHODS.has(e.method) &&
    typeof e.url === 'string' &&
    /^https?:\/\//i.test(e.url) &&
    typeof e.headers === 'object' &&
    e.headers !== null &&
    typeof e.createdAt === 'number' &&
    typeof e.attempts === 'number' &&
    typeof e.status === 'string' &&
    STATUSES.has(e.status);
  if (!ok) return undefined;
  if (!Object.values(e.headers as object).every((v) => typeof v === 'string')) return undefined;
  return { ...(e as unknown as OutboxEntry), responseType: (e.responseType as ResponseType | undefined) ?? 'auto' };
}

/** Send order: by `seq`, then creation time, then id (two tabs may pick the same seq). */
export function compareEntries(a: OutboxEntry, b: OutboxEntry): number {
  return a.seq - b.seq || a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Storage key of an entry; everything under this prefix is the outbox's. */
export const ENTRY_PREFIX = 'entry:';
export const entryKey = (id: string): string => `${ENTRY_PREFIX}${id}`;
