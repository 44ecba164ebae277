import { Client } from 'pg';
import { deleteAuditEntriesBefore } from '../../src/core/audit/audit-retention';
import { AppConfig } from '../../src/core/config/app-config';
import { STORAGE_LOCK, StorageMaintenanceService } from '../../src/events/storage/storage-maintenance.service';
import { createTestApp, TestApp } from '../utils/test-app';

const DAY = 86_400_000;

/** AUDIT_RETENTION_DAYS, applied by the hourly maintenance job, on the real PostgreSQL. */
describe('audit log retention (PostgreSQL)', () => {
  let t: TestApp;
  const now = new Date('2026-12-07T12:00:00Z');

  beforeAll(async () => {
    t = await createTestApp({ ROLE: 'api', AUDIT_RETENTION_DAYS: '30' });
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await t.dataSource.query('DELETE FROM audit_log');
  });

  /** `count` entries recorded `daysAgo` days before `now`. */
  async function record(daysAgo: number, count = 1): Promise<void> {
    await t.dataSource.query(
      `INSERT INTO audit_log (at, action, method, path, status, outcome)
       SELECT $1::timestamptz, 'test.entry', 'POST', '/api/v1/x', 200, 'success' FROM generate_series(1, $2)`,
      [new Date(now.getTime() - daysAgo * DAY), count],
    );
  }

  async function ages(): Promise<number[]> {
    const rows = await t.dataSource.query(
      `SELECT extract(epoch FROM $1::timestamptz - at)::float8 / 86400 AS days FROM audit_log ORDER BY at`,
      [now],
    );
    return rows.map((r: { days: number }) => Math.round(r.days * 1000) / 1000);
  }

  it('deletes the entries older than the retention in the maintenance run, and keeps the others', async () => {
    await record(400, 25);
    await record(30.001);
    await record(29.999);
    await record(1, 2);
    const maintenance = new StorageMaintenanceService(t.dataSource, t.config);
    expect(await maintenance.maintain(now)).toMatchObject({ ran: true, auditEntriesDeleted: 26 });
    expect(await ages()).toEqual([29.999, 1, 1]);
    expect(await maintenance.maintain(now)).toMatchObject({ ran: true, auditEntriesDeleted: 0 });
  });

  it('deletes in batches until none is left', async () => {
    await record(100, 25);
    await record(5);
    const batches: number[] = [];
    const query = async (sql: string, params?: unknown[]) => {
      const result = await t.dataSource.query(sql, params);
      batches.push(result[1]);
      return result;
    };
    expect(await deleteAuditEntriesBefore(query, new Date(now.getTime() - 30 * DAY), 10)).toBe(25);
    expect(batches).toEqual([10, 10, 5]);
    expect(await ages()).toEqual([5]);
  });

  it('deletes nothing while another run holds the maintenance lock, nor without AUDIT_RETENTION_DAYS', async () => {
    await record(400, 3);
    const other = new Client({ connectionString: t.config.database.url });
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1::int4, $2::int4)', STORAGE_LOCK);
      expect(await new StorageMaintenanceService(t.dataSource, t.config).maintain(now)).toMatchObject({
        ran: false,
        auditEntriesDeleted: 0,
      });
    } finally {
      await other.end();
    }
    const keepForever = AppConfig.fromEnvironment({ DATABASE_URL: t.config.database.url, AUDIT_RETENTION_DAYS: '' });
    expect(await new StorageMaintenanceService(t.dataSource, keepForever).maintain(now)).toMatchObject({
      ran: true,
      auditEntriesDeleted: 0,
    });
    expect(await ages()).toHaveLength(3);
  });
});
