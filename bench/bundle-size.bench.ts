/**
 * Weight on a phone (DESIGN.md §7): small apps bundled with esbuild (`--bundle --minify`,
 * browser ESM, rxjs external as an app that already has rxjs would see it), then gzip -9.
 * rxsync is bundled from lib/ as a user's bundler would bundle the package's ESM build
 * (tree-shaking, "sideEffects": false). Peers are bundled the same way from their packages.
 *
 * Budgets: the client without cache ≤ TanStack query-core, the client with the HTTP cache ≤ axios.
 */
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import type { ScenarioResult } from './report';

const ROOT = join(__dirname, '..');

/** What each app imports and calls; enough use that nothing is shaken out as dead code. */
const APPS: ReadonlyArray<readonly [name: string, source: string]> = [
  [
    'rxsync: composeApiClient (retry, dedupe, timeouts), no cache',
    `import { composeApiClient } from 'rxsync';
     const client = composeApiClient({ baseUrl: 'https://api.example.com' });
     client.get('/items').subscribe(console.log);`,
  ],
  [
    'rxsync: composeApiClient + withFleet(), no cache',
    `import { composeApiClient, withFleet } from 'rxsync';
     const client = composeApiClient({ baseUrl: 'https://api.example.com' }, withFleet());
     client.get('/items').subscribe(console.log);`,
  ],
  [
    'rxsync: composeApiClient + withHttpCache() (memory)',
    `import { composeApiClient, withHttpCache } from 'rxsync';
     const client = composeApiClient({ baseUrl: 'https://api.example.com', cache: { maxEntries: 500 } }, withHttpCache());
     client.get('/items').subscribe(console.log);`,
  ],
  [
    'rxsync: composeApiClient + withHttpCache() + withFleet()',
    `import { composeApiClient, withFleet, withHttpCache } from 'rxsync';
     const client = composeApiClient({ baseUrl: 'https://api.example.com', cache: { maxEntries: 500 } }, withHttpCache(), withFleet());
     client.get('/items').subscribe(console.log);`,
  ],
  [
    'rxsync: composeApiClient + auth, fleet, HTTP cache on localforage + entity store',
    `import { composeApiClient, createEntityStore, createLocalforageCacheStore, localforageTokenStore, withAuth, withFleet, withHttpCache, withPersistentCache } from 'rxsync';
     const client = composeApiClient(
       { baseUrl: 'https://api.example.com', auth: { tokens: localforageTokenStore(), refresh: (rt) => client.post('/auth/refresh', { rt }, { skipAuth: true }) }, cache: { store: createLocalforageCacheStore({ name: 'app' }) } },
       withAuth(), withHttpCache(), withPersistentCache(), withFleet(),
     );
     const items = createEntityStore({ idKey: 'id' });
     client.get('/items').pipe(items.upsertManyFrom()).subscribe();
     items.select(1).subscribe(console.log);`,
  ],
  [
    'rxsync: createApiClient (every part), cache: false',
    `import { createApiClient } from 'rxsync';
     const client = createApiClient({ baseUrl: 'https://api.example.com', cache: false });
     client.get('/items').subscribe(console.log);`,
  ],
  ['axios (whole package)', `import axios from 'axios'; axios.get('/items').then(console.log);`],
  ['@tanstack/query-core (whole package)', `export * from '@tanstack/query-core';`],
  ['ky (whole package)', `import ky from 'ky'; ky.get('/items').json().then(console.log);`],
];

async function gzippedBytes(source: string): Promise<{ minified: number; gzipped: number }> {
  const result = await build({
    stdin: { contents: source, resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    external: ['rxjs', 'rxjs/*'],
    alias: { rxsync: join(ROOT, 'lib/index.ts') },
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length };
}

export async function bundleSizeScenario(): Promise<ScenarioResult> {
  const sizes = new Map<string, number>();
  const rows: Array<Record<string, string | number>> = [];
  for (const [name, source] of APPS) {
    const { minified, gzipped } = await gzippedBytes(source);
    sizes.set(name, gzipped);
    rows.push({ app: name, 'minified KiB': minified / 1024, 'min + gzip KiB': gzipped / 1024 });
  }
  const kib = (name: string): number => (sizes.get(name) ?? NaN) / 1024;
  const [bare, withFleet, withCache, cacheAndFleet] = APPS.slice(0, 4).map(([name]) => kib(name));
  const queryCore = kib('@tanstack/query-core (whole package)');
  const axios = kib('axios (whole package)');
  const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
  return {
    title: 'Bundle size: esbuild --minify, gzip -9, rxjs external',
    rows,
    notes: [
      `${verdict(bare <= queryCore)} client without cache ≤ TanStack query-core: ${bare.toFixed(1)} vs ${queryCore.toFixed(1)} KiB (composeApiClient: retry with backoff, dedupe, timeouts, typed errors, as query-core retries per query)`,
      `${verdict(withCache <= axios)} client with the HTTP cache ≤ axios: ${withCache.toFixed(1)} vs ${axios.toFixed(1)} KiB (RFC 9111 memory cache, http-cache-semantics included)`,
      `with fleet safety too (no peer has it): ${withFleet.toFixed(1)} KiB without cache (${((withFleet / queryCore - 1) * 100).toFixed(0)} % vs query-core), ${cacheAndFleet.toFixed(1)} KiB with the cache (${((cacheAndFleet / axios - 1) * 100).toFixed(0)} % vs axios)`,
      'createApiClient takes every part, so its bundle keeps them all whatever the config; composeApiClient keeps only the withX() parts passed (spec/features/bundle-contents.spec.ts checks which modules make it in)',
    ],
  };
}
