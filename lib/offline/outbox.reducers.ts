import { ApiError, HttpError } from '../core/errors';
import { compareEntries, type OutboxEntry, type OutboxFailure } from './outbox-entry';

/**
 * The pure transitions of an entry. The outbox persists each result before it acts on it, so the
 * stored entry always says at least as much as the last thing that happened.
 */

/** About to go on the wire: one more attempt, claimed by the outbox instance `owner`. */
export function toSending(entry: OutboxEntry, owner?: string): OutboxEntry {
  return { ...entry, status: 'sending', attempts: entry.attempts + 1, nextAttemptAt: undefined, ...(owner === undefined ? {} : { claimedBy: owner }) };
}

/** Failed transiently; may go again at `nextAttemptAt`. Ends a run of "still processing" answers. */
export function toRetrying(entry: OutboxEntry, nextAttemptAt: number, error: unknown): OutboxEntry {
  return { ...entry, status: 'retrying', nextAttemptAt, lastError: failureOf(error), processingSince: undefined };
}

/** The server still processes the key (409): goes again at `nextAttemptAt`; `since` starts the cap's clock. */
export function toWaiting(entry: OutboxEntry, nextAttemptAt: number, since: number, error: unknown): OutboxEntry {
  return { ...entry, status: 'retrying', nextAttemptAt, lastError: failureOf(error), processingSince: since };
}

/** A final refusal: kept, with what the server said, until the app retries or discards it (a retry starts a new cap). */
export function toDead(entry: OutboxEntry, error: unknown): OutboxEntry {
  return { ...entry, status: 'dead', nextAttemptAt: undefined, lastError: failureOf(error), processingSince: undefined };
}

/** Back in line (a dead letter the app retries, a held entry, one found `sending` after a kill). */
export function toQueued(entry: OutboxEntry): OutboxEntry {
  return { ...entry, status: 'queued', nextAttemptAt: undefined };
}

export function toDone(entry: OutboxEntry): OutboxEntry {
  return { ...entry, status: 'done', nextAttemptAt: undefined };
}

/** Statuses that still need a send. */
export function isPending(entry: OutboxEntry): boolean {
  return entry.status === 'queued' || entry.status === 'sending' || entry.status === 'retrying';
}

/** The next entry to send in `scope`: the first pending one in order (dead letters step aside). */
export function nextInScope(entries: Iterable<OutboxEntry>, scope: string, partition: string): OutboxEntry | undefined {
  let first: OutboxEntry | undefined;
  for (const entry of entries) {
    if (entry.scope !== scope || entry.partition !== partition || !isPending(entry)) continue;
    if (first === undefined || compareEntries(entry, first) < 0) first = entry;
  }
  return first;
}

/** The entries one user sees, in send order. */
export function visibleEntries(entries: Iterable<OutboxEntry>, partition: string): readonly OutboxEntry[] {
  const out: OutboxEntry[] = [];
  for (const entry of entries) if (entry.partition === partition) out.push(entry);
  return out.sort(compareEntries);
}

/** A failure in storable form: kind, message, status and body; never headers or the request. */
export function failureOf(error: unknown): OutboxFailure {
  if (error instanceof HttpError) return { kind: error.kind, message: error.message, status: error.status, body: storableBody(error.body) };
  if (error instanceof ApiError) return { kind: error.kind, message: error.message };
  return { kind: 'unknown', message: error instanceof Error ? error.message : String(error) };
}

function storableBody(body: unknown): unknown {
  try {
    return body === undefined ? undefined : (JSON.parse(JSON.stringify(body)) as unknown);
  } catch {
    return undefined;
  }
}
