import { defer, throwError, type Observable } from 'rxjs';
import type { Handler } from '../core/layer';
import { describeRequest, type ApiRequest } from '../core/request';
import type { ApiResponse } from '../core/response';

/** A {@link Handler} that also records the request of every attempt, in order. */
export interface SequenceHandler extends Handler {
  /** The request each subscription (each attempt) received, the first at index 0. */
  readonly requests: readonly ApiRequest[];
}

/**
 * A fake backend for marble tests: the nth subscription gets the nth source, so a test scripts
 * what each attempt (first try, retry, replay) sees. It counts subscriptions rather than calls,
 * so it answers the same whether a layer calls it once and resubscribes or calls it per attempt.
 * A subscription beyond the script errors with the list of requests seen.
 *
 * @example
 * rx.run(({ cold, expectObservable, expectSubscriptions }) => {
 *   const attempt1 = cold('-#', undefined, new HttpError(req, 503, {}, null));
 *   const attempt2 = cold('-r|', { r: ok });
 *   const backend = sequenceHandler(attempt1, attempt2);
 *   expectObservable(retryLayer(undefined, env)(req, backend)).toBe('1002ms r|', { r: ok });
 *   expectSubscriptions(attempt2.subscriptions).toBe('1001ms ^-!');
 * });
 */
export function sequenceHandler(...sources: Observable<ApiResponse>[]): SequenceHandler {
  const requests: ApiRequest[] = [];
  const handler: Handler = (req) =>
    defer(() => {
      const n = requests.push(req);
      const source = sources[n - 1];
      if (source) return source;
      const seen = requests.map((r, i) => `  ${i + 1}. ${describeRequest(r)}`).join('\n');
      return throwError(() => new Error(`sequenceHandler: attempt ${n} was not scripted (${sources.length} sources given); requests seen:\n${seen}`));
    });
  return Object.assign(handler, { requests });
}
