import { Observable } from 'rxjs';
import type { ApiEnv } from '../core/env';
import { lazyLayer, type Layer } from '../core/layer';
import type { HeaderMap } from '../core/headers';
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
export interface DedupeDeps {
  /**
   * Who is asking: the user partition and session generation. Requests of different sessions
   * never share an execution, so after an account switch user B can never join (and receive)
   * user A's in-flight request.
   */
  readonly sessionKey?: () => string;
}

export function dedupeLayer(env: ApiEnv, deps: DedupeDeps = {}): Layer {
  // By URL first: the URL string is usually the client's memoized one (its hash is kept), so a
  // request with no twin in flight, the common case, never builds the full key. The key is built
  // only when another flight shares the URL.
  const inFlight = new Map<string, Flight[]>();
  const objectIds = new WeakMap<object, number>();
  let nextObjectId = 0;
  const objectId = (value: object): number => {
    let id = objectIds.get(value);
    if (id === undefined) objectIds.set(value, (id = nextObjectId++));
    return id;
  };
  const contextKey = (context: RequestContext): string => {
    if (context.size === 0) return '';
    let key = '';
    context.forEach((value, token) => {
      key += `${token.name}=${valueKey(value, objectId)};`;
    });
    return key;
  };
  const release = (url: string, execution: SharedExecution<ApiResponse>): void => {
    const flights = inFlight.get(url);
    if (flights === undefined) return;
    if (flights.length === 1) {
      if (flights[0].execution === execution) inFlight.delete(url);
      return;
    }
    const index = flights.findIndex((flight) => flight.execution === execution);
    if (index >= 0) flights.splice(index, 1);
  };
  // Lazy: everything happens on subscribe.
  return lazyLayer((req, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next(req);
    return new Observable<ApiResponse>((subscriber) => {
      // Who asks is read now, within this subscribe: an account switch later must not make this
      // flight look like the new session's (the rest of the key is the immutable request's).
      const flight = new Flight(req, contextKey, deps.sessionKey?.() ?? '');
      const sameUrl = inFlight.size === 0 ? undefined : inFlight.get(req.url);
      const running = sameUrl?.find((other) => other.key() === flight.key());
      if (running?.execution) {
        env.emit({ type: 'deduplicated', method: req.method, url: req.url });
        return running.execution.join(subscriber);
      }
      return startSharedExecution(
        next(req),
        subscriber,
        (execution) => {
          flight.execution = execution;
          const flights = inFlight.get(req.url);
          if (flights === undefined) inFlight.set(req.url, [flight]);
          else flights.push(flight);
        },
        (execution) => release(req.url, execution),
      );
    });
  });
}

/** One request in flight: its execution once registered, and its key, built when first compared. */
class Flight {
  execution: SharedExecution<ApiResponse> | undefined;
  private built: string | undefined;

  constructor(
    private readonly req: ApiRequest,
    private readonly contextKey: (context: RequestContext) => string,
    private readonly sessionKey: string,
  ) {}

  key(): string {
    return (this.built ??= dedupeKey(this.req, this.contextKey(this.req.context), this.sessionKey));
  }
}

/**
 * Context values compare by value when they are primitives or plain data (a fetch policy, a TTL,
 * a GraphQL operation descriptor), by identity otherwise (functions, class instances).
 */
function valueKey(value: unknown, objectId: (value: object) => number): string {
  // The type goes into the key: `1` and `'1'` (or `undefined` and `'undefined'`) are other options.
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return `${typeof value}:${String(value)}`;
  const proto = typeof value === 'object' ? (Object.getPrototypeOf(value) as object | null) : undefined;
  if (proto === Object.prototype || proto === Array.prototype) {
    try {
      return `json:${JSON.stringify(value)}`;
    } catch {
      // Circular or too deeply nested data (RangeError): fall through to identity.
    }
  }
  return `#${objectId(value)}`;
}

/**
 * Requests are identical when everything that can change the answer is equal: who asks (the
 * session), method, URL, headers, expected body type, and per-request options (another fetch
 * policy is another request).
 */
function dedupeKey(req: ApiRequest, contextKey: string, sessionKey: string): string {
  return `${sessionKey}\n${req.method} ${req.url}\n${req.responseType}\n${req.timeoutMs ?? ''}\n${contextKey}\n${headersKey(req.headers)}`;
}

/**
 * The headers' part of the key, names sorted. Kept per header map: requests without headers of
 * their own share the client's default map, so most requests find it made.
 */
function headersKey(headers: HeaderMap): string {
  let key = headersKeys.get(headers);
  if (key !== undefined) return key;
  key = '';
  for (const name of Object.keys(headers).sort()) key += `${name}:${headers[name]}\n`;
  // Only a frozen map can be kept: another may still change (a layer's own copy, for instance).
  if (Object.isFrozen(headers)) headersKeys.set(headers, key);
  return key;
}
const headersKeys = new WeakMap<HeaderMap, string>();
