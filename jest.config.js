/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  moduleFileExtensions: ['js', 'json', 'ts'],
  testRegex: '(src|test)/.*\\.(spec|e2e-spec)\\.ts$',
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
    '/node_modules/content-disposition/.+\\.js$': ['babel-jest', { plugins: ['@babel/plugin-transform-modules-commonjs'] }],
  },
  transformIgnorePatterns: ['/node_modules/(?!content-disposition/)'],
  globalSetup: '<rootDir>/test/utils/global-setup.ts',
  globalTeardown: '<rootDir>/test/utils/global-teardown.ts',
  testTimeout: 60000,
};
