/** Three tiers: unit specs beside the code, e2e suites against a real PostgreSQL
 * and real agent processes under test/. One run, one embedded PostgreSQL (test/global-setup). */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];

const moduleNameMapper = {
  '^@ca/(frequency|signing|protocol)$': '<rootDir>/libs/$1/src',
};

/**
 * Packages published as ES modules only. Node requires them natively (>= 20.19), Jest's module
 * loader does not, so Jest compiles them to CommonJS. content-disposition comes with
 * @fastify/static, which serves Swagger UI at /docs.
 */
const ESM_ONLY = ['content-disposition'];
const esmOnlyTransform = { [`/node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`]: swc };
const transformIgnorePatterns = [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`];

module.exports = {
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts'],
      transform: { '^.+\\.ts$': swc },
      moduleNameMapper,
      testEnvironment: 'node',
    },
    {
      displayName: 'e2e',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      transform: { '^.+\\.ts$': swc, ...esmOnlyTransform },
      transformIgnorePatterns,
      moduleNameMapper,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
