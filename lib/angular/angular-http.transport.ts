import { HttpErrorResponse, HttpHeaders, HttpRequest, HttpResponse, type HttpEvent } from '@angular/common/http';
import { Observable, asyncScheduler, type SchedulerLike } from 'rxjs';
import type { TransportEnv } from '../client-config';
import { HttpError, NetworkError, ParseError, RequestError, TimeoutError } from '../core/errors';
import type { HeaderMap } from '../core/headers';
import type { Handler } from '../core/layer';
import type { ApiRequest } from '../core/request';
import type { ApiResponse } from '../core/response';
import { scheduleOnce, type CancelScheduled } from '../core/schedule-once';
import { networkFailure, surfaceUnknownOutcome } from '../transport/network-failure';
import { encodeRequestBody } from '../transport/request-body';
import { decodeErrorBody, decodeTextBody, hasNoBody } from '../transport/response-body';

/** Angular's `HttpHandler.handle` or an `HttpHandlerFn`: whatever sends an `HttpRequest`. */
export type AngularHttpSend = (req: HttpRequest<unknown>) => Observable<HttpEvent<unknown>>;

/**
 * One attempt over Angular's HTTP stack (`HttpBackend`, or `HttpHandler` to run the app's
 * interceptors), with the fetch transport's guarantees:
 *
 * - cold; unsubscribing unsubscribes Angular's request, which aborts the XHR/fetch (and marks a
 *   `TestRequest` of `HttpTestingController` as cancelled);
 * - a per-attempt timeout on the client's scheduler (virtual in marble tests) → {@link TimeoutError};
 * - the body is read as text or bytes and decoded by rxsync, so an HTML page or an empty 200 where
 *   JSON was expected is a `ParseError`, never a silent success;
 * - non-2xx → {@link HttpError} with the decoded error body; 304 passes up to the cache layer;
 * - status 0 (Angular's "no response") → {@link NetworkError}. Angular cannot say whether the request
 *   reached the server, so the outcome is `unknown` unless the browser knows it is offline
 *   (`not-sent`); a write with an unknown outcome surfaces as `OutcomeUnknownError`.
 *
 * ```
 * subscribe  ──handle(req)────────────── HttpResponse → response|
 * subscribe  ──handle(req)── timeoutMs ─#TimeoutError   (Angular request unsubscribed)
 * subscribe  ──handle(req)──!                            (unsubscribe: Angular request cancelled)
 * ```
 */
export function angularHttpTransport(send: AngularHttpSend, env: Partial<TransportEnv> = {}): Handler {
  const scheduler: SchedulerLike = env.scheduler ?? asyncScheduler;
  const defaultTimeoutMs = env.timeoutMs ?? 10_000;
  return (req) =>
    new Observable<ApiResponse>((subscriber) => {
      let httpReq: HttpRequest<unknown>;
      try {
        httpReq = toHttpRequest(req);
      } catch (cause) {
        subscriber.error(new RequestError(req, 'the request cannot be built for Angular HttpClient', { cause }));
        return;
      }
      const startedAt = scheduler.now();
      const timeoutMs = req.timeoutMs ?? defaultTimeoutMs;
      let settled = false;
      let cancelTimer: CancelScheduled | undefined;
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        cancelTimer?.();
        return true;
      };
      const finish = (outcome: ApiResponse | Error): void => {
        if (!settle()) return;
        inner?.unsubscribe();
        if (!(outcome instanceof Error) || outcome instanceof HttpError) {
          const status = outcome instanceof Error ? outcome.status : outcome.status;
          env.emit?.({ type: 'response', method: req.method, url: req.url, status, durationMs: scheduler.now() - startedAt });
        }
        if (outcome instanceof Error) subscriber.error(outcome);
        else {
          subscriber.next(outcome);
          subscriber.complete();
        }
      };

      if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
        cancelTimer = scheduleOnce(scheduler, timeoutMs, () => finish(surfaceUnknownOutcome(req, new TimeoutError(req, timeoutMs))));
      }
      env.emit?.({ type: 'request-start', method: req.method, url: req.url });
      let inner: { unsubscribe(): void } | undefined;
      try {
        inner = send(httpReq).subscribe({
          next: (event) => {
            if (event instanceof HttpResponse) finish(fromHttpResponse(req, event, startedAt));
          },
          error: (error: unknown) => finish(fromHttpError(req, error, startedAt)),
          complete: () => finish(new NetworkError(req, 'unknown', { detail: 'Angular completed without a response' })),
        });
      } catch (cause) {
        finish(new RequestError(req, cause instanceof Error ? cause.message : String(cause), { cause }));
      }
      if (settled) inner?.unsubscribe();
      return () => {
        if (settle()) inner?.unsubscribe();
      };
    });
}

function toHttpRequest(req: ApiRequest): HttpRequest<unknown> {
  const { body, headers } = encodeRequestBody(req.body, req.headers);
  // rxsync decodes the body itself (bad-body detection, the same rules as with fetch).
  const responseType = req.responseType === 'arraybuffer' ? 'arraybuffer' : 'text';
  return new HttpRequest(req.method, req.url, body ?? null, { headers: new HttpHeaders(headers), responseType });
}

function headerMap(headers: HttpHeaders): HeaderMap {
  const out: Record<string, string> = {};
  for (const name of headers.keys()) out[name.toLowerCase()] = (headers.getAll(name) ?? []).join(', ');
  return out;
}

function fromHttpResponse(req: ApiRequest, res: HttpResponse<unknown>, requestTime: number): ApiResponse | Error {
  const headers = headerMap(res.headers);
  const url = res.url ?? req.url;
  let body: unknown = null;
  if (!hasNoBody(req, res.status)) {
    try {
      body = typeof res.body === 'string' ? decodeTextBody(req, res.body, headers['content-type']) : res.body;
    } catch (error) {
      return error as ParseError;
    }
    // Angular gives `null` for an empty text body; JSON was expected, so that is a ParseError.
    if (res.body === null && req.responseType === 'json' && headers['content-type'] !== undefined) {
      return new ParseError(req, '', headers['content-type'], 'empty body where JSON was expected');
    }
  }
  return { status: res.status, headers, body, url, fromCache: false, stale: false, requestTime };
}

function fromHttpError(req: ApiRequest, error: unknown, requestTime: number): ApiResponse | Error {
  if (!(error instanceof HttpErrorResponse)) {
    return surfaceUnknownOutcome(req, networkFailure(req, error));
  }
  if (error.status === 0) return surfaceUnknownOutcome(req, networkFailure(req, error.error ?? error, error.message));
  const headers = headerMap(error.headers);
  // Angular counts only 2xx as success; 304 answers a conditional request the cache layer made.
  if (error.status === 304) return { status: 304, headers, body: null, url: error.url ?? req.url, fromCache: false, stale: false, requestTime };
  return new HttpError(req, error.status, headers, decodeErrorBody(errorText(error.error), headers['content-type']));
}

function errorText(body: unknown): string {
  if (body === null || body === undefined) return '';
  if (typeof body === 'string') return body;
  if (body instanceof ArrayBuffer) return new TextDecoder().decode(body);
  try {
    return JSON.stringify(body);
  } catch {
    return String(body);
  }
}
