import { Observable, type Subscriber } from 'rxjs';
import type { HeadersInit } from '../core/headers';
import type { Handler } from '../core/layer';
import type { ApiRequest } from '../core/request';
import type { ApiResponse } from '../core/response';
import { httpError, okResponse } from './responses';

/** One request the code under test sent, waiting for the test to answer it. */
export interface TestRequest {
  readonly request: ApiRequest;
  /** True once the subscriber unsubscribed (the request was cancelled). */
  readonly cancelled: boolean;
  /**
   * Answers with the response and completes; with an error status (anything but 2xx and 304) it
   * errors with the `HttpError` the transport would, `body` as its body.
   */
  flush(body: unknown, init?: { status?: number; headers?: HeadersInit }): void;
  /** Answers with an error status (becomes an `HttpError`) or any error value. */
  error(errorOrStatus: unknown, init?: { body?: unknown; headers?: HeadersInit }): void;
}

export type RequestMatch = string | ((req: ApiRequest) => boolean);

/** A backend the test answers by hand, as Angular's `HttpTestingController`. */
export interface MockBackend {
  /** Pass as `transport` to `createApiClient`, or as the last handler of `chain`. */
  readonly handler: Handler;
  /** The one open request matching `'GET /items'`, a URL suffix, or a predicate; throws listing what was seen otherwise. */
  expectOne(match: RequestMatch): TestRequest;
  /** Asserts no open request matches. */
  expectNone(match: RequestMatch): void;
  /** Every open (unanswered, not cancelled) request matching. */
  match(match: RequestMatch): TestRequest[];
  /** Throws when requests are left unanswered. Call it in `afterEach`. */
  verify(): void;
  /** Every request received so far, answered or not. */
  readonly received: readonly ApiRequest[];
}

/**
 * Creates a backend whose requests wait until the test answers them, synchronously, so it works
 * inside `TestScheduler.run()` as well as in plain tests.
 *
 * @example
 * const backend = createMockBackend();
 * const client = createApiClient({ baseUrl: 'https://api.test', transport: backend.handler, cache: false });
 * client.get('/items').subscribe(render);
 * backend.expectOne('GET /items').flush([{ id: 1 }]);
 * backend.verify();
 */
export function createMockBackend(): MockBackend {
  const open: Array<TestRequest & { subscriber: Subscriber<ApiResponse> }> = [];
  const received: ApiRequest[] = [];

  const handler: Handler = (request) =>
    new Observable<ApiResponse>((subscriber) => {
      received.push(request);
      let cancelled = false;
      const entry = {
        request,
        subscriber,
        get cancelled() {
          return cancelled;
        },
        flush(body: unknown, init: { status?: number; headers?: HeadersInit } = {}) {
          remove();
          const status = init.status ?? 200;
          // As Angular's HttpTestingController: a flush with an error status is that error, as
          // the fetch transport would deliver it.
          if (!isSuccessStatus(status)) {
            subscriber.error(httpError(status, body, init.headers, request));
            return;
          }
          subscriber.next({ ...okResponse(body, init.headers, status, request.url) });
          subscriber.complete();
        },
        error(errorOrStatus: unknown, init: { body?: unknown; headers?: HeadersInit } = {}) {
          remove();
          subscriber.error(typeof errorOrStatus === 'number' ? httpError(errorOrStatus, init.body ?? null, init.headers, request) : errorOrStatus);
        },
      };
      const remove = (): void => {
        const index = open.indexOf(entry);
        if (index >= 0) open.splice(index, 1);
      };
      open.push(entry);
      return () => {
        if (open.includes(entry)) {
          cancelled = true;
          remove();
        }
      };
    });

  const matching = (match: RequestMatch): TestRequest[] => open.filter((entry) => matches(entry.request, match));
  const describeOpen = (): string => (open.length ? open.map((e) => `${e.request.method} ${e.request.url}`).join(', ') : 'none');

  return {
    handler,
    received,
    match: matching,
    expectOne(match) {
      const found = matching(match);
      if (found.length !== 1) {
        throw new Error(`expected one open request matching ${describeMatch(match)}, found ${found.length}; open requests: ${describeOpen()}`);
      }
      return found[0];
    },
    expectNone(match) {
      const found = matching(match);
      if (found.length > 0) throw new Error(`expected no open request matching ${describeMatch(match)}, found ${found.length}`);
    },
    verify() {
      if (open.length > 0) throw new Error(`unanswered requests: ${describeOpen()}`);
    },
  };
}

/** What the fetch transport delivers as a response rather than an `HttpError`. */
function isSuccessStatus(status: number): boolean {
  return (status >= 200 && status < 300) || status === 304;
}

function matches(req: ApiRequest, match: RequestMatch): boolean {
  if (typeof match === 'function') return match(req);
  const space = match.indexOf(' ');
  if (space > 0 && /^[A-Z]+$/.test(match.slice(0, space))) {
    const method = match.slice(0, space);
    const url = match.slice(space + 1);
    return req.method === method && urlMatches(req.url, url);
  }
  return urlMatches(req.url, match);
}

/** A full URL, or a path the request URL ends with (query string included when given). */
function urlMatches(actual: string, expected: string): boolean {
  if (actual === expected) return true;
  const withoutOrigin = actual.replace(/^[a-z][a-z\d+\-.]*:\/\/[^/]+/i, '');
  return withoutOrigin === expected || (!expected.includes('?') && withoutOrigin.split('?')[0] === expected);
}

function describeMatch(match: RequestMatch): string {
  return typeof match === 'function' ? 'the predicate' : JSON.stringify(match);
}
