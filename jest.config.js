// ESM-only dependencies (jose, middy, @noble/*) are transformed to CommonJS by ts-jest.
const esmOnly = ['jose', '@middy', '@noble'];

/** @type {import('ts-jest').TsJestTransformerOptions} */
const tsJest = { tsconfig: 'tsconfig.jest.json' };

const base = {
  testEnvironment: 'node',
  transform: { '^.+\\.[tj]sx?$': ['ts-jest', tsJest] },
  transformIgnorePatterns: [`node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  // The local runtime loads handler modules with import('….js') (an ES import needs the extension; tsx and
  // Node resolve it to the .ts source): the same here.
  moduleNameMapper: { '^(\\.{1,2}/.*/lambdas/handlers/.*)\\.js$': '$1' },
  // aws-local-stepfunctions needs Promise.withResolvers, which Node 20 lacks.
  setupFiles: ['<rootDir>/test/setup-env.ts', '<rootDir>/local/workflow/promise-with-resolvers.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  // Jest reads the timeout of tests and hooks from the global config only. The machine is shared and
  // the integration and e2e suites run side by side: a generous bound, never a performance threshold.
  testTimeout: 60_000,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...base, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
      slowTestThreshold: 30,
    },
    // The whole stack over HTTP: each file starts its own local stack (DynamoDB Local, anvil, server).
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'], slowTestThreshold: 60 },
    // Pages in Debian's Chromium through playwright-core (test/support/browser.ts); never skipped.
    { ...base, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.test.ts'] },
  ],
};
