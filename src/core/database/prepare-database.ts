import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ensureEventPartitions } from '../../events/storage/event-partitions';
import { databaseOptions } from './database-options';

const MIGRATION_LOCK_KEY = 724_519_001; // any constant shared by every process of this service

/** Creates the database named in `url` if it does not exist yet (connecting to the `postgres` database). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
        new Logger('Database').log(`Created database ${name}`);
      } catch (err) {
        // Another process created it between our check and our CREATE (42P04, or 23505 when both raced in the catalog).
        const again = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (again.rowCount === 0) throw err;
      }
    }
  } finally {
    await client.end();
  }
}

/**
 * Applies pending migrations under a PostgreSQL advisory lock, so that several processes starting at
 * once (an API and a worker, or N replicas) never run the same migration twice; then makes sure the event
 * partitions of the months around now exist.
 */
export async function runMigrations(url: string): Promise<string[]> {
  const dataSource = new DataSource(databaseOptions(url, 2));
  await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      for (const m of applied) new Logger('Database').log(`Applied migration ${m.name}`);
      // The months around now, before the first event needs them (the hourly maintenance keeps them coming).
      const created = await ensureEventPartitions((sql, params) => runner.query(sql, params));
      if (created.length) new Logger('Database').log(`Created partitions ${created.join(', ')}`);
      const [{ autovacuum }] = (await runner.query('SHOW autovacuum')) as { autovacuum: string }[];
      if (autovacuum !== 'on') {
        new Logger('Database').warn(
          `PostgreSQL's autovacuum is ${autovacuum}: messages (rewritten as their events arrive) fill with dead rows, and the ` +
            `planner's statistics of every table go stale, without it (the sweeper vacuums only event_backlog and ` +
            `event_count_deltas). Turn it on (the default).`,
        );
      }
      return applied.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
    await dataSource.destroy();
  }
}

export async function prepareDatabase(url: string): Promise<void> {
  await ensureDatabase(url);
  await runMigrations(url);
}
