import { Observable } from 'rxjs';
import { BYPASS_PLATFORM_CACHE } from '../core/context-tokens';
import type { ApiEnv } from '../core/env';
import { invalidHeader, invalidRequestLine, timerDelay } from '../core/request-checks';
import { HttpError, NetworkError, RequestError, TimeoutError } from '../core/errors';
import { headerMapFromFetch, type HeaderMap } from '../core/headers';
import type { Handler } from '../core/layer';
import { scheduleOnce, type CancelScheduled } from '../core/schedule-once';
import type { ApiRequest } from '../core/request';
import { lazyHeadersResponse, type ApiResponse } from '../core/response';
import type { FetchInit, FetchLike, FetchResponseLike } from './fetch-like';
import { networkFailure, surfaceUnknownOutcome } from './network-failure';
import { encodeRequestBody } from './request-body';
import { bodyReader, decodeErrorBody, decodeTextBody, hasNoBody } from './response-body';

export interface FetchTransportConfig {
  /** Defaults to `globalThis.fetch`, looked up per request so late polyfills and test doubles apply. */
  readonly fetch?: FetchLike;
  /** Per-attempt timeout when the request sets none; `0` or `Infinity` disables it. */
  readonly timeoutMs?: number;
  /**
   * Whether `fetch` has an HTTP cache of its own underneath (browsers, web views, workers: yes;
   * Node: no). Only then are requests the rxsync cache owns sent with `cache: 'no-store'`, which
   * per the Fetch standard also adds `Pragma: no-cache` and `Cache-Control: no-cache` to the
   * request, and so makes a CDN on the way ask its origin: a price worth paying only where a
   * second cache could disagree with rxsync's. Default: detected.
   */
  readonly platformHttpCache?: boolean;
}

/** Browsers, web views and workers put an HTTP cache under `fetch`; Node's fetch (undici) has none. */
function detectPlatformHttpCache(): boolean {
  const g = globalThis as { document?: unknown; importScripts?: unknown };
  return g.document !== undefined || typeof g.importScripts === 'function';
}

/**
 * The innermost handler: one attempt over `fetch`, as a cold Observable.
 *
 * - Nothing happens before subscribe; each subscription is one fetch.
 * - Unsubscribing aborts the fetch (AbortController) and clears the timeout. A fetch that has
 *   already settled is not aborted: on Node 20 aborting a finished fetch costs about a quarter
 *   of a loopback request.
 * - The timeout covers headers *and* body, runs on `env.scheduler` (virtual in marble tests),
 *   and errors with {@link TimeoutError}.
 * - 2xx (and 304, which the cache layer turns into its stored body) emit one {@link ApiResponse};
 *   other statuses error with {@link HttpError}; a failed connection or a body cut off
 *   mid-transfer with {@link NetworkError}; a body that is not what was expected with `ParseError`.
 *
 * ```
 * subscribe  ──fetch──────────────────── response|        (2xx)
 * subscribe  ──fetch──── timeoutMs ─────#TimeoutError     (abort)
 * subscribe  ──fetch──!                                   (unsubscribe: abort)
 * ```
 */
export function fetchTransport(env: ApiEnv, config: FetchTransportConfig = {}): Handler {
  const defaultTimeoutMs = config.timeoutMs ?? 10_000;
  const platformHttpCache = config.platformHttpCache ?? detectPlatformHttpCache();
  const controllers = spareControllers();
  const platformFetch = config.fetch === undefined;
  return (req) =>
    new Observable<ApiResponse>((subscriber) => {
      const { controller, signal } = controllers.take();
      const timeoutMs = req.timeoutMs ?? defaultTimeoutMs;
      // Beyond 2³¹−1 ms a timer fires at once: "very long" must not become "1 ms".
      const timerMs = timerDelay(timeoutMs);
      const startedAt = env.scheduler.now();
      let settled = false;
      let cancelTimer: CancelScheduled | undefined;

      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        cancelTimer?.();
        return true;
      };
      const fail = (error: unknown): void => {
        if (settle()) subscriber.error(error);
      };

      // What fetch would refuse fails here, once, as the request's fault: never retried, never
      // "outcome unknown" for a POST that never left. Checked here rather than recognised in fetch's
      // rejection: fetch trims and stringifies some values this refuses (and sends them), and a
      // globalThis.fetch may be a wrapper or a double that checks nothing.
      const refused = headerCheck(req.headers) ?? invalidRequestLine(req.method, req.url, req.body !== undefined && req.body !== null);
      if (refused !== undefined) {
        subscriber.error(new RequestError(req, refused));
        return;
      }
      let init: FetchInit;
      try {
        init = fetchInit(req, signal, platformHttpCache, platformFetch);
      } catch (cause) {
        subscriber.error(new RequestError(req, 'the body cannot be serialized', { cause }));
        return;
      }

      env.emit({ type: 'request-start', method: req.method, url: req.url });
      let pending: Promise<FetchResponseLike>;
      try {
        pending = (config.fetch ?? (globalThis.fetch as unknown as FetchLike))(req.url, init);
      } catch (cause) {
        // A fetch that throws synchronously rejected its input (e.g. an invalid header): nothing was sent.
        fail(new RequestError(req, cause instanceof Error ? cause.message : String(cause), { cause }));
        return;
      }

      // From here on the request is on its way (fetch writes it before it returns), and until the
      // answer comes the client has nothing else to do: work placed here costs no latency, while
      // the same work before the call delays the request by its full length. So the timer is
      // armed here (it cannot fire before the fetch settles: both wait for the event loop), and
      // the next request's controller is made here.
      if (timerMs !== undefined && !settled) {
        cancelTimer = scheduleOnce(env.scheduler, timerMs, () => {
          if (!settle()) return;
          controller.abort();
          subscriber.error(surfaceUnknownOutcome(req, new TimeoutError(req, timeoutMs)));
        });
      }
      controllers.prepare();

      pending
        .then(
          (res) =>
            readResponse(req, res, startedAt, (response) => {
              if (!settle()) return;
              env.emit({ type: 'response', method: req.method, url: req.url, status: response.status, durationMs: env.scheduler.now() - startedAt });
              if (response instanceof HttpError) {
                subscriber.error(response);
              } else {
                subscriber.next(response);
                subscriber.complete();
              }
            }),
          (cause: unknown) => {
            if (settled) return; // aborted by unsubscribe or timeout: nobody is listening
            fail(rejectedFetchError(req, cause));
          },
        )
        .catch((error: unknown) => fail(error));

      return () => {
        // Abort only what is still in flight.
        if (settle()) controller.abort();
      };
    });
}

/**
 * AbortControllers made ahead of need. On Node 20 a controller makes its signal on first read,
 * and that costs about 6 µs (measured inside a loopback request): made while the previous request
 * waits for its answer, it costs no latency. Each controller serves one request and is never
 * aborted before it is taken, so a spare is as good as a new one.
 */
function spareControllers(): { take(): Cancellation; prepare(): void } {
  let spare: Cancellation | undefined;
  const make = (): Cancellation => {
    const controller = new AbortController();
    return { controller, signal: controller.signal };
  };
  return {
    take() {
      const taken = spare ?? make();
      spare = undefined;
      return taken;
    },
    prepare() {
      spare ??= make();
    },
  };
}

interface Cancellation {
  readonly controller: AbortController;
  readonly signal: AbortSignal;
}

/**
 * `platformFetch`: the init goes to the platform's own fetch, whose default method is GET; a GET
 * then leaves `method` out, which spares fetch normalizing and validating it (an A/B over loopback on
 * Node 20: client CPU 1.53x -> 1.43x raw fetch's, wall 1.36x -> 1.31x, medians of 12 processes). A `fetch` passed in config always gets the method,
 * as `FetchInit` promises it.
 *
 * The platform's fetch also gets a request without a body its header map as it is, frozen or not:
 * fetch only reads it, and the copy cost a microsecond a request. A `fetch` passed in config gets a
 * copy of its own, which it may change.
 */
function fetchInit(req: ApiRequest, signal: AbortSignal, platformHttpCache: boolean, platformFetch: boolean): FetchInit {
  const { body, headers } =
    platformFetch && (req.body === undefined || req.body === null)
      ? { body: undefined, headers: req.headers as Record<string, string> }
      : encodeRequestBody(req.body, req.headers);
  const init: FetchInit = platformFetch && req.method === 'GET' ? ({ headers, signal } as FetchInit) : { method: req.method, headers, signal };
  if (body !== undefined) init.body = body;
  if (platformHttpCache && req.context.get(BYPASS_PLATFORM_CACHE)) init.cache = 'no-store';
  return init;
}

/**
 * {@link invalidHeader}, once per frozen header map: a frozen map cannot change, and most requests
 * share one (the client's defaults, or auth's authorized copy of them), so checking it again each
 * request would only re-scan the same kilobyte of Bearer token. Any other map is checked every time.
 */
function headerCheck(headers: HeaderMap): string | undefined {
  if (validFrozenHeaders.has(headers)) return undefined;
  const refused = invalidHeader(headers);
  if (refused === undefined && Object.isFrozen(headers)) validFrozenHeaders.add(headers);
  return refused;
}
const validFrozenHeaders = new WeakSet<HeaderMap>();

/** A fetch that rejects before a response is a network failure (invalid headers were caught before sending). */
function rejectedFetchError(req: ApiRequest, cause: unknown): unknown {
  return surfaceUnknownOutcome(req, networkFailure(req, cause));
}

/**
 * Reads status, headers and body, and hands `deliver` the response, or an HttpError for non-2xx;
 * rejects with typed errors. `deliver` is called from here rather than on the returned promise:
 * that spares every response a promise hop before it reaches the subscriber.
 */
async function readResponse(req: ApiRequest, res: FetchResponseLike, requestTime: number, deliver: (response: ApiResponse | HttpError) => void): Promise<void> {
  const ok = (res.status >= 200 && res.status < 300) || res.status === 304;
  if (!ok) {
    const headers = headerMapFromFetch(res.headers);
    const contentType = headers['content-type'];
    // A body that is not text (an image, protobuf) keeps its bytes: decoding it as UTF-8 would
    // replace what is not valid UTF-8 and lose it for good.
    if (bodyReader('auto', contentType) === 'arraybuffer') {
      const bytes = await res.arrayBuffer().catch(() => null);
      deliver(new HttpError(req, res.status, headers, bytes === null || bytes.byteLength === 0 ? null : bytes, res.url));
      return;
    }
    const text = await res.text().catch(() => '');
    deliver(new HttpError(req, res.status, headers, decodeErrorBody(text, contentType), res.url));
    return;
  }
  // Only fetch's own `Headers` answers `get()` as the map would (any case, repeated fields joined);
  // a native bridge's or a test double's headers are read into the map at once, as they always were.
  const fetched = res.headers;
  const native = typeof Headers === 'function' && fetched instanceof Headers;
  const eager = native ? undefined : headerMapFromFetch(fetched);
  const contentType = eager === undefined ? (fetched.get('content-type') ?? undefined) : eager['content-type'];
  let body: unknown = null;
  if (!hasNoBody(req, res.status)) {
    const reader = bodyReader(req.responseType, contentType);
    let raw: string | ArrayBuffer;
    try {
      raw = reader === 'text' ? await res.text() : await res.arrayBuffer();
    } catch (cause) {
      // The server answered, so it read the request: only the rest of the answer was lost.
      throw surfaceUnknownOutcome(req, new NetworkError(req, 'unknown', { cause, detail: 'response body cut off mid-transfer' }));
    }
    body = typeof raw === 'string' ? decodeTextBody(req, raw, contentType) : raw;
  }
  const url = res.url || req.url;
  if (eager !== undefined) {
    deliver({ status: res.status, headers: eager, body, url, fromCache: false, stale: false, requestTime });
    return;
  }
  const fields = { status: res.status, body, url, fromCache: false, stale: false, requestTime };
  // The header map is built only if someone reads it (see lazyHeadersResponse).
  deliver(lazyHeadersResponse(fields, fetched, headerMapFromFetch));
}
