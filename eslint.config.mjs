// @ts-check
// The NestJS 11 starter's configuration (ESLint's recommended rules, typescript-eslint's type-checked recommended
// rules, Prettier as an ESLint rule), with this project's files and the few exceptions below.
import eslint from '@eslint/js';
import eslintPluginPrettierRecommended from 'eslint-plugin-prettier/recommended';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // client/schema.d.ts is generated from openapi.json by openapi-typescript.
    ignores: ['dist/', 'node_modules/', 'coverage/', 'bench-results/', 'client/schema.d.ts', 'eslint.config.mjs'],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  eslintPluginPrettierRecommended,
  {
    languageOptions: {
      globals: {
        ...globals.node,
        ...globals.jest,
      },
      sourceType: 'commonjs',
      parserOptions: {
        // Each file is type-checked with the tsconfig.json nearest to it: the root one for src/, test/ and scripts/,
        // client/tsconfig.json for the typed client (client/index.ts). docs/examples/ has no tsconfig.json of its own
        // (`npm run typecheck` checks it with the client's): the root project takes change-feed-consumer.ts in because
        // test/e2e/client.e2e-spec.ts imports it; an example that no test imports would have to be listed here.
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    rules: {
      // The codebase's convention for a value that is there on purpose but not used: a leading underscore
      // (`(_req, res) =>`, `const { secret: _secret, ...rest } = dto`, `[_id, row]`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
    },
  },
  {
    // A landed migration is never edited (see migrations/index.ts): these two read QueryRunner.query()'s `any`
    // answer untyped, and stay as they are. A new migration is linted like any other file.
    files: [
      'src/core/database/migrations/1796342400000-FormRawAsSent.ts',
      'src/core/database/migrations/1796601600000-EventsWrittenOnce.ts',
    ],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
  {
    // The few CommonJS files (Jest's config, its Swagger transformer, the bare benchmark server) are in no tsconfig:
    // plain ESLint rules only.
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // Tests read untyped values on purpose: supertest's `res.body` and JSON.parse results are `any` (and declared
    // so), and `expect(mock.method).toHaveBeenCalled()` passes methods unbound; typing each would only add casts.
    files: ['test/**', '**/*.spec.ts', '**/*.e2e-spec.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
