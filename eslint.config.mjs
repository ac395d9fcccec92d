import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

// What the pure domain may never reach: AWS, I/O, the environment, chain transports.
const domainForbidden = {
  patterns: [
    {
      group: ['@aws-sdk/*', 'aws-sdk', 'aws-cdk-lib', 'aws-cdk-lib/*', '@aws-lambda-powertools/*'],
      message: 'The domain is pure: AWS lives in adapters.',
    },
    {
      group: [
        'node:*',
        'fs',
        'fs/*',
        'net',
        'http',
        'https',
        'child_process',
        'dgram',
        'tls',
        'os',
        'path',
        'worker_threads',
        'cluster',
        'dns',
      ],
      message: 'The domain does no I/O.',
    },
    {
      group: ['../adapters/*', '../handlers/*', '../ports/*', '**/adapters/**', '**/handlers/**'],
      message: 'The domain depends on nothing outside it.',
    },
  ],
  paths: [
    {
      name: 'viem',
      importNames: [
        'createPublicClient',
        'createWalletClient',
        'createTestClient',
        'createClient',
        'http',
        'webSocket',
        'fallback',
        'custom',
        'ipc',
      ],
      message: "Only viem's pure utilities belong in the domain.",
    },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', 'coverage/**', '.cache/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['lambdas/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', domainForbidden],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'The domain never reads process.env: config is an input.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'The domain takes `now` as an input.' },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
