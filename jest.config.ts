import type { Config } from 'jest';

// Type checking is `npm run typecheck` (tsc over lib/, spec/, demo/, bench/); ts-jest only
// transpiles here (isolatedModules), which keeps a 2-core CI run fast.
const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    // Angular's packages are ESM only; see the transformer for why esbuild.
    '^.+\\.m?js$': '<rootDir>/spec/helpers/esm-to-cjs.transform.cjs',
    '^.+\\.ts$': [
      'ts-jest',
      {
        tsconfig: { module: 'commonjs', moduleResolution: 'node10', isolatedModules: true, experimentalDecorators: true, ignoreDeprecations: '6.0' },
        diagnostics: false,
      },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!@angular/)'],
  moduleNameMapper: {
    '^rxsync$': '<rootDir>/lib/index.ts',
    '^rxsync/testing$': '<rootDir>/lib/testing/index.ts',
    '^rxsync/angular$': '<rootDir>/lib/angular/index.ts',
  },
  reporters: ['default', '<rootDir>/spec/helpers/summary-reporter.cjs'],
  testTimeout: 20_000,
};

export default config;
