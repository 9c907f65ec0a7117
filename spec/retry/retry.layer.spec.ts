import { Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { createEnv } from '../../lib/core/env';
import { HttpError, NetworkError, RetryAfterTooLongError, TimeoutError, type ApiError } from '../../lib/core/errors';
import type { ClientEvent } from '../../lib/core/events';
import type { Layer } from '../../lib/core/layer';
import { createRequest, type ApiRequest } from '../../lib/core/request';
import type { ApiResponse } from '../../lib/core/response';
import { RETRY, type RetryConfig } from '../../lib/retry/retry-config';
import { retryLayer } from '../../lib/retry/retry.layer';
import { sequenceHandler, type SequenceHandler } from '../../lib/testing/sequence-handler';
import { createTestScheduler } from '../helpers/marbles';
import { httpError, request, response } from './fixtures';

describe('retryLayer', () => {
  let rx: TestScheduler;
  const ok = response(200);
  const get = request('GET');

  beforeEach(() => {
    rx = createTestScheduler();
  });

  /** The layer under test, on the TestScheduler's clock. */
  function layer(config?: Partial<RetryConfig>, random?: () => number): Layer {
    // Exact waits unless a test asks for jitter: the default is full jitter.
    return retryLayer({ jitter: 'none', ...config }, createEnv({ scheduler: rx, random }).env);
  }

  /** The error the subscriber should see: `error` annotated with the attempts made. */
  function after<E extends ApiError>(attempts: number, error: E): E {
    error.attempts = attempts;
    return error;
  }

  describe('with the default config', () => {
    it('waits 1 s, 2 s, 4 s between 4 attempts, then gives up with the last error', () => {
      rx.run(({ cold, expectObservable, expectSubscriptions }) => {
        const attempt1 = cold<ApiResponse>('-#', undefined, httpError(get, 503));
        const attempt2 = cold<ApiResponse>('-#', undefined, httpError(get, 502));
        const attempt3 = cold<ApiResponse>('-#', undefined, new NetworkError(get, 'not-sent'));
        const attempt4 = cold<ApiResponse>('-#', undefined, new TimeoutError(get, 10_000));
        const result = layer()(get, sequenceHandler(attempt1, attempt2, attempt3, attempt4));

        expectObservable(result).toBe('7004ms #', undefined, after(4, new TimeoutError(get, 10_000)));
        expectSubscriptions(attempt1.subscriptions).toBe('^!');
        expectSubscriptions(attempt2.subscriptions).toBe('1001ms ^!'); // failed at 1, waited 1000
        expectSubscriptions(attempt3.subscriptions).toBe('3002ms ^!'); // failed at 1002, waited 2000
        expectSubscriptions(attempt4.subscriptions).toBe('7003ms ^!'); // failed at 3003, waited 4000
      });
    });

    it('delivers the first success and stops retrying', () => {
      rx.run(({ cold, expectObservable, expectSubscriptions }) => {
        const attempt1 = cold<ApiResponse>('--#', undefined, httpError(get, 503));
        const attempt2 = cold('-r|', { r: ok });
        const result = layer()(get, sequenceHandler(attempt1, attempt2));

        expectObservable(result).toBe('1003ms r|', { r: ok });
        expectSubscriptions(attempt1.subscriptions).toBe('^-!');
        expectSubscriptions(attempt2.subscriptions).toBe('1002ms ^-!');
      });
    });

    it('annotates the final error with the attempts made, without wrapping it', () => {
      const last = httpError(get, 503);
      rx.run(({ cold, expectObservable }) => {
        const fail = (error: HttpError) => cold<ApiResponse>('-#', undefined, error);
        const result = layer({ maxAttempts: 3 })(get, sequenceHandler(fail(httpError(get, 503)), fail(httpError(get, 503)), fail(last)));

        const expected = httpError(get, 503);
        expected.attempts = 3;
        expectObservable(result).toBe('3003ms #', undefined, expected);
      });
      expect(last.attempts).toBe(3);
    });
  });

  it('caps the wait at maxDelayMs', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const fail = () => cold<ApiResponse>('-#', undefined, httpError(get, 503));
      const attempts = [fail(), fail(), fail(), fail(), cold('-r|', { r: ok })];
      const result = layer({ maxAttempts: 5, maxDelayMs: 3000 })(get, sequenceHandler(...attempts));

      //                             waits: 1000, 2000, 3000 (not 4000), 3000 (not 8000)
      expectObservable(result).toBe('9005ms r|', { r: ok });
      ['^!', '1001ms ^!', '3002ms ^!', '6003ms ^!', '9004ms ^-!'].forEach((frames, i) => expectSubscriptions(attempts[i].subscriptions).toBe(frames));
    });
  });

  it('waits on env.scheduler, not the default one (checked outside run(), where asyncScheduler is real)', () => {
    const attempt1 = rx.createColdObservable<ApiResponse>('-#', undefined, httpError(get, 503)); // fails at frame 10
    const attempt2 = rx.createColdObservable('-r|', { r: ok });
    const seen: string[] = [];
    rx.maxFrames = 2000; // outside run() a TestScheduler stops at frame 750 by default
    layer()(get, sequenceHandler(attempt1, attempt2)).subscribe({
      next: () => seen.push(`r at ${rx.now()}`),
      complete: () => seen.push(`| at ${rx.now()}`),
    });
    rx.flush();
    expect(seen).toEqual(['r at 1020', '| at 1030']);
  });

  it('draws full jitter from env.random', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const attempt1 = cold<ApiResponse>('-#', undefined, httpError(get, 503));
      const attempt2 = cold<ApiResponse>('-#', undefined, httpError(get, 503));
      const attempt3 = cold('-r|', { r: ok });
      const result = layer({ jitter: 'full' }, () => 0.25)(get, sequenceHandler(attempt1, attempt2, attempt3));

      expectObservable(result).toBe('753ms r|', { r: ok }); // waits 250 (¼ of 1000), then 500 (¼ of 2000)
      expectSubscriptions(attempt2.subscriptions).toBe('251ms ^!');
      expectSubscriptions(attempt3.subscriptions).toBe('752ms ^-!');
    });
  });

  describe('Retry-After (RFC 9110 §10.2.3)', () => {
    it('waits the delay-seconds the server asked for instead of the backoff', () => {
      rx.run(({ cold, expectObservable, expectSubscriptions }) => {
        const attempt1 = cold<ApiResponse>('-#', undefined, httpError(get, 503, { 'retry-after': '3' }));
        const attempt2 = cold('-r|', { r: ok });
        const result = layer()(get, sequenceHandler(attempt1, attempt2));

        expectObservable(result).toBe('3002ms r|', { r: ok });
        expectSubscriptions(attempt2.subscriptions).toBe('3001ms ^-!');
      });
    });

    it('waits until an HTTP-date, measured on the scheduler clock', () => {
      rx.run(({ cold, expectObservable, expectSubscriptions }) => {
        // The virtual clock starts at the epoch; the 429 arrives at 1 ms and asks for 00:00:05.
        const attempt1 = cold<ApiResponse>('-#', undefined, httpError(get, 429, { 'retry-after': 'Thu, 01 Jan 1970 00:00:05 GMT' }));
        const attempt2 = cold('-r|', { r: ok });
        const result = layer()(get, sequenceHandler(attempt1, attempt2));

        expectObservable(result).toBe('5001ms r|', { r: ok });
        expectSubscriptions(attempt2.subscriptions).toBe('5000ms ^-!');
      });
    });

    it('fails at once with RetryAfterTooLongError when the server asks for more than maxRetryAfterMs', () => {
      rx.run(({ cold, expectObservable, expectSubscriptions }) => {
        const tooLong = httpError(get, 503, { 'retry-after': '120' });
        const attempt1 = cold<ApiResponse>('-#', undefined, tooLong);
        const attempt2 = cold('-r|', { r: ok });
        const result = layer()(get, sequenceHandler(attempt1, attempt2));

        expectObservable(result).toBe('-#', undefined, after(1, new RetryAfterTooLongError(get, 120_000, 503, tooLong)));
        expectSubscriptions(attempt2.subscriptions).toBe([]);
      });
    });

    it('counts the earlier attempts on a RetryAfterTooLongError', () => {
      rx.run(({ cold, expectObservable }) => {
        const tooLong = httpError(get, 503, { 'retry-after': '61' });
        const result = layer()(get, sequenceHandler(cold<ApiResponse>('-#', undefined, httpError(get, 500)), cold<ApiResponse>('-#', undefined, tooLong)));

        expectObservable(result).toBe('1002ms #', undefined, after(2, new RetryAfterTooLongError(get, 61_000, 503, tooLong)));
      });
    });
  });

  it('cancels the backoff wait on unsubscribe: no further attempt starts', () => {
    const { env, events$ } = createEnv({ scheduler: rx });
    const events: ClientEvent['type'][] = [];
    events$.subscribe((e) => events.push(e.type));
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const attempt1 = cold<ApiResponse>('-#', undefined, httpError(get, 503));
      const attempt2 = cold('-r|', { r: ok });
      const result = retryLayer({ jitter: 'none' }, env)(get, sequenceHandler(attempt1, attempt2));

      expectObservable(result, '^--!').toBe('---');
      expectSubscriptions(attempt1.subscriptions).toBe('^!');
      expectSubscriptions(attempt2.subscriptions).toBe([]);
    });
    expect(events).toEqual(['retry-scheduled']);
  });

  describe('what it never retries', () => {
    it.each([
      [400, 'Bad Request'],
      [401, 'Unauthorized: the auth layer refreshes and replays'],
      [404, 'Not Found'],
    ])('%i %s', (status) => {
      rx.run(({ cold, expectObservable, expectSubscriptions }) => {
        const attempt1 = cold<ApiResponse>('-#', undefined, httpError(get, status));
        const attempt2 = cold('-r|', { r: ok });
        const result = layer()(get, sequenceHandler(attempt1, attempt2));

        expectObservable(result).toBe('-#', undefined, after(1, httpError(get, status)));
        expectSubscriptions(attempt2.subscriptions).toBe([]);
      });
    });

    it('a POST without an idempotency key (it may have been applied)', () => {
      const post = request('POST', undefined, { body: { name: 'x' } });
      rx.run(({ cold, expectObservable, expectSubscriptions }) => {
        const attempt1 = cold<ApiResponse>('-#', undefined, httpError(post, 503));
        const attempt2 = cold('-r|', { r: ok });
        const result = layer()(post, sequenceHandler(attempt1, attempt2));

        expectObservable(result).toBe('-#', undefined, after(1, httpError(post, 503)));
        expectSubscriptions(attempt2.subscriptions).toBe([]);
      });
    });
  });

  it('retries a POST that carries an idempotency key, sending the same Idempotency-Key on every attempt', () => {
    const post = request('POST', undefined, { body: { name: 'x' }, idempotencyKey: 'k-7f3a' });
    let handler!: SequenceHandler;
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const attempt1 = cold<ApiResponse>('-#', undefined, httpError(post, 503));
      const attempt2 = cold<ApiResponse>('-#', undefined, new NetworkError(post, 'not-sent'));
      const attempt3 = cold('-r|', { r: ok });
      handler = sequenceHandler(attempt1, attempt2, attempt3);

      expectObservable(layer()(post, handler)).toBe('3003ms r|', { r: ok });
      expectSubscriptions(attempt3.subscriptions).toBe('3002ms ^-!');
    });
    expect(handler.requests.map((r) => r.headers['idempotency-key'])).toEqual(['k-7f3a', 'k-7f3a', 'k-7f3a']);
    expect(handler.requests.map((r) => r.body)).toEqual([post.body, post.body, post.body]);
  });

  it('emits retry-scheduled events in order, stamped with the scheduler clock', () => {
    rx.run(({ cold, expectObservable }) => {
      const { env, events$ } = createEnv({ scheduler: rx });
      const attempts = [
        cold<ApiResponse>('-#', undefined, httpError(get, 503)),
        cold<ApiResponse>('-#', undefined, new NetworkError(get, 'not-sent')),
        cold<ApiResponse>('-#', undefined, httpError(get, 429, { 'retry-after': '5' })),
        cold('-r|', { r: ok }),
      ];
      const scheduled = (at: number, attempt: number, delayMs: number, reason: string): ClientEvent => ({
        type: 'retry-scheduled',
        at,
        method: 'GET',
        url: get.url,
        attempt,
        delayMs,
        reason,
      });

      expectObservable(events$).toBe('-a 1000ms b 2000ms c', {
        a: scheduled(1, 1, 1000, 'HTTP 503'),
        b: scheduled(1002, 2, 2000, 'network error'),
        c: scheduled(3003, 3, 5000, 'HTTP 429, Retry-After'),
      });
      expectObservable(retryLayer({ jitter: 'none' }, env)(get, sequenceHandler(...attempts))).toBe('8004ms r|', { r: ok });
    });
  });

  describe('per-request RETRY context', () => {
    it('merges an override over the layer config', () => {
      const req = request('GET', undefined, { context: get.context.set(RETRY, { maxAttempts: 2, baseDelayMs: 10 }) });
      rx.run(({ cold, expectObservable, expectSubscriptions }) => {
        const attempts = [
          cold<ApiResponse>('-#', undefined, httpError(req, 503)),
          cold<ApiResponse>('-#', undefined, httpError(req, 503)),
          cold('-r|', { r: ok }),
        ];
        const result = layer({ maxAttempts: 5 })(req, sequenceHandler(...attempts));

        expectObservable(result).toBe('12ms #', undefined, after(2, httpError(req, 503)));
        expectSubscriptions(attempts[2].subscriptions).toBe([]);
      });
    });
  });

  describe('when retrying is off', () => {
    it.each<[string, Partial<RetryConfig> | undefined, Partial<RetryConfig> | false | undefined]>([
      ['the layer has maxAttempts 1', { maxAttempts: 1 }, undefined],
      ['the request sets RETRY to false', undefined, false],
      ['the request sets RETRY to { maxAttempts: 1 }', { maxAttempts: 5 }, { maxAttempts: 1 }],
    ])('adds nothing to the hot path when %s: next(req) itself is returned', (_rule, config, override) => {
      const req = override === undefined ? get : request('GET', undefined, { context: get.context.set(RETRY, override) });
      const source = rx.createColdObservable<ApiResponse>('-#', undefined, httpError(req, 503));
      const next = jest.fn((_req: ApiRequest) => source);
      expect(layer(config)(req, next)).toBe(source);
      expect(next).toHaveBeenCalledTimes(1);
      expect(next.mock.calls[0][0]).toBe(req);
    });

    it('passes the Idempotency-Key header built with the request through unchanged', () => {
      const put = createRequest({ method: 'PUT', url: 'https://api.example.com/items/42', idempotencyKey: 'k-1' });
      const next = jest.fn((_req: ApiRequest) => rx.createColdObservable<ApiResponse>('-r|', { r: ok }));
      layer({ maxAttempts: 1 })(put, next);
      expect(next.mock.calls[0][0].headers).toEqual({ 'idempotency-key': 'k-1' });
    });
  });

  it('calls next anew for every attempt, so a handler that works when called (not when subscribed) is re-run', () => {
    rx.run(({ cold, expectObservable }) => {
      const answers = [cold<ApiResponse>('-#', undefined, httpError(get, 503)), cold('-r|', { r: ok })];
      let calls = 0;
      const eager = (): Observable<ApiResponse> => answers[calls++];
      expectObservable(layer()(get, eager)).toBe('1002ms r|', { r: ok });
    });
  });

  // The layer resubscribes by hand (one Observable instead of `retry` and two `defer`s); these
  // pin the cases where an attempt or a wait ends inside its own subscribe().
  describe('attempts and waits that end synchronously', () => {
    it('an attempt that fails at once is retried after its backoff', () => {
      rx.run(({ cold, expectObservable, expectSubscriptions }) => {
        const attempt1 = cold<ApiResponse>('#', undefined, httpError(get, 503));
        const attempt2 = cold('(r|)', { r: ok });
        expectObservable(layer()(get, sequenceHandler(attempt1, attempt2))).toBe('1000ms (r|)', { r: ok });
        expectSubscriptions(attempt1.subscriptions).toBe('(^!)');
        expectSubscriptions(attempt2.subscriptions).toBe('1000ms (^!)');
      });
    });

    it('a handler that throws when called is a failed attempt, like one that errors', () => {
      rx.run(({ cold, expectObservable }) => {
        let calls = 0;
        const next = (): Observable<ApiResponse> => {
          calls++;
          if (calls === 1) throw new NetworkError(get, 'not-sent');
          return cold('(r|)', { r: ok });
        };
        expectObservable(layer()(get, next)).toBe('1000ms (r|)', { r: ok });
      });
    });

    it('a pause that is over at once resends at once and burns no attempt', () => {
      rx.run(({ cold, expectObservable }) => {
        const offline = new NetworkError(get, 'not-sent');
        let paused = 0;
        const hooks = { pause: (error: unknown) => (error === offline && paused++ < 5 ? cold('(x|)') : undefined) };
        const attempts = [
          cold<ApiResponse>('#', undefined, offline),
          cold<ApiResponse>('#', undefined, offline),
          cold<ApiResponse>('-#', undefined, httpError(get, 503)),
          cold('(r|)', { r: ok }),
        ];
        const result = retryLayer({ jitter: 'none', maxAttempts: 2 }, createEnv({ scheduler: rx }).env, undefined, hooks)(get, sequenceHandler(...attempts));
        // Two paused failures cost nothing; the 503 is attempt 1 of 2, so one retry after 1 s.
        expectObservable(result).toBe('1001ms (r|)', { r: ok });
      });
    });

    it('unsubscribing during a wait cancels it: no further attempt', () => {
      rx.run(({ cold, expectObservable, expectSubscriptions }) => {
        const attempt1 = cold<ApiResponse>('#', undefined, httpError(get, 503));
        const attempt2 = cold('(r|)', { r: ok });
        expectObservable(layer()(get, sequenceHandler(attempt1, attempt2)), '500ms !').toBe('');
        expectSubscriptions(attempt2.subscriptions).toBe([]);
      });
    });
  });

  it('an attempt that fails inside its own subscribe and then throws from its teardown counts as one failure: never two attempts at once', () => {
    createTestScheduler().run(({ flush }) => {
      const { env } = createEnv({ random: () => 0.5 });
      const req = createRequest({ url: 'https://a.test/x' });
      const live: number[] = [];
      let calls = 0;
      const next = (): Observable<ApiResponse> => {
        const attempt = calls++;
        return new Observable<ApiResponse>((subscriber) => {
          if (attempt === 0) {
            subscriber.error(new NetworkError(req, 'not-sent'));
            return () => {
              throw new NetworkError(req, 'not-sent', { detail: 'the teardown throws too' });
            };
          }
          live.push(attempt);
          return () => live.splice(live.indexOf(attempt), 1);
        });
      };
      const subscription = retryLayer({ maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 1, jitter: 'none' }, env)(req, next).subscribe({ error: () => undefined });
      flush();
      expect(calls).toBe(2);
      subscription.unsubscribe();
      expect(live).toEqual([]);
    });
  });
});
