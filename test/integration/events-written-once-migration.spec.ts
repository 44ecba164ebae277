import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { FailedEventsIndex1796425200000 } from '../../src/core/database/migrations/1796425200000-FailedEventsIndex';
import { EventsWrittenOnce1796601600000 } from '../../src/core/database/migrations/1796601600000-EventsWrittenOnce';
import { addMonths, DEFAULT_PARTITION, monthStart, partitionName } from '../../src/events/storage/event-partitions';
import { EventProcessingService } from '../../src/webhooks/processing/event-processing.service';
import { databaseMigratedTo } from '../utils/test-database';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * EventsWrittenOnce on a database of the shape before it: processing columns on email_events, the dedupe key as hex
 * text, one table. Its rows must come out as the written-once design stores them (docs/storage.md), and down() must
 * give the old shape back.
 */
describe('migration EventsWrittenOnce (PostgreSQL)', () => {
  let ds: DataSource;
  let drop: () => Promise<void>;
  const migration = new EventsWrittenOnce1796601600000();
  const recentMonth = addMonths(monthStart(new Date()), -5);
  const recent = new Date(recentMonth.getTime() + 2 * 86_400_000 + 3_723_000);
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    ({ dataSource: ds, drop } = await databaseMigratedTo(FailedEventsIndex1796425200000));
    const insert = async (name: string, columns: Record<string, unknown>) => {
      const names = Object.keys(columns);
      const [{ id }] = await ds.query(
        `INSERT INTO email_events (${names.join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id::text AS id`,
        Object.values(columns),
      );
      ids[name] = id;
    };
    const base = { received_at: new Date(), format: 'json' };
    await insert('processed', {
      ...base,
      dedupe_key: sha256('processed'),
      raw: JSON.stringify({
        Type: 'Delivered',
        Address: 'Jane@Example.com',
        MessageId: 'm-processed',
        DateTime: recent.toISOString(),
      }),
      type: 'Delivered',
      state: 'processed',
      processed_at: new Date(),
      known_type: true,
      occurred_at: recent,
      address: 'jane@example.com',
      message_id: 'm-processed',
      server_id: 16332,
      tags: ['a', 'b'],
      meta: JSON.stringify([{ key: 'k', value: 'v' }]),
      processed_txid: '12345',
    });
    // Pending: raw and the type as sent only; its dedupe key from a much older receiver, not hex.
    await insert('pending', {
      ...base,
      dedupe_key: 'legacy-not-hex',
      raw: JSON.stringify({
        Type: 'delivered',
        Address: 'Pending@Example.com',
        MessageId: 'm-pending',
        DateTime: recent.toISOString(),
      }),
      type: 'delivered',
    });
    await insert('failed', {
      ...base,
      dedupe_key: sha256('failed'),
      raw: JSON.stringify({ Type: 'Failed', Address: 'x@example.com', DateTime: '2019-03-04T05:06:07Z' }),
      type: ' failed ',
      state: 'failed',
      attempts: 5,
      last_error: 'boom',
      occurred_at: new Date('2019-03-04T05:06:07Z'),
    });
    await insert('unknown', {
      ...base,
      dedupe_key: sha256('unknown'),
      raw: JSON.stringify({ Type: 'Bounced' }),
      type: 'Bounced',
      state: 'processed',
      processed_at: new Date(),
      known_type: false,
      processed_txid: '12346',
    });
  });

  afterAll(async () => {
    await drop?.();
  });

  async function run(step: 'up' | 'down'): Promise<void> {
    const runner = ds.createQueryRunner();
    try {
      await runner.startTransaction();
      await migration[step](runner);
      await runner.commitTransaction();
    } catch (err) {
      await runner.rollbackTransaction();
      throw err;
    } finally {
      await runner.release();
    }
  }

  it('copies the events into the partitioned table, the unfinished ones into the backlog, and counts them', async () => {
    await run('up');
    const rows = await ds.query(
      `SELECT id::text AS id, tableoid::regclass::text AS partition, encode(dedupe_key, 'hex') AS dedupe_key, type, known_type, txid::text AS txid,
              occurred_at::text AS occurred_at, address, message_id, server_id, tags, meta
       FROM email_events ORDER BY id`,
    );
    const byId = Object.fromEntries(rows.map((r: { id: string }) => [r.id, r]));
    expect(rows).toHaveLength(4);
    // Ids and the feed's positions are kept; typed columns as they were.
    expect(byId[ids.processed]).toMatchObject({
      partition: partitionName(recentMonth),
      dedupe_key: sha256('processed'),
      type: 'Delivered',
      known_type: true,
      txid: '12345',
      address: 'jane@example.com',
      message_id: 'm-processed',
      server_id: 16332,
      tags: ['a', 'b'],
      meta: [{ key: 'k', value: 'v' }],
    });
    // Pending: undated until a worker normalizes it; its text key hashed into 32 bytes; type canonical.
    expect(byId[ids.pending]).toMatchObject({
      partition: DEFAULT_PARTITION,
      occurred_at: '-infinity',
      dedupe_key: sha256('legacy-not-hex'),
      type: 'Delivered',
      known_type: null,
      txid: null,
    });
    // Older than the partitions made (three years back): the default partition.
    expect(byId[ids.failed]).toMatchObject({
      partition: DEFAULT_PARTITION,
      occurred_at: '2019-03-04 05:06:07+00',
      type: 'Failed',
      known_type: null,
      txid: null,
    });
    expect(byId[ids.unknown]).toMatchObject({
      partition: DEFAULT_PARTITION,
      occurred_at: '-infinity',
      type: 'bounced',
      known_type: false,
      txid: '12346',
    });

    expect(
      await ds.query(
        `SELECT event_id::text AS id, state, attempts, last_error, normalize, occurred_at::text AS at FROM event_backlog ORDER BY event_id`,
      ),
    ).toEqual([
      { id: ids.pending, state: 'pending', attempts: 0, last_error: null, normalize: true, at: '-infinity' },
      {
        id: ids.failed,
        state: 'failed',
        attempts: 5,
        last_error: 'boom',
        normalize: true,
        at: '2019-03-04 05:06:07+00',
      },
    ]);

    const counts = await ds.query(
      `SELECT type, tracking_type, state, n::int AS n FROM event_counts ORDER BY type, state`,
    );
    expect(counts).toEqual([
      { type: 'delivered', tracking_type: '', state: 'pending', n: 1 },
      { type: 'delivered', tracking_type: '', state: 'processed', n: 1 },
      { type: 'failed', tracking_type: '', state: 'failed', n: 1 },
      { type: 'unknown', tracking_type: '', state: 'processed', n: 1 },
    ]);

    // The months around now have their partitions too, and the old table is gone.
    const tables: string[] = (
      await ds.query(
        `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'email_events'::regclass`,
      )
    ).map((r: { relname: string }) => r.relname);
    expect(tables).toEqual(
      expect.arrayContaining([
        DEFAULT_PARTITION,
        partitionName(monthStart(new Date())),
        partitionName(addMonths(monthStart(new Date()), 2)),
      ]),
    );
    expect(await ds.query(`SELECT to_regclass('email_events_unpartitioned') AS t`)).toEqual([{ t: null }]);
    const indexes = (await ds.query(`SELECT indexname FROM pg_indexes WHERE tablename = 'messages'`)).map(
      (r: { indexname: string }) => r.indexname,
    );
    expect(indexes).toEqual(
      expect.arrayContaining([
        'messages_last_event_at_idx',
        'messages_status_idx',
        'messages_status_at_idx',
        'messages_first_event_at_idx',
      ]),
    );
  });

  it('goes back down to the old shape, and up again', async () => {
    await run('down');
    const rows = await ds.query(
      `SELECT id::text AS id, dedupe_key, type, state, attempts, last_error, processed_at IS NOT NULL AS done, known_type, occurred_at, processed_txid::text AS txid
       FROM email_events ORDER BY id`,
    );
    const byId = Object.fromEntries(rows.map((r: { id: string }) => [r.id, r]));
    expect(byId[ids.processed]).toMatchObject({
      dedupe_key: sha256('processed'),
      type: 'Delivered',
      state: 'processed',
      attempts: 0,
      done: true,
      known_type: true,
      txid: '12345',
    });
    expect(byId[ids.processed].occurred_at.toISOString()).toBe(recent.toISOString());
    expect(byId[ids.pending]).toMatchObject({
      dedupe_key: sha256('legacy-not-hex'),
      state: 'pending',
      done: false,
      occurred_at: null,
      txid: null,
    });
    expect(byId[ids.failed]).toMatchObject({ state: 'failed', attempts: 5, last_error: 'boom', done: false });
    expect(byId[ids.unknown]).toMatchObject({
      type: 'bounced',
      state: 'processed',
      known_type: false,
      occurred_at: null,
      txid: '12346',
    });
    for (const table of ['event_backlog', 'event_counts', 'event_count_deltas', 'email_events_default']) {
      expect(await ds.query(`SELECT to_regclass($1) AS t`, [table])).toEqual([{ t: null }]);
    }

    await run('up');
    expect(await ds.query(`SELECT count(*)::int AS n FROM email_events`)).toEqual([{ n: 4 }]);
    expect(await ds.query(`SELECT event_id::text AS id, state FROM event_backlog ORDER BY event_id`)).toEqual([
      { id: ids.pending, state: 'pending' },
      { id: ids.failed, state: 'failed' },
    ]);
  });

  it('leaves rows the new code processes: the pending event is normalized into its month, new ids follow the old ones', async () => {
    await expect(new EventProcessingService(ds).processBatch([ids.pending])).resolves.toMatchObject({ processed: 1 });
    const [row] = await ds.query(
      `SELECT tableoid::regclass::text AS partition, address, message_id, known_type, txid FROM email_events WHERE id = $1`,
      [ids.pending],
    );
    expect(row).toMatchObject({
      partition: partitionName(recentMonth),
      address: 'pending@example.com',
      message_id: 'm-pending',
      known_type: true,
    });
    expect(row.txid).not.toBeNull();
    expect(await ds.query(`SELECT 1 FROM event_backlog WHERE event_id = $1`, [ids.pending])).toEqual([]);
    // The counters moved with it: still one event per count, none pending.
    const [{ pending }] = await ds.query(
      `SELECT coalesce(sum(n), 0)::int AS pending FROM (SELECT state, n FROM event_counts UNION ALL SELECT state, n FROM event_count_deltas) c WHERE state = 'pending'`,
    );
    expect(pending).toBe(0);

    const [{ id }] = await ds.query(
      `INSERT INTO email_events (received_at, dedupe_key, format, raw, occurred_at) VALUES (now(), sha256('new'), 'json', '{}', '-infinity') RETURNING id::text AS id`,
    );
    expect(BigInt(id)).toBeGreaterThan(BigInt(Math.max(...Object.values(ids).map(Number))));
  });
});
