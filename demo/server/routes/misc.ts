import type { Route } from '../app';
import { sendRepresentation, strongEtag } from '../http';
import { cacheControlFrom } from './items';

const MAX_SLOW_MS = 120_000;

let big: { body: string; etag: string } | undefined;

/**
 * A deterministic ~50 KB document, built once per process: the revalidation benchmark compares
 * the bytes of 100 re-downloads with the bytes of 100 conditional requests answered 304.
 */
function bigResource(): { body: string; etag: string } {
  if (!big) {
    const rows = Array.from({ length: 232 }, (_, i) => ({
      id: i + 1,
      sku: `SKU-${String(i + 1).padStart(5, '0')}`,
      title: `Catalogue entry ${i + 1}`,
      description: `Deterministic filler text for row ${i + 1}, long enough to make the document weigh about fifty kilobytes.`,
      price: ((i * 7919) % 100_000) / 100,
      tags: ['demo', `group-${i % 7}`],
    }));
    const body = JSON.stringify({ version: 1, generatedAt: '2024-01-01T00:00:00.000Z', rows });
    big = { body, etag: strongEtag(body) };
  }
  return big;
}

const PUBLIC_CONFIG = JSON.stringify({ apiVersion: 1, minAppVersion: '1.0.0', features: { graphql: true, offlineOutbox: true } });
const PUBLIC_CONFIG_ETAG = strongEtag(PUBLIC_CONFIG);

export const miscRoutes: readonly Route[] = [
  {
    method: 'GET',
    pattern: '/big',
    auth: 'bearer',
    // Default `no-cache`: stored but revalidated on every use, the case most caches re-download.
    handler: (ex) => sendRepresentation(ex, { ...bigResource(), cacheControl: cacheControlFrom(ex, 'no-cache') }),
  },
  {
    method: 'GET',
    pattern: '/public/config',
    auth: 'none',
    handler: (ex) => sendRepresentation(ex, { body: PUBLIC_CONFIG, etag: PUBLIC_CONFIG_ETAG, cacheControl: 'public, max-age=60' }),
  },
  {
    method: 'GET',
    pattern: '/slow',
    auth: 'bearer',
    // For timeout demos: answers after `?ms=` (default 1000, capped at 2 minutes).
    handler: (ex, app) => {
      const requested = Number(ex.query.get('ms') ?? 1000);
      const ms = Number.isFinite(requested) ? Math.min(Math.max(0, requested), MAX_SLOW_MS) : 1000;
      const cancel = app.timers.after(ms, () => ex.json(200, { sleptMs: ms }, { 'cache-control': 'no-store' }));
      // A client that gave up (timeout, unsubscribe) frees its timer at once.
      ex.res.once('close', cancel);
    },
  },
];
