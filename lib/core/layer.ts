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
 * A layer marked with {@link lazyLayer} is called directly: it has no work to re-run, and one
 * subscription less per request and stage is the point (an app's own layers are always deferred).
 */
export function chain(layers: readonly Layer[], handler: Handler): Handler {
  return layers.reduceRight<Handler>((next, layer) => (LAZY in layer ? (req) => layer(req, next) : (req) => defer(() => layer(req, next))), handler);
}

const LAZY = Symbol('rxsync.lazy-layer');

/**
 * Marks a layer whose call does nothing that must happen at subscribe time: it only returns a
 * cold Observable that does all its work when subscribed, or `next(req)` (or a pure function of
 * the request piped onto it). {@link chain} then calls it without `defer`. A layer that reads
 * state when called (a session, a breaker, connectivity, the cache) must not be marked.
 */
export function lazyLayer(layer: Layer): Layer {
  return Object.assign(layer, { [LAZY]: true });
}
