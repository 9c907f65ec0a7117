import { Observable } from 'rxjs';
import type { ConnectivitySource } from './connectivity-source';

/*
 * Capacitor's plugins as Observables, for any app (Angular, React, Vue, none). Nothing here imports
 * `@capacitor/*`: the app passes its plugin object, so the plugins stay optional peers and Node
 * tests pass fakes.
 */

/** What a Capacitor plugin's `addListener` resolves to. */
export interface PluginListenerHandleLike {
  remove(): Promise<void>;
}

/** The part of `@capacitor/network`'s `Network` plugin rxsync uses (pass the plugin itself). */
export interface NetworkPluginLike {
  getStatus(): Promise<{ readonly connected: boolean }>;
  addListener(event: 'networkStatusChange', listener: (status: { readonly connected: boolean }) => void): Promise<PluginListenerHandleLike>;
}

/** The part of `@capacitor/app`'s `App` plugin rxsync uses (pass the plugin itself). */
export interface AppPluginLike {
  addListener(event: 'resume', listener: () => void): Promise<PluginListenerHandleLike>;
}

/**
 * `@capacitor/network` as a connectivity hint: `connected` now, then each change. A hint, not truth
 * ("has a network", not "reaches the API"): the client combines it with its requests' outcomes.
 *
 * @example
 * import { Network } from '@capacitor/network';
 * createApiClient({ baseUrl, offline: { sources: [capacitorNetworkSource(Network)] } });
 */
export function capacitorNetworkSource(network: NetworkPluginLike): ConnectivitySource {
  return new Observable<boolean>((subscriber) => {
    let handle: PluginListenerHandleLike | undefined;
    let closed = false;
    network
      .addListener('networkStatusChange', (status) => subscriber.next(status.connected))
      .then((h) => (closed ? void h.remove() : (handle = h)))
      .catch(() => undefined);
    network
      .getStatus()
      .then((status) => subscriber.next(status.connected))
      .catch(() => undefined); // unknown: no hint, request outcomes still decide
    return () => {
      closed = true;
      void handle?.remove();
    };
  });
}

/**
 * `@capacitor/app`'s `resume` event as an Observable.
 *
 * @example
 * import { App } from '@capacitor/app';
 * capacitorAppResume(App).subscribe(() => console.log('back in the foreground'));
 */
export function capacitorAppResume(app: AppPluginLike): Observable<void> {
  return new Observable<void>((subscriber) => {
    let handle: PluginListenerHandleLike | undefined;
    let closed = false;
    app
      .addListener('resume', () => subscriber.next())
      .then((h) => (closed ? void h.remove() : (handle = h)))
      .catch(() => undefined);
    return () => {
      closed = true;
      void handle?.remove();
    };
  });
}
