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
    'rxsync: createApiClient, cache: false',
    `import { createApiClient } from 'rxsync';
     const client = createApiClient({ baseUrl: 'https://api.example.com', cache: false });
     client.get('/items').subscribe(console.log);`,
  ],
  [
    'rxsync: createApiClient + HTTP cache (memory)',
    `import { createApiClient } from 'rxsync';
     const client = createApiClient({ baseUrl: 'https://api.example.com', cache: { maxEntries: 500 } });
     client.get('/items').subscribe(console.log);`,
  ],
  [
    'rxsync: + HTTP cache on localforage + entity store',
    `import { createApiClient, createEntityStore } from 'rxsync';
     const client = createApiClient({ baseUrl: 'https://api.example.com', cache: { store: 'localforage', maxEntries: 500 } });
     const items = createEntityStore({ idKey: 'id' });
     client.get('/items').pipe(items.upsertManyFrom()).subscribe();
     items.select(1).subscribe(console.log);`,
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
  const noCache = kib(APPS[0][0]);
  const withCache = kib(APPS[1][0]);
  const queryCore = kib('@tanstack/query-core (whole package)');
  const axios = kib('axios (whole package)');
  return {
    title: 'Bundle size: esbuild --minify, gzip -9, rxjs external',
    rows,
    notes: [
      `${noCache <= queryCore ? 'PASS' : 'FAIL'} client without cache ≤ TanStack query-core: ${noCache.toFixed(1)} vs ${queryCore.toFixed(1)} KiB`,
      `${withCache <= axios ? 'PASS' : 'FAIL'} client with the HTTP cache ≤ axios: ${withCache.toFixed(1)} vs ${axios.toFixed(1)} KiB`,
    ],
  };
}
