import { AuthError, HttpError, NetworkError, ParseError, TimeoutError } from '../../lib/core/errors';
import { decideOutbox, type OutboxDecision } from '../../lib/offline/outbox-decision';
import { httpError, networkError } from '../../lib/testing/responses';

const req = { method: 'PATCH' as const, url: 'https://api.test/items/1' };
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const MINUTE = 60_000;

/** Only what a row asserts: the kind, and the wait or the status of the error it keeps. */
function summary(decision: OutboxDecision): Record<string, unknown> {
  const out: Record<string, unknown> = { kind: decision.kind };
  if (decision.kind === 'wait') out.delayMs = decision.delayMs;
  if (decision.kind === 'backoff' && decision.retryAfterMs !== undefined) out.retryAfterMs = decision.retryAfterMs;
  if ('error' in decision && decision.error instanceof HttpError) out.status = decision.error.status;
  return out;
}

describe('decideOutbox', () => {
  it.each<[string, unknown, Record<string, unknown>]>([
    ['2xx', undefined, { kind: 'done' }],
    ['2xx with an unparseable body (it was applied)', new ParseError(req, '<html>', 'text/html', 'not JSON'), { kind: 'done' }],
    [
      '409, problem body only: type …idempotency…',
      httpError(409, { type: 'https://errors.test/idempotency-key-in-use' }),
      { kind: 'wait', delayMs: 1000, status: 409 },
    ],
    ['409, text body only: "request in progress"', httpError(409, 'Request in progress, try later'), { kind: 'wait', delayMs: 1000, status: 409 }],
    ['409, Retry-After and no body', httpError(409, null, { 'retry-after': '3' }), { kind: 'wait', delayMs: 3000, status: 409 }],
    ['409, Retry-After and an in-progress body', httpError(409, { code: 'in_progress' }, { 'retry-after': '2' }), { kind: 'wait', delayMs: 2000, status: 409 }],
    // A body that says something else is a business conflict, whatever the headers: the user decides.
    [
      '409 business conflict with Retry-After',
      httpError(409, { message: 'edited elsewhere', current: { title: 'theirs' } }, { 'retry-after': '5' }),
      { kind: 'conflict', status: 409 },
    ],
    ['409 business conflict', httpError(409, { message: 'edited elsewhere' }), { kind: 'conflict', status: 409 }],
    ['412', httpError(412), { kind: 'conflict', status: 412 }],
    ['408', httpError(408), { kind: 'backoff', status: 408 }],
    [
      '429 with an HTTP-date Retry-After',
      httpError(429, null, { 'retry-after': new Date(NOW + 30_000).toUTCString() }),
      { kind: 'backoff', retryAfterMs: 30_000, status: 429 },
    ],
    ['401 after auth refreshed and replayed', new AuthError(req, 'unauthorized'), { kind: 'dead' }],
    ['401 as it comes from the transport', httpError(401), { kind: 'dead', status: 401 }],
    ['session changed mid-send', new AuthError(req, 'session-changed'), { kind: 'hold' }],
    // The refresh got no verdict (its endpoint is down): the session is kept, so the entry waits and tries again.
    ['the refresh endpoint answered 503 (refresh-unavailable)', new AuthError(req, 'refresh-unavailable'), { kind: 'backoff' }],
    ['a refresh loop was stopped (excessive-refresh)', new AuthError(req, 'excessive-refresh'), { kind: 'backoff' }],
    ['422', httpError(422, { error: 'title too long' }), { kind: 'dead', status: 422 }],
    ['500', httpError(500), { kind: 'backoff', status: 500 }],
    ['503 with Retry-After', httpError(503, null, { 'retry-after': '7' }), { kind: 'backoff', retryAfterMs: 7000, status: 503 }],
    ['network error (not sent)', networkError('not-sent'), { kind: 'backoff' }],
    ['network error (outcome unknown)', new NetworkError(req, 'unknown'), { kind: 'backoff' }],
    ['timeout', new TimeoutError(req, 10_000), { kind: 'backoff' }],
    ['a bug', new TypeError('x is undefined'), { kind: 'dead' }],
  ])('%s', (_, error, expected) => {
    expect(summary(decideOutbox(error, NOW))).toEqual(expected);
  });

  describe('"still processing" is capped: the wait since the first such answer is at most maxWaitMs', () => {
    const inProgress = (retryAfter?: string) => httpError(409, { type: 'idempotency-key-in-use' }, retryAfter ? { 'retry-after': retryAfter } : {});

    it('the first answer starts the clock', () => {
      expect(decideOutbox(inProgress(), NOW, { maxWaitMs: 5 * MINUTE })).toMatchObject({ kind: 'wait', delayMs: 1000, since: NOW });
    });

    it('later answers keep the first one’s clock; the last wait is cut to what is left', () => {
      const since = NOW - 5 * MINUTE + 2000;
      expect(decideOutbox(inProgress('10'), NOW, { since, maxWaitMs: 5 * MINUTE })).toMatchObject({ kind: 'wait', delayMs: 2000, since });
    });

    it('once maxWaitMs has passed: a dead letter that keeps the server’s body', () => {
      const decision = decideOutbox(inProgress('1'), NOW, { since: NOW - 5 * MINUTE, maxWaitMs: 5 * MINUTE });
      expect(decision).toMatchObject({ kind: 'dead', error: { status: 409, body: { type: 'idempotency-key-in-use' } } });
      expect(decision.kind === 'dead' && decision.detail).toContain('still processing');
    });

    it('a Retry-After far beyond the cap waits only until the cap, then is answered once more', () => {
      expect(decideOutbox(inProgress('86400'), NOW, { maxWaitMs: 5 * MINUTE })).toMatchObject({ kind: 'wait', delayMs: 5 * MINUTE });
    });
  });
});
