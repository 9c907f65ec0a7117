import { Observable } from 'rxjs';
import type { ApiEnv } from '../core/env';
import type { Layer } from '../core/layer';
import type { ApiRequest } from '../core/request';
import type { ApiResponse } from '../core/response';
import type { RequestContext } from '../core/context';
import { startSharedExecution, type SharedExecution } from './shared-execution';

/**
 * Identical GETs subscribed while one is in flight share that one execution (one network
 * request, one cache lookup). A subscriber that arrives after it finished starts a new one.
 *
 * Joiners replay what the execution already emitted (a `ReplaySubject`), so a late joiner of a
 * stale-while-revalidate request still sees the cached value first. Unsubscribing one caller
 * leaves the others' request alone; the last one out aborts it (refCount).
 *
 * ```
 * a: ^----r|        one fetch
 * b:   ^--r|        joins it
 * c:         ^--r|  after completion: a new fetch
 * ```
 */
export function dedupeLayer(env: ApiEnv): Layer {
  const inFlight = new Map<string, SharedExecution<ApiResponse>>();
  const contextIds = new WeakMap<RequestContext, number>();
  let nextContextId = 0;
  const contextId = (context: RequestContext): number => {
    let id = contextIds.get(context);
    if (id === undefined) contextIds.set(context, (id = nextContextId++));
    return id;
  };

  return (req, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next(req);
    const key = dedupeKey(req, contextId(req.context));
    return new Observable<ApiResponse>((subscriber) => {
      const running = inFlight.get(key);
      if (running) {
        env.emit({ type: 'deduplicated', method: req.method, url: req.url });
        return running.join(subscriber);
      }
      return startSharedExecution(
        next(req),
        subscriber,
        (execution) => inFlight.set(key, execution),
        (execution) => {
          if (inFlight.get(key) === execution) inFlight.delete(key);
        },
      );
    });
  };
}

/**
 * Requests are identical when everything that can change the answer is equal: method, URL,
 * headers, expected body type, and per-request options (a different context, e.g. another fetch
 * policy, is another request).
 */
function dedupeKey(req: ApiRequest, contextId: number): string {
  const names = Object.keys(req.headers);
  let headers = '';
  if (names.length > 0) {
    names.sort();
    for (const name of names) headers += `${name}:${req.headers[name]}\n`;
  }
  return `${req.method} ${req.url}\n${req.responseType}\n${req.timeoutMs ?? ''}\n${contextId}\n${headers}`;
}
