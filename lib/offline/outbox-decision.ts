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
 * | 409 / 412 conflict                               | `conflict` | the conflict handler decides            |
 * | 401 after auth refreshed and replayed            | `dead`     | the server refuses this user            |
 * | other 4xx                                        | `dead`     | kept as a dead letter with the body     |
 * | 5xx, 429, 408, network error, timeout            | `backoff`  | kept, sent again after a backoff        |
 * | open circuit breaker, empty retry budget (fleet) | `backoff`  | kept; the breaker's wait when it gives one |
 * | session ended or changed (AuthError)             | `hold`     | kept for that user's next login         |
 * | anything else (a bug, a RequestError)            | `dead`     | kept with the error                     |
 *
 * "Still processing" (draft-ietf-httpapi-idempotency-key-header §2.6: a concurrent request with
 * the same key gets 409) is told apart from a business conflict by a `Retry-After` header, or a
 * body that says so (a problem `type`/`title`/`code` mentioning idempotency or "in progress").
 */
export type OutboxDecision =
  | { readonly kind: 'done' }
  | { readonly kind: 'wait'; readonly delayMs: number }
  | { readonly kind: 'conflict'; readonly error: HttpError }
  | { readonly kind: 'dead'; readonly error: unknown }
  | { readonly kind: 'backoff'; readonly error: unknown; readonly retryAfterMs?: number }
  | { readonly kind: 'hold'; readonly error: AuthError };

/** @param now the client clock, for a `Retry-After` HTTP-date */
export function decideOutbox(error: unknown, now: number): OutboxDecision {
  if (error === undefined || error instanceof ParseError) return { kind: 'done' };
  if (error instanceof HttpError) {
    const retryAfterMs = retryAfterOf(error, now);
    if (error.status === 409 && isStillProcessing(error)) return { kind: 'wait', delayMs: retryAfterMs ?? 1000 };
    if (error.status === 409 || error.status === 412) return { kind: 'conflict', error };
    if (error.status === 408 || error.status === 429 || error.status >= 500) return { kind: 'backoff', error, retryAfterMs };
    return { kind: 'dead', error };
  }
  if (error instanceof RetryAfterTooLongError) return { kind: 'backoff', error, retryAfterMs: error.retryAfterMs };
  if (error instanceof NetworkError || error instanceof TimeoutError) return { kind: 'backoff', error };
  // The fleet guard held it back (open breaker, empty retry budget): nothing was sent; wait as told.
  if (error instanceof CircuitOpenError) return { kind: 'backoff', error, retryAfterMs: error.retryAfterMs };
  if (error instanceof RetryBudgetExhaustedError) return { kind: 'backoff', error };
  if (error instanceof AuthError) return error.reason === 'unauthorized' ? { kind: 'dead', error } : { kind: 'hold', error };
  return { kind: 'dead', error };
}

const IN_PROGRESS = /idempoten|in[ -_]?progress/i;

function isStillProcessing(error: HttpError): boolean {
  if (error.headers['retry-after'] !== undefined) return true;
  const body = error.body;
  if (typeof body === 'string') return IN_PROGRESS.test(body);
  if (typeof body !== 'object' || body === null) return false;
  const { type, title, code, error: err } = body as Record<string, unknown>;
  return [type, title, code, err].some((field) => typeof field === 'string' && IN_PROGRESS.test(field));
}

function retryAfterOf(error: HttpError, now: number): number | undefined {
  const value = error.headers['retry-after'];
  return value === undefined ? undefined : parseRetryAfter(value, now);
}
