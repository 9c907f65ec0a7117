// Builds the Angular demo app (demo/web/) ahead of time, with the Angular compiler and esbuild:
//
//   1. ngc (@angular/compiler-cli) compiles the app's components, templates included, to JS
//      (full AOT compilation: no JIT compiler in the page);
//   2. esbuild bundles that output with rxsync from lib/ (source, so the demo never runs a stale
//      build) and Angular's own packages, which npm ships "partially compiled": the Angular
//      linker (a Babel plugin in @angular/compiler-cli) finishes them on the way, cached on disk.
//
// That is what Angular's own application builder (@angular/build) does; using its pieces directly
// keeps the build one small script of this project and fast on 2 cores (see CHANGELOG).
//
// Usage: node scripts/build-demo-web.mjs [outDir]   (default demo/web/.build)
import { performCompilation, readConfiguration, formatDiagnostics } from '@angular/compiler-cli';
import babel from '@babel/core';
import linkerPlugin from '@angular/compiler-cli/linker/babel';
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WEB = join(ROOT, 'demo/web');
const CACHE = join(ROOT, 'node_modules/.cache/rxsync-demo-web');
const NGC_OUT = join(CACHE, 'ngc');
const LINKED = join(CACHE, 'linked');

export async function buildDemoWeb(outDir = join(WEB, '.build')) {
  const started = performance.now();
  // 1. AOT compilation of the app.
  rmSync(NGC_OUT, { recursive: true, force: true });
  const config = readConfiguration(join(WEB, 'tsconfig.app.json'), { outDir: NGC_OUT });
  const { diagnostics } = performCompilation({ rootNames: config.rootNames, options: config.options, emitFlags: config.emitFlags });
  const errors = diagnostics.filter((d) => d.category === 1);
  if (errors.length > 0) throw new Error(`ngc failed:\n${formatDiagnostics(errors)}`);

  // 2. Bundle, linking Angular's partially compiled packages.
  mkdirSync(LINKED, { recursive: true });
  rmSync(outDir, { recursive: true, force: true });
  await build({
    entryPoints: { main: join(NGC_OUT, 'demo/web/main.js') },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    // Production mode: no dev-only checks, as `ng build` does.
    define: { ngDevMode: 'false', ngJitMode: 'false', ngI18nClosureMode: 'false' },
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [rxsyncFromSource(), angularLinker()],
  });
  copyFileSync(join(WEB, 'index.html'), join(outDir, 'index.html'));
  copyFileSync(join(WEB, 'styles.css'), join(outDir, 'styles.css'));
  return { outDir, ms: Math.round(performance.now() - started) };
}

/** `rxsync`, `rxsync/angular`: straight from lib/. */
function rxsyncFromSource() {
  const entries = { rxsync: 'lib/index.ts', 'rxsync/angular': 'lib/angular/index.ts', 'rxsync/testing': 'lib/testing/index.ts' };
  return {
    name: 'rxsync-from-source',
    setup(b) {
      b.onResolve({ filter: /^rxsync(\/angular|\/testing)?$/ }, (args) => ({ path: join(ROOT, entries[args.path]) }));
    },
  };
}

/** Runs the Angular linker over Angular's npm packages (only files with partial declarations), cached by content. */
function angularLinker() {
  return {
    name: 'angular-linker',
    setup(b) {
      b.onLoad({ filter: /[\\/]node_modules[\\/]@angular[\\/].+\.m?js$/ }, async (args) => {
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('ɵɵngDeclare')) return { contents: source, loader: 'js' };
        const key = createHash('sha1').update('linker-1').update(source).digest('hex');
        const cached = join(LINKED, `${key}.js`);
        if (existsSync(cached)) return { contents: readFileSync(cached, 'utf8'), loader: 'js' };
        const result = await babel.transformAsync(source, {
          filename: args.path,
          babelrc: false,
          configFile: false,
          compact: false,
          sourceMaps: false,
          plugins: [[linkerPlugin, { linkerJitMode: false }]],
        });
        writeFileSync(cached, result.code);
        return { contents: result.code, loader: 'js' };
      });
    },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { outDir, ms } = await buildDemoWeb(process.argv[2] ? resolve(process.argv[2]) : undefined);
  console.log(`built the Angular demo → ${outDir} in ${ms} ms`);
}
