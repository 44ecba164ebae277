import { runMigrations } from '../../src/core/database/prepare-database';
import { adminQuery, databaseUrl, dropStaleTestDatabases, testDatabaseName } from './test-database';

/** Migrates a template database once per test run; each test file clones it. */
export default async function globalSetup(): Promise<void> {
  await dropStaleTestDatabases();
  const template = testDatabaseName('tpl');
  await adminQuery((c) => c.query(`CREATE DATABASE "${template}"`));
  await runMigrations(databaseUrl(template));
  // Inherited by the test workers.
  process.env.SLGW_TEST_TEMPLATE = template;
}
