import { BehaviorSubject, Observable, distinctUntilChanged } from 'rxjs';

/**
 * A connectivity hint: `true` when the platform believes there is a network, `false` when it
 * believes there is none. Hints are not truth (`navigator.onLine` stays `true` behind a captive
 * portal, Capacitor's `connected` means "has a network", not "reaches the API"): the client
 * combines them with the outcomes of its own requests (README: "Connectivity: `client.online$`").
 *
 * A source may emit the same value twice (spurious events on resume); the client ignores repeats.
 */
export type ConnectivitySource = Observable<boolean>;

/** A hint the app sets itself: tests, Node, or apps with their own signal. */
export interface ManualConnectivity {
  readonly source: ConnectivitySource;
  set(online: boolean): void;
}

/**
 * A hint set by hand.
 *
 * @example
 * const network = manualConnectivity(false);
 * const client = createApiClient({ baseUrl, offline: { sources: [network.source] } });
 * network.set(true); // the outbox starts draining
 */
export function manualConnectivity(initial = true): ManualConnectivity {
  const subject = new BehaviorSubject(initial);
  return { source: subject.pipe(distinctUntilChanged()), set: (online) => subject.next(online) };
}

/** The parts of `window` the browser source reads; injectable for tests. */
export interface BrowserWindowLike {
  readonly navigator: { readonly onLine: boolean };
  addEventListener(type: 'online' | 'offline', listener: () => void): void;
  removeEventListener(type: 'online' | 'offline', listener: () => void): void;
}

/**
 * The browser's hint: `navigator.onLine` at subscription, then its `online` / `offline` events.
 * `undefined` where there is no `window` (Node, workers without one).
 *
 * @example
 * createApiClient({ baseUrl, offline: { sources: [browserConnectivity()!] } });
 */
export function browserConnectivity(target: BrowserWindowLike | undefined = globalWindow()): ConnectivitySource | undefined {
  if (target === undefined) return undefined;
  return new Observable<boolean>((subscriber) => {
    const online = (): void => subscriber.next(true);
    const offline = (): void => subscriber.next(false);
    target.addEventListener('online', online);
    target.addEventListener('offline', offline);
    subscriber.next(target.navigator.onLine !== false);
    return () => {
      target.removeEventListener('online', online);
      target.removeEventListener('offline', offline);
    };
  });
}

function globalWindow(): BrowserWindowLike | undefined {
  const candidate = (globalThis as { window?: BrowserWindowLike }).window;
  return candidate !== undefined && typeof candidate.addEventListener === 'function' && candidate.navigator !== undefined ? candidate : undefined;
}
