/**
 * Three Jest projects (`jest --selectProjects <name>`, or `npm run test:unit|test:integration|test:e2e`):
 * - unit: the specs beside the code under src/; no database, no Redis, so no global setup;
 * - integration: test/integration, against the real PostgreSQL and Redis;
 * - e2e: test/e2e, the whole service (built as main.ts builds it) against PostgreSQL, Redis and the fake SocketLabs.
 * The last two share one global setup: a template database migrated once per run, cloned by each test file.
 */

/** What every project compiles and runs alike. */
const common = {
  rootDir: '.',
  moduleFileExtensions: ['js', 'json', 'ts'],
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      {
        tsconfig: 'tsconfig.json',
        // The same Swagger plugin as `nest build`, so the OpenAPI document built in tests is the real one.
        astTransformers: {
          before: ['<rootDir>/test/utils/swagger-transformer.js'],
        },
        diagnostics: { warnOnly: false },
      },
    ],
    // content-disposition 3 (under @fastify/static 10) ships only ES modules, which Node 20 can require but Jest cannot.
    '/node_modules/content-disposition/.+\\.js$': [
      'babel-jest',
      { plugins: ['@babel/plugin-transform-modules-commonjs'] },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!content-disposition/)'],
};

/** A migrated template database for the projects that talk to PostgreSQL. */
const withDatabase = {
  globalSetup: '<rootDir>/test/utils/global-setup.ts',
  globalTeardown: '<rootDir>/test/utils/global-teardown.ts',
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...common, ...withDatabase, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.spec.ts'] },
    { ...common, ...withDatabase, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'] },
  ],
};
