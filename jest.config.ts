import type { Config } from 'jest';

// Type checking is `npm run typecheck` (tsc over lib/, spec/, demo/, bench/); ts-jest only
// transpiles here (isolatedModules), which keeps a 2-core CI run fast.
const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: { module: 'commonjs', moduleResolution: 'node10', isolatedModules: true, ignoreDeprecations: '6.0' }, diagnostics: false }],
  },
  moduleNameMapper: {
    '^rxsync$': '<rootDir>/lib/index.ts',
    '^rxsync/testing$': '<rootDir>/lib/testing/index.ts',
  },
  reporters: ['default', '<rootDir>/spec/helpers/summary-reporter.cjs'],
  testTimeout: 20_000,
};

export default config;
