import { provideHttpClient, withFetch } from '@angular/common/http';
import { type ApplicationConfig, provideZonelessChangeDetection } from '@angular/core';
import { localforageTokenStore, type AuthTokens } from 'rxsync';
import { provideRxsync, withAngularHttp, withEntityStore } from 'rxsync/angular';
import { ITEMS } from './items';

/** The demo's API lives under /api on the page's own origin (the demo server proxies it). */
export const API_URL = `${location.origin}/api`;

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
    ),
  ],
};
