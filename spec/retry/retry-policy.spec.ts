import { RequestContext } from '../../lib/core/context';
import { REPEATABLE } from '../../lib/core/context-tokens';
import {
  AuthError,
  CircuitOpenError,
  HttpError,
  NetworkError,
  OutcomeUnknownError,
  ParseError,
  RetryAfterTooLongError,
  TimeoutError,
} from '../../lib/core/errors';
import type { HttpMethod } from '../../lib/core/request';
import { resolveRetryConfig } from '../../lib/retry/retry-config';
import { decideRetry } from '../../lib/retry/retry-policy';
import { httpError, request } from './fixtures';

/** The defaults with exact waits: the default full jitter is covered by its own rows. */
const NO_JITTER = resolveRetryConfig({ jitter: 'none' });

const get = request('GET');
const NOW = 1_000_000;
const noJitter = (): number => 0.5;

describe('decideRetry', () => {
  describe('which failures are retried', () => {
    it.each([
      ['a network error', new NetworkError(get, 'not-sent'), 'network error'],
      ['a network error of unknown outcome on an idempotent request', new NetworkError(get, 'unknown'), 'network error'],
      ['a per-attempt timeout', new TimeoutError(get, 10_000), 'timeout'],
      ['408 Request Timeout (RFC 9110 §15.5.9)', httpError(get, 408), 'HTTP 408'],
      ['429 Too Many Requests (RFC 6585 §4)', httpError(get, 429), 'HTTP 429'],
      ['500 Internal Server Error', httpError(get, 500), 'HTTP 500'],
      ['502 Bad Gateway', httpError(get, 502), 'HTTP 502'],
      ['503 Service Unavailable (RFC 9110 §15.6.4)', httpError(get, 503), 'HTTP 503'],
      ['504 Gateway Timeout', httpError(get, 504), 'HTTP 504'],
    ])('retries %s after the backoff delay', (_rule, error, reason) => {
      expect(decideRetry(get, error, 1, NO_JITTER, NOW, noJitter)).toEqual({ kind: 'retry', delayMs: 1000, reason });
    });

    it.each([
      ['400 Bad Request', httpError(get, 400)],
      ['401 Unauthorized: the auth layer owns it', httpError(get, 401)],
      ['403 Forbidden', httpError(get, 403)],
      ['404 Not Found', httpError(get, 404)],
      ['409 Conflict', httpError(get, 409)],
      ['422 Unprocessable Content', httpError(get, 422)],
      ['501 Not Implemented: it will not be implemented in a second', httpError(get, 501)],
      ['a 3xx that reached the layers', httpError(get, 304)],
      ['a ParseError: the same body parses the same way', new ParseError(get, '<html>', 'text/html', 'not JSON')],
      ['an AuthError: the session ended', new AuthError(get, 'refresh-failed')],
      ['an OutcomeUnknownError: the write may have happened', new OutcomeUnknownError(get, new TimeoutError(get, 10_000))],
      ['an error rxsync does not know', new Error('bug in a user layer')],
      ['a thrown non-Error', 'boom'],
    ])('stops at once on %s, with that very error', (_rule, error) => {
      const decision = decideRetry(get, error, 1, NO_JITTER, NOW, noJitter);
      expect(decision.kind).toBe('stop');
      expect(decision.kind === 'stop' && decision.error).toBe(error);
    });

    it('uses the configured retryableStatuses instead of the defaults', () => {
      const only503 = resolveRetryConfig({ retryableStatuses: new Set([503]) });
      expect(decideRetry(get, httpError(get, 500), 1, only503, NOW, noJitter).kind).toBe('stop');
      expect(decideRetry(get, httpError(get, 503), 1, only503, NOW, noJitter).kind).toBe('retry');
    });
  });

  describe('which requests may be resent (RFC 9110 §9.2.2)', () => {
    it.each<[HttpMethod, 'retry' | 'stop']>([
      ['GET', 'retry'],
      ['HEAD', 'retry'],
      ['OPTIONS', 'retry'],
      ['PUT', 'retry'],
      ['DELETE', 'retry'],
      ['POST', 'stop'],
      ['PATCH', 'stop'],
    ])('%s without an idempotency key: %s', (method, kind) => {
      const req = request(method);
      expect(decideRetry(req, httpError(req, 503), 1, NO_JITTER, NOW, noJitter).kind).toBe(kind);
      expect(decideRetry(req, new NetworkError(req, 'unknown'), 1, NO_JITTER, NOW, noJitter).kind).toBe(kind);
    });

    it.each<HttpMethod>(['POST', 'PATCH'])('retries %s whose failure proves it never reached the server (not-sent)', (method) => {
      const req = request(method);
      expect(decideRetry(req, new NetworkError(req, 'not-sent'), 1, NO_JITTER, NOW, noJitter)).toEqual({
        kind: 'retry',
        delayMs: 1000,
        reason: 'network error',
      });
    });

    it('retries a POST its sender marked REPEATABLE (a GraphQL query)', () => {
      const req = request('POST', undefined, { context: RequestContext.empty().set(REPEATABLE, true) });
      expect(decideRetry(req, httpError(req, 503), 1, NO_JITTER, NOW, noJitter).kind).toBe('retry');
    });

    it.each<HttpMethod>(['POST', 'PATCH'])('retries %s that carries an idempotency key', (method) => {
      const req = request(method, undefined, { idempotencyKey: 'k-1' });
      expect(decideRetry(req, httpError(req, 503), 1, NO_JITTER, NOW, noJitter)).toEqual({ kind: 'retry', delayMs: 1000, reason: 'HTTP 503' });
    });
  });

  describe('how many attempts', () => {
    it.each([
      [1, 4, 'retry'],
      [3, 4, 'retry'],
      [4, 4, 'stop'],
      [5, 4, 'stop'],
      [1, 2, 'retry'],
      [2, 2, 'stop'],
      [1, 1, 'stop'],
    ])('after failed attempt %i of maxAttempts %i: %s (maxAttempts counts the first)', (failedAttempt, maxAttempts, kind) => {
      const config = resolveRetryConfig({ maxAttempts });
      const error = httpError(get, 503);
      const decision = decideRetry(get, error, failedAttempt, config, NOW, noJitter);
      expect(decision.kind).toBe(kind);
      if (decision.kind === 'stop') expect(decision.error).toBe(error);
    });

    it.each([
      [1, 1000],
      [2, 2000],
      [3, 4000],
    ])('waits the exponential backoff after failed attempt %i: %i ms', (failedAttempt, delayMs) => {
      expect(decideRetry(get, new NetworkError(get, 'not-sent'), failedAttempt, NO_JITTER, NOW, noJitter)).toMatchObject({ kind: 'retry', delayMs });
    });

    it('draws full jitter from the random source it is given', () => {
      const config = resolveRetryConfig({ jitter: 'full' });
      expect(decideRetry(get, httpError(get, 503), 2, config, NOW, () => 0.25)).toMatchObject({ kind: 'retry', delayMs: 500 });
    });
  });

  describe('Retry-After (RFC 9110 §10.2.3)', () => {
    const withRetryAfter = (value: string, status = 503, extra: Record<string, string> = {}): HttpError =>
      httpError(get, status, { 'retry-after': value, ...extra });

    it.each([
      ['delay-seconds shorter than the backoff', withRetryAfter('0'), 3, 0],
      ['delay-seconds longer than the backoff', withRetryAfter('7'), 1, 7000],
      ['delay-seconds above maxDelayMs (the backoff cap does not apply)', withRetryAfter('45'), 1, 45_000],
      ['on a 429', withRetryAfter('2', 429), 1, 2000],
      ['as an HTTP-date, against now', withRetryAfter(new Date(NOW + 5000).toUTCString()), 1, 5000],
      ['as an HTTP-date already past', withRetryAfter(new Date(NOW - 5000).toUTCString()), 1, 0],
    ])('wins over the backoff: %s', (_rule, error, failedAttempt, delayMs) => {
      expect(decideRetry(get, error, failedAttempt, NO_JITTER, NOW, noJitter)).toEqual({
        kind: 'retry',
        delayMs,
        reason: `HTTP ${error.status}, Retry-After`,
      });
    });

    it('measures an HTTP-date against the response Date header when there is one: a wrong device clock does not matter', () => {
      const serverNow = Date.UTC(2026, 0, 1, 12, 0, 0);
      const error = withRetryAfter(new Date(serverNow + 3000).toUTCString(), 503, { date: new Date(serverNow).toUTCString() });
      const deviceNow = serverNow + 3_600_000; // the phone's clock is an hour fast
      expect(decideRetry(get, error, 1, NO_JITTER, deviceNow, noJitter)).toMatchObject({ kind: 'retry', delayMs: 3000 });
    });

    it.each([['soon'], [''], ['1.5']])('falls back to the backoff when Retry-After is unreadable: %j', (value) => {
      expect(decideRetry(get, withRetryAfter(value), 2, NO_JITTER, NOW, noJitter)).toEqual({ kind: 'retry', delayMs: 2000, reason: 'HTTP 503' });
    });

    it.each([
      ['61', 61_000],
      ['3600', 3_600_000],
    ])('stops at once with RetryAfterTooLongError when the wait exceeds maxRetryAfterMs: %j', (value, retryAfterMs) => {
      const error = withRetryAfter(value);
      const decision = decideRetry(get, error, 1, NO_JITTER, NOW, noJitter);
      expect(decision.kind).toBe('stop');
      const stopped = decision.kind === 'stop' ? decision.error : undefined;
      expect(stopped).toBeInstanceOf(RetryAfterTooLongError);
      expect(stopped).toMatchObject({ retryAfterMs, status: 503, cause: error, request: { method: 'GET', url: get.url } });
    });

    it('accepts a wait of exactly maxRetryAfterMs', () => {
      expect(decideRetry(get, withRetryAfter('60'), 1, NO_JITTER, NOW, noJitter)).toMatchObject({ kind: 'retry', delayMs: 60_000 });
    });

    it('reports the spent attempts rather than the Retry-After when none are left', () => {
      const error = withRetryAfter('3600');
      expect(decideRetry(get, error, 4, NO_JITTER, NOW, noJitter)).toEqual({ kind: 'stop', error });
    });

    it('is ignored on a status that is not retried', () => {
      const error = withRetryAfter('1', 404);
      expect(decideRetry(get, error, 1, NO_JITTER, NOW, noJitter)).toEqual({ kind: 'stop', error });
    });
  });
});

describe('decideRetry with a CircuitOpenError (the breaker refused the attempt)', () => {
  const open = (retryAfterMs: number | undefined) =>
    new CircuitOpenError(
      get,
      'https://api.example.com',
      retryAfterMs === undefined ? 'half-open' : 'open',
      retryAfterMs === undefined ? undefined : NOW + retryAfterMs,
      retryAfterMs,
    );
  it.each([
    ['waits for the probe when it is due after the backoff', open(3000), 1, 3000],
    ['waits the backoff when the probe is due sooner', open(200), 2, 2000],
    ['half-open (probe in flight): waits the backoff', open(undefined), 1, 1000],
  ])('%s', (_rule, error, failedAttempt, delayMs) => {
    expect(decideRetry(get, error, failedAttempt, NO_JITTER, NOW, noJitter)).toEqual({ kind: 'retry', delayMs, reason: 'circuit open' });
  });

  it('retries a POST without idempotency key: nothing was sent', () => {
    const post = request('POST');
    expect(decideRetry(post, new CircuitOpenError(post, 'https://api.example.com', 'open', NOW + 10, 10), 1, NO_JITTER, NOW, noJitter).kind).toBe('retry');
  });

  it('stops with the CircuitOpenError itself when the probe is due later than maxRetryAfterMs', () => {
    const error = open(120_000);
    expect(decideRetry(get, error, 1, NO_JITTER, NOW, noJitter)).toEqual({ kind: 'stop', error });
  });

  it('stops after maxAttempts like any failure', () => {
    const error = open(10);
    expect(decideRetry(get, error, 4, NO_JITTER, NOW, noJitter)).toEqual({ kind: 'stop', error });
  });
});

describe('decideRetry: Retry-After under full jitter', () => {
  it("waits the server's delay plus a jittered backoff, so a fleet told the same delay does not return together", () => {
    const error = httpError(get, 503, { 'retry-after': '20' });
    const fullJitter = resolveRetryConfig({ jitter: 'full' });
    expect(decideRetry(get, error, 1, fullJitter, NOW, () => 0.25)).toEqual({ kind: 'retry', delayMs: 20_000 + 250, reason: 'HTTP 503, Retry-After' });
    expect(decideRetry(get, error, 1, NO_JITTER, NOW, noJitter)).toEqual({ kind: 'retry', delayMs: 20_000, reason: 'HTTP 503, Retry-After' });
  });
});
