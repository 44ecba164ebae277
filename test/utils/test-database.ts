import { Client } from 'pg';
import { randomBytes } from 'node:crypto';

/** The server the tests use. Every database they create or drop has `test` in its name. */
export const TEST_SERVER_URL = process.env.TEST_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const TEMPLATE_DATABASE = 'slgw_test_template';

export function databaseUrl(name: string): string {
  assertTestDatabase(name);
  return `${TEST_SERVER_URL.replace(/\/+$/, '')}/${name}`;
}

/** Refuses to touch a database that is not a test database. */
export function assertTestDatabase(name: string): void {
  if (!/test/.test(name)) throw new Error(`refusing to use database "${name}": its name does not say it is a test database`);
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

/**
 * A fresh database for one test file, cloned from the template that global-setup migrated once
 * (CREATE DATABASE .. TEMPLATE is far faster than migrating again).
 */
export async function createTestDatabase(): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `slgw_test_${randomBytes(5).toString('hex')}`;
  assertTestDatabase(name);
  await adminQuery((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${TEMPLATE_DATABASE}"`));
  return {
    name,
    url: databaseUrl(name),
    drop: () => adminQuery((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}
