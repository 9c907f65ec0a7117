// Builds the package into dist/ — one implementation, two module formats, types for each:
//
//   dist/<entry>.mjs    ESM, bundled by esbuild with code splitting: every entry point shares one
//                       copy of core (dist/chunks/), so an HttpError made by `rxsync/testing` is
//                       `instanceof` the one exported by `rxsync`.
//   dist/<entry>.cjs    the same ESM output converted to CommonJS by rollup, chunk for chunk.
//   dist/<entry>.d.mts  declarations, bundled by rollup-plugin-dts (so no declaration names a
//   dist/<entry>.d.cts  type that `stripInternal` removed), once per format so that TypeScript
//                       under node16 sees ESM types for `import` and CJS types for `require`.
//
// `import` and `require` still load two copies in Node when an app uses both; the error classes
// check a `Symbol.for` brand, so `isApiError` and `instanceof` hold across them (spec/package/).
// No source maps: the output is readable, unminified JavaScript, and a map would point at lib/,
// which is not shipped.
//
// To add an entry point, add one line to ENTRIES; the build fails if package.json's `exports`
// does not list it.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rollup } from 'rollup';
import { dts } from 'rollup-plugin-dts';

/** Entry name (file name in dist/) → [subpath in `exports`, source file]. */
const ENTRIES = {
  index: ['.', 'lib/index.ts'],
  testing: ['./testing', 'lib/testing/index.ts'],
  angular: ['./angular', 'lib/angular/index.ts'],
};

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const externalNames = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
/** Dependencies (and their subpaths, such as `rxjs/operators`) stay imports. */
const isExternal = (id) => externalNames.some((name) => id === name || id.startsWith(`${name}/`));

for (const [name, [subpath]] of Object.entries(ENTRIES)) {
  const exported = pkg.exports?.[subpath];
  if (!exported || !JSON.stringify(exported).includes(`./dist/${name}.mjs`)) {
    throw new Error(`package.json "exports" has no "${subpath}" pointing at ./dist/${name}.mjs (see scripts/build.mjs)`);
  }
}

// Outside node_modules: rollup-plugin-dts leaves files under node_modules external.
const TYPES_TMP = mkdtempSync(join(tmpdir(), 'rxsync-types-'));
rmSync('dist', { recursive: true, force: true });

// 1. ESM, one shared copy of every module.
await build({
  entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, [, file]]) => [name, file])),
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  external: externalNames.flatMap((name) => [name, `${name}/*`]),
  logLevel: 'warning',
});

// 2. CJS from that ESM, keeping its chunks (so CJS entry points share core too).
const esmInputs = Object.fromEntries(Object.keys(ENTRIES).map((name) => [name, `dist/${name}.mjs`]));
const cjs = await rollup({ input: esmInputs, external: isExternal });
await cjs.write({
  dir: 'dist',
  format: 'cjs',
  entryFileNames: '[name].cjs',
  chunkFileNames: 'chunks/[name]-[hash].cjs',
  exports: 'named',
  interop: 'auto',
  generatedCode: 'es2015',
});
await cjs.close();

// 3. Declarations: tsc emits them (without @internal), rollup-plugin-dts bundles them per entry.
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', TYPES_TMP], { stdio: 'inherit' });
const typeInputs = Object.fromEntries(
  Object.entries(ENTRIES).map(([name, [, file]]) => [name, `${TYPES_TMP}/${file.replace(/^lib\//, '').replace(/\.ts$/, '.d.ts')}`]),
);
for (const ext of ['mts', 'cts']) {
  const types = await rollup({ input: typeInputs, external: isExternal, plugins: [dts()] });
  await types.write({ dir: 'dist', format: 'es', entryFileNames: `[name].d.${ext}`, chunkFileNames: `chunks/[name]-[hash].d.${ext}` });
  await types.close();
}
rmSync(TYPES_TMP, { recursive: true, force: true });

console.log(`built ${Object.keys(ENTRIES).join(', ')} → dist/*.{mjs,cjs,d.mts,d.cts}`);
