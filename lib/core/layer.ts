import { defer, type Observable } from 'rxjs';
import type { ApiRequest } from './request';
import type { ApiResponse } from './response';

/** Sends a request onwards and returns its (cold) response stream. */
export type Handler = (req: ApiRequest) => Observable<ApiResponse>;

/**
 * One stage of the pipeline, the shape of Angular's functional interceptors. A layer may change
 * the request, call `next` zero or more times (a cache hit never calls it, a replay calls it
 * again) and transform what comes back. A layer with nothing to do returns `next(req)`.
 *
 * @example
 * const traceLayer: Layer = (req, next) => next(withHeaders(req, { 'x-trace-id': newTraceId() }));
 */
export type Layer = (req: ApiRequest, next: Handler) => Observable<ApiResponse>;

/**
 * Composes layers around a handler. Layers are wrapped right-to-left so they run left-to-right:
 * `[a, b]` becomes `a(b(handler))`. Each stage runs inside `defer`, so every subscription, and so
 * every retry or replay, re-runs the stages below it instead of reusing a stream built earlier.
 */
export function chain(layers: readonly Layer[], handler: Handler): Handler {
  return layers.reduceRight<Handler>((next, layer) => (req) => defer(() => layer(req, next)), handler);
}
