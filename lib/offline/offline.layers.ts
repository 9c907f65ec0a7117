import { Observable, concat, defer, ignoreElements, throwError, type Subscriber } from 'rxjs';
import { ContextToken } from '../core/context';
import { HttpError, NetworkError, ParseError, TimeoutError } from '../core/errors';
import { lazyLayer, type Layer } from '../core/layer';
import type { Connectivity } from './connectivity';
import { Relay, type RelayHandlers } from '../core/relay';
import type { ApiResponse } from '../core/response';

/**
 * What a request does while the client is offline (per request, {@link OFFLINE_READ}):
 * - `'fail-fast'` (default): fails at once with an `OfflineError`. Below the cache, so a
 *   cached answer (fresh, or stale and marked `stale: true`) is served first.
 * - `'wait'`: waits for connectivity, then goes out (cancel by unsubscribing).
 */
export type OfflineReadMode = 'fail-fast' | 'wait';

/**
 * Per-request offline behaviour (see {@link OfflineReadMode}).
 *
 * @example
 * client.get('/items', { offlineRead: 'wait' }); // or, for your own layers:
 * RequestContext.empty().set(OFFLINE_READ, 'wait');
 */
export const OFFLINE_READ = /* @__PURE__ */ new ContextToken<OfflineReadMode | undefined>('offline-read', () => undefined);

/**
 * Set on the outbox's own sends: the outbox waits for connectivity itself and must see the
 * `OfflineError` to keep the entry queued, so the gate never holds them.
 */
export const OUTBOX_SEND = /* @__PURE__ */ new ContextToken<boolean>('outbox-send', () => false);

/**
 * The offline gate, between the cache and auth: while the client believes it is offline, nothing
 * goes to the network. The cache above it has already answered what it could; its stale fallback
 * catches the `OfflineError` (a not-sent `NetworkError`) and serves the stored entry marked stale.
 * Below it, auth neither refreshes nor adds a token for a request that cannot go out.
 *
 * ```
 * online:    t----f---------t---
 * fail-fast:      (#)                 OfflineError at once
 * wait:           ----------(r|)      sent when back online
 * ```
 *
 * @example
 * const layers = [cacheLayer, offlineGateLayer(connectivity), authLayer, retryLayer];
 */
export function offlineGateLayer(connectivity: Connectivity, defaultMode: OfflineReadMode = 'fail-fast'): Layer {
  return (req, next) => {
    if (connectivity.isOnline() || req.context.get(OUTBOX_SEND)) return next(req);
    const mode = req.context.get(OFFLINE_READ) ?? defaultMode;
    if (mode === 'wait')
      return concat(
        connectivity.whenOnline().pipe(ignoreElements()),
        defer(() => next(req)),
      );
    return throwError(() => connectivity.offlineError(req));
  };
}

/**
 * Feeds request outcomes to the connectivity belief, once per attempt, right above the transport:
 * an HTTP answer of any status (a 503 too, or a body that failed to parse) proves the API is
 * reachable; not-sent network errors and timeouts count against it.
 */
export function connectivityEvidenceLayer(connectivity: Connectivity): Layer {
  return lazyLayer((req, next) => new Observable((subscriber) => next(req).subscribe(new Relay(new Evidence(subscriber, connectivity)))));
}

/** One attempt's outcome, fed to the belief on its way up (an object, no closures: every attempt has one). */
class Evidence implements RelayHandlers<ApiResponse> {
  constructor(
    private readonly subscriber: Subscriber<ApiResponse>,
    private readonly connectivity: Connectivity,
  ) {}

  next(res: ApiResponse): void {
    this.connectivity.recordResponse();
    this.subscriber.next(res);
  }

  error(error: unknown): void {
    if (error instanceof HttpError || error instanceof ParseError) this.connectivity.recordResponse();
    else this.connectivity.recordFailure(error);
    this.subscriber.error(error);
  }

  complete(): void {
    this.subscriber.complete();
  }
}

/**
 * The retry layer's pause hook: a failure that happened because the client is offline (a not-sent
 * network error, a timeout, an `OfflineError`, while the belief is offline) pauses the retries
 * until connectivity returns, and that attempt is not counted against `maxAttempts`.
 */
export function pauseWhileOffline(connectivity: Connectivity): (error: unknown) => Observable<unknown> | undefined {
  return (error) => {
    if (connectivity.isOnline()) return undefined;
    const offlineFailure = (error instanceof NetworkError && error.outcome === 'not-sent') || error instanceof TimeoutError;
    return offlineFailure ? connectivity.whenOnline() : undefined;
  };
}
