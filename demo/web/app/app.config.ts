import { provideHttpClient, withFetch } from '@angular/common/http';
import { type ApplicationConfig, provideZonelessChangeDetection } from '@angular/core';
import { browserConnectivity, localforageOutboxStorage, localforageTokenStore, manualConnectivity, type AuthTokens, type ConnectivitySource } from 'rxsync';
import { provideRxsync, withAngularHttp, withEntityStore, withOffline } from 'rxsync/angular';
import { ITEMS } from './items';

/** The demo's API lives under /api on the page's own origin (the demo server proxies it). */
export const API_URL = `${location.origin}/api`;

/** The page's "offline" switch: a hint beside the browser's own (which the e2e test flips). */
export const DEMO_NETWORK = manualConnectivity(true);
const browser = browserConnectivity();
const hints: ConnectivitySource[] = browser ? [browser, DEMO_NETWORK.source] : [DEMO_NETWORK.source];

async function refresh(refreshToken: string): Promise<AuthTokens> {
  const res = await fetch(`${API_URL}/auth/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken }),
  });
  if (!res.ok) throw new Error(`refresh answered ${res.status}`);
  return (await res.json()) as AuthTokens;
}

export const appConfig: ApplicationConfig = {
  providers: [
    // Angular 21 renders zoneless: signals read by templates schedule the updates.
    provideZonelessChangeDetection(),
    provideHttpClient(withFetch()),
    provideRxsync(
      {
        baseUrl: API_URL,
        auth: { tokens: localforageTokenStore(), refresh },
        cache: { store: 'localforage' },
        retry: { maxAttempts: 4, baseDelayMs: 300 },
        timeoutMs: 8_000,
      },
      withAngularHttp(),
      withEntityStore(ITEMS, { idKey: 'id' }),
      // Edits made offline wait in IndexedDB and are replayed once, in order, when back online.
      withOffline({ sources: hints, outbox: { storage: localforageOutboxStorage() } }),
    ),
  ],
};
