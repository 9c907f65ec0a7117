import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

/** The public API of rxsync (`lib/index.ts`). */
export type Rxsync = typeof import('../lib');

/**
 * Loads rxsync as it ships: `lib/index.ts` bundled by esbuild the way `scripts/build.mjs` builds
 * `dist/cjs` (dependencies external, es2022, no name-keeping), fresh from the current sources.
 *
 * Why not `import '../lib'` under tsx: tsx transforms every `.ts` file with esbuild's `keepNames`,
 * which wraps each function created at run time in a `__name()` call. rxsync creates a few closures
 * per request, so its source under tsx runs measurably slower than its published build, while the
 * peers come precompiled from node_modules. A benchmark must compare shipped code with shipped code.
 *
 * The bundle goes to node_modules/.cache (git-ignored) so that `rxjs` & co. resolve to the same
 * installed copies the peers and the benchmark use.
 */
export async function loadBuiltRxsync(): Promise<Rxsync> {
  const root = resolve(__dirname, '..');
  const outfile = join(root, 'node_modules/.cache/rxsync-bench/rxsync.cjs');
  await build({
    entryPoints: [join(root, 'lib/index.ts')],
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'cjs',
    target: 'es2022',
    outfile,
    logLevel: 'warning',
  });
  const load = createRequire(outfile);
  delete load.cache[outfile];
  return load(outfile) as Rxsync;
}
