// Angular 21 ships ESM only (fesm2022/*.mjs) while this suite runs as CommonJS under ts-jest.
// esbuild turns each such module into CommonJS as jest loads it (jest caches the result), which
// is much faster than Babel and needs no extra dependency: esbuild already builds the package.
const { transformSync } = require('esbuild');
const { createHash } = require('node:crypto');

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: 'js',
      format: 'cjs',
      target: 'es2022',
      sourcemap: 'external',
      sourcefile: filename,
      // Angular reads `import.meta` in a few dev-only places; CommonJS has none.
      define: { 'import.meta': '{}' },
      logLevel: 'silent',
    });
    return { code, map };
  },
  getCacheKey(source, filename) {
    return createHash('sha1').update('esm-to-cjs-1').update(filename).update(source).digest('hex');
  },
};
