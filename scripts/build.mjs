// Builds the package:
// - ESM: esbuild bundles per entry point with code splitting, so `rxsync` and `rxsync/testing`
//   share one copy of core (an HttpError made by the testing helpers is `instanceof` the public one);
// - CJS: tsc emits one module per file, which shares modules the same way;
// - .d.ts files from tsc, and a self-contained browser ESM bundle for the Chromium end-to-end test.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';

const pkg = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync('package.json', 'utf8')));
const external = Object.keys(pkg.dependencies ?? {});
const entries = { index: 'lib/index.ts', testing: 'lib/testing/index.ts' };
const entryPoints = Object.fromEntries(Object.entries(entries).filter(([, file]) => existsSync(file)));

rmSync('dist', { recursive: true, force: true });
const common = { entryPoints, bundle: true, external, target: 'es2022', sourcemap: true, logLevel: 'warning' };
await build({ ...common, format: 'esm', splitting: true, platform: 'neutral', outdir: 'dist/esm', mainFields: ['module', 'main'] });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.cjs.json'], { stdio: 'inherit' });
await build({ entryPoints: { rxsync: 'lib/index.ts' }, bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outdir: 'dist/browser', logLevel: 'warning' });
mkdirSync('dist/esm', { recursive: true });
writeFileSync('dist/esm/package.json', '{ "type": "module" }\n');
writeFileSync('dist/cjs/package.json', '{ "type": "commonjs" }\n');
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
console.log(`built ${Object.keys(entryPoints).join(', ')} → dist/{esm,cjs,types,browser}`);
