import { build } from 'esbuild';
import { join } from 'node:path';

/**
 * What a user did not configure stays out of the bundle: each app is bundled the way a user's
 * bundler would bundle the package (esbuild, tree-shaking, "sideEffects": false), and the modules
 * that made it in are read from esbuild's metafile. Sizes are the benchmark's job (bench/bundle-size.bench.ts).
 */
const ROOT = join(__dirname, '../..');

async function bundledModules(source: string): Promise<string[]> {
  const result = await build({
    stdin: { contents: source, resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    external: ['rxjs', 'rxjs/*'],
    alias: { rxsync: join(ROOT, 'lib/index.ts') },
    logLevel: 'silent',
  });
  return Object.values(result.metafile.outputs).flatMap((output) => Object.keys(output.inputs).filter((input) => output.inputs[input].bytesInOutput > 0));
}

const app = (imports: string, features: string, config = '') => `
  import { composeApiClient${imports} } from 'rxsync';
  composeApiClient({ baseUrl: 'https://api.example.com'${config} }${features}).get('/items').subscribe(console.log);`;

describe('bundle contents of a composed client', () => {
  jest.setTimeout(30_000);

  it('no features: no cache, auth, fleet, offline, GraphQL, localforage or http-cache-semantics', async () => {
    const modules = await bundledModules(app('', ''));
    for (const absent of [
      'localforage',
      'http-cache-semantics',
      'jwt-decode',
      'lib/cache/cache-read',
      'lib/auth/',
      'lib/fleet/',
      'lib/offline/outbox.ts',
      'lib/offline/connectivity',
      'lib/graphql/',
    ]) {
      expect(modules.filter((m) => m.includes(absent))).toEqual([]);
    }
    expect(modules).toEqual(expect.arrayContaining(['lib/retry/retry.layer.ts', 'lib/dedupe/dedupe.layer.ts', 'lib/transport/fetch.transport.ts']));
  });

  it('withFleet(): the fleet, still no localforage (the localforage fleet store is its own module)', async () => {
    const modules = await bundledModules(app(', withFleet', ', withFleet()'));
    expect(modules).toEqual(expect.arrayContaining(['lib/fleet/fleet-guard.ts']));
    expect(modules.filter((m) => m.includes('localforage'))).toEqual([]);
  });

  it('withHttpCache(): the cache and http-cache-semantics, but no persistent tier and no localforage', async () => {
    const modules = await bundledModules(app(', withHttpCache', ', withHttpCache()', ', cache: { maxEntries: 100 }'));
    expect(modules).toEqual(expect.arrayContaining(['lib/cache/cache-read.ts', expect.stringContaining('http-cache-semantics')]));
    expect(modules.filter((m) => m.includes('localforage') || m.includes('persistent-tier'))).toEqual([]);
  });

  it('createApiClient brings every part (the reason composeApiClient exists)', async () => {
    const modules = await bundledModules(
      `import { createApiClient } from 'rxsync'; createApiClient({ baseUrl: 'https://a.example', cache: false }).get('/x').subscribe();`,
    );
    expect(modules).toEqual(
      expect.arrayContaining(['lib/auth/auth.layer.ts', 'lib/offline/outbox.ts', 'lib/cache/persistent-tier.ts', expect.stringContaining('localforage')]),
    );
  });
});
