import { runMigrations } from '../../src/core/database/prepare-database';
import { adminQuery, databaseUrl, TEMPLATE_DATABASE } from './test-database';

/** Migrates the template database once per test run; each test file clones it. */
export default async function globalSetup(): Promise<void> {
  await adminQuery(async (c) => {
    // Leftovers of runs that were killed: drop them so they do not pile up.
    const old = await c.query(`SELECT datname FROM pg_database WHERE datname LIKE 'slgw\\_test\\_%'`);
    for (const row of old.rows as { datname: string }[]) {
      await c.query(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`);
    }
    await c.query(`CREATE DATABASE "${TEMPLATE_DATABASE}"`);
  });
  await runMigrations(databaseUrl(TEMPLATE_DATABASE));
}
