import {
  AuthError,
  CircuitOpenError,
  HttpError,
  NetworkError,
  ParseError,
  RetryAfterTooLongError,
  RetryBudgetExhaustedError,
  TimeoutError,
} from '../core/errors';
import { parseRetryAfter } from '../retry/retry-after';

/**
 * What the outbox does with an entry after one send. Pure: a row per rule in the spec.
 *
 * | answer                                           | decision   | the entry                               |
 * | ------------------------------------------------ | ---------- | --------------------------------------- |
 * | 2xx (a body that fails to parse too: it was applied) | `done` | removed                                 |
 * | 409 while the server still processes the key     | `wait`     | kept, sent again after Retry-After / 1 s |
 * | the same, `maxWaitMs` after the first such answer | `dead`     | kept as a dead letter with the body     |
 * | 409 / 412 conflict                               | `conflict` | the conflict handler decides            |
 * | 401 after auth refreshed and replayed            | `dead`     | the server refuses this user            |
 * | other 4xx                                        | `dead`     | kept as a dead letter with the body     |
 * | 5xx, 429, 408, network error, timeout            | `backoff`  | kept, sent again after a backoff        |
 * | open circuit breaker, empty retry budget (fleet) | `backoff`  | kept; the breaker's wait when it gives one |
 * | refresh unavailable / excessive (AuthError)      | `backoff`  | the session is kept: sent again later   |
 * | session ended or changed (AuthError)             | `hold`     | kept for that user's next login         |
 * | anything else (a bug, a RequestError)            | `dead`     | kept with the error                     |
 *
 * "Still processing" (draft-ietf-httpapi-idempotency-key-header §2.6: a concurrent request with
 * the same key gets 409) is told apart from a business conflict by the body: one that says so (a
 * problem `type`/`title`/`code`, or text, mentioning idempotency or "in progress"), or no body at
 * all with a `Retry-After`. A body that says something else is a conflict even with `Retry-After`
 * (the user decides; "come back later" on an edit conflict would never end).
 *
 * The wait is capped, so a server that keeps answering "still processing" cannot keep an entry
 * `retrying` forever: at most `maxWaitMs` (the outbox passes its `maxDelayMs`, default 5 min) after
 * the first of those answers in a row. A `Retry-After` past the cap is cut to it; the answer at or
 * after the cap makes a dead letter that keeps the server's body.
 */
export type OutboxDecision =
  | { readonly kind: 'done' }
  /** `since`: when the first "still processing" answer in a row came (store it, pass it back). */
  | { readonly kind: 'wait'; readonly delayMs: number; readonly since: number; readonly error: HttpError }
  | { readonly kind: 'conflict'; readonly error: HttpError }
  | { readonly kind: 'dead'; readonly error: unknown; readonly detail?: string }
  | { readonly kind: 'backoff'; readonly error: unknown; readonly retryAfterMs?: number }
  | { readonly kind: 'hold'; readonly error: AuthError };

/** The "still processing" cap: `since` is the entry's `processingSince` (undefined: this is the first). */
export interface StillProcessingBudget {
  readonly since?: number;
  readonly maxWaitMs: number;
}

/** Default cap when none is given (the outbox's default `maxDelayMs`). */
const MAX_WAIT_MS = 300_000;

/** @param now the client clock, for a `Retry-After` HTTP-date and the cap */
export function decideOutbox(error: unknown, now: number, budget: StillProcessingBudget = { maxWaitMs: MAX_WAIT_MS }): OutboxDecision {
  if (error === undefined || error instanceof ParseError) return { kind: 'done' };
  if (error instanceof HttpError) {
    const retryAfterMs = retryAfterOf(error, now);
    if (error.status === 409 && isStillProcessing(error)) return stillProcessing(error, now, retryAfterMs, budget);
    if (error.status === 409 || error.status === 412) return { kind: 'conflict', error };
    if (error.status === 408 || error.status === 429 || error.status >= 500) return { kind: 'backoff', error, retryAfterMs };
    return { kind: 'dead', error };
  }
  if (error instanceof RetryAfterTooLongError) return { kind: 'backoff', error, retryAfterMs: error.retryAfterMs };
  if (error instanceof NetworkError || error instanceof TimeoutError) return { kind: 'backoff', error };
  // The fleet guard held it back (open breaker, empty retry budget): nothing was sent; wait as told.
  if (error instanceof CircuitOpenError) return { kind: 'backoff', error, retryAfterMs: error.retryAfterMs };
  if (error instanceof RetryBudgetExhaustedError) return { kind: 'backoff', error };
  if (error instanceof AuthError) {
    if (error.reason === 'unauthorized') return { kind: 'dead', error };
    // No verdict on the refresh (its endpoint failed) or a stopped loop: the session is kept, try again later.
    if (error.reason === 'refresh-unavailable' || error.reason === 'excessive-refresh') return { kind: 'backoff', error };
    return { kind: 'hold', error };
  }
  return { kind: 'dead', error };
}

function stillProcessing(error: HttpError, now: number, retryAfterMs: number | undefined, budget: StillProcessingBudget): OutboxDecision {
  const since = budget.since ?? now;
  const left = since + budget.maxWaitMs - now;
  if (left <= 0) return { kind: 'dead', error, detail: `the server was still processing it ${now - since} ms after its first such answer` };
  return { kind: 'wait', delayMs: Math.min(retryAfterMs ?? 1000, left), since, error };
}

const IN_PROGRESS = /idempoten|in[ -_]?progress/i;

function isStillProcessing(error: HttpError): boolean {
  const body = error.body;
  const empty = body === undefined || body === null || (typeof body === 'string' && body.trim() === '');
  if (empty) return error.headers['retry-after'] !== undefined;
  if (typeof body === 'string') return IN_PROGRESS.test(body);
  if (typeof body !== 'object') return false;
  const { type, title, code, error: err } = body as Record<string, unknown>;
  return [type, title, code, err].some((field) => typeof field === 'string' && IN_PROGRESS.test(field));
}

function retryAfterOf(error: HttpError, now: number): number | undefined {
  const value = error.headers['retry-after'];
  return value === undefined ? undefined : parseRetryAfter(value, now);
}
