import { Client } from 'pg';
import { ensureDatabase, runMigrations } from '../../src/core/database/prepare-database';
import { migrations } from '../../src/core/database/migrations';
import {
  addMonths,
  DEFAULT_PARTITION,
  monthStart,
  MONTHS_AHEAD,
  MONTHS_BEHIND,
  partitionName,
} from '../../src/events/storage/event-partitions';
import { databaseUrl, dropDatabase, testDatabaseName } from '../utils/test-database';

describe('database preparation at boot', () => {
  const name = testDatabaseName('db');
  const url = databaseUrl(name);
  afterAll(() => dropDatabase(name));

  it('creates a missing database, and several processes migrating at once apply each migration exactly once', async () => {
    await Promise.all([ensureDatabase(url), ensureDatabase(url)]);
    const results = await Promise.all([runMigrations(url), runMigrations(url), runMigrations(url)]);
    // The advisory lock serialises them: one applied everything, the others found nothing to do.
    expect(results.map((r) => r.length).sort()).toEqual([0, 0, migrations.length]);

    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const applied = await client.query('SELECT name FROM migrations');
      expect(applied.rowCount).toBe(migrations.length);
      const tables = await client.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
      );
      expect(tables.rows.map((r) => r.table_name)).toEqual(
        expect.arrayContaining([
          'api_keys',
          'audit_log',
          'email_events',
          'event_backlog',
          'event_counts',
          'event_count_deltas',
          'messages',
          'suppressions',
          'webhook_endpoints',
        ]),
      );
      // The event partitions of the months around now exist from boot on, beside the default partition.
      const now = monthStart(new Date());
      const partitions = await client.query(
        `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'email_events'::regclass`,
      );
      expect(partitions.rows.map((r) => r.relname)).toEqual(
        expect.arrayContaining([
          DEFAULT_PARTITION,
          ...[-MONTHS_BEHIND, 0, MONTHS_AHEAD].map((n) => partitionName(addMonths(now, n))),
        ]),
      );
    } finally {
      await client.end();
    }
  });
});
