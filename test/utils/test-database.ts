import { Client } from 'pg';
import { randomBytes } from 'node:crypto';

/** The server the tests use. Every database they create or drop has `test` in its name. */
export const TEST_SERVER_URL = process.env.TEST_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432';
const PREFIX = 'slgw_test_';
const STALE_AFTER_SECONDS = 3 * 3600;

/** A name that says it is a test database and when it was made, so that leftovers of killed runs can be swept. */
export function testDatabaseName(kind: 'tpl' | 'db'): string {
  return `${PREFIX}${Math.floor(Date.now() / 1000)}_${kind}_${randomBytes(4).toString('hex')}`;
}

export function databaseUrl(name: string): string {
  assertTestDatabase(name);
  return `${TEST_SERVER_URL.replace(/\/+$/, '')}/${name}`;
}

/** Refuses to touch a database that is not a test database. */
export function assertTestDatabase(name: string): void {
  if (!name.includes('test'))
    throw new Error(`refusing to use database "${name}": its name does not say it is a test database`);
}

export async function adminQuery<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: `${TEST_SERVER_URL.replace(/\/+$/, '')}/postgres` });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(name: string): Promise<void> {
  assertTestDatabase(name);
  await adminQuery((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** Drops test databases left by runs that were killed hours ago (never those of a run still going). */
export async function dropStaleTestDatabases(): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  await adminQuery(async (c) => {
    const rows = (await c.query(`SELECT datname FROM pg_database WHERE datname LIKE 'slgw\\_test\\_%'`)).rows as {
      datname: string;
    }[];
    for (const { datname } of rows) {
      const made = Number(/^slgw_test_(\d+)_/.exec(datname)?.[1]);
      if (!made || now - made > STALE_AFTER_SECONDS) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  });
}

/**
 * A fresh database for one test file, cloned from the template that global-setup migrated once
 * (CREATE DATABASE .. TEMPLATE is far faster than migrating again).
 */
export async function createTestDatabase(): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const template = process.env.SLGW_TEST_TEMPLATE;
  if (!template)
    throw new Error('SLGW_TEST_TEMPLATE is not set: run the tests through jest (test/utils/global-setup.ts)');
  const name = testDatabaseName('db');
  assertTestDatabase(name);
  await adminQuery((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  return { name, url: databaseUrl(name), drop: () => dropDatabase(name) };
}

/**
 * A fresh, empty test database migrated up to `last` included (a migration class of migrations/index.ts), for the
 * tests of a later migration: they insert rows of the shape before it, then run it. Answers a DataSource on it
 * (without entities: the entities describe the latest schema only).
 */
export async function databaseMigratedTo(
  last: import('../../src/core/database/migrations').MigrationClass,
): Promise<{ dataSource: import('typeorm').DataSource; drop: () => Promise<void> }> {
  const { DataSource } = await import('typeorm');
  const { migrations } = await import('../../src/core/database/migrations');
  const upTo = migrations.indexOf(last);
  if (upTo < 0) throw new Error(`${last.name} is not a migration of migrations/index.ts`);
  const name = testDatabaseName('db');
  await adminQuery((c) => c.query(`CREATE DATABASE "${name}"`));
  const dataSource = new DataSource({
    type: 'postgres',
    url: databaseUrl(name),
    migrations: migrations.slice(0, upTo + 1),
    migrationsTableName: 'migrations',
  });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return {
    dataSource,
    drop: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      await dropDatabase(name);
    },
  };
}
