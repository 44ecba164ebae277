import { AppConfig } from '../../src/core/config/app-config';
import { EventsService } from '../../src/events/events.service';
import {
  addMonths,
  DEFAULT_PARTITION,
  ensureEventPartitions,
  monthPartitions,
  monthStart,
  partitionName,
  Query,
} from '../../src/events/storage/event-partitions';
import { STORAGE_LOCK, StorageMaintenanceService } from '../../src/events/storage/storage-maintenance.service';
import { EventProcessingService } from '../../src/webhooks/processing/event-processing.service';
import { WebhookReceiver } from '../../src/webhooks/receiver/webhook-receiver.service';
import { deliveredEvent, failedEvent, withSecret } from '../fixtures/socketlabs-events';
import { createTestApp, TEST_ADMIN_KEY, TestApp } from '../utils/test-app';

const SECRET = 'partitions-secret-3Rw8';

/** email_events by month (docs/storage.md): where events land, new months, and retention. */
describe('event partitions (PostgreSQL)', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    // ROLE=api: nothing processes behind the test's back; it processes when it wants to (EventProcessingService).
    t = await createTestApp({ ROLE: 'api', WEBHOOK_SECRET_KEY: SECRET });
    receiver = t.app.get(WebhookReceiver);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Posts events to the receiver (the environment's endpoint), as the transport does; the answer's counts. */
  async function receive(events: Record<string, unknown>[]): Promise<{ stored: number; duplicates: number }> {
    const answer = await receiver.receive(
      await receiver.endpoint(null),
      'json',
      Buffer.from(JSON.stringify(events.map((e) => withSecret(e, SECRET)))),
      {
        endpointId: null,
        requestId: 'partitions',
        ip: '127.0.0.1',
      },
    );
    return JSON.parse(answer.body);
  }

  /** The partition holding each event with this MessageId, and its occurred_at as stored. */
  async function where(messageId: string): Promise<{ partition: string; at: string }[]> {
    return t.dataSource.query(
      `SELECT tableoid::regclass::text AS partition, occurred_at::text AS at FROM email_events WHERE message_id = $1 ORDER BY id`,
      [messageId],
    );
  }

  /** A query callback on one connection, as the partition functions need it (they run BEGIN and COMMIT). */
  async function withConnection<T>(fn: (query: Query) => Promise<T>): Promise<T> {
    const runner = t.dataSource.createQueryRunner();
    await runner.connect();
    try {
      return await fn((sql, params) => runner.query(sql, params));
    } finally {
      await runner.release();
    }
  }

  const iso = (d: Date) => d.toISOString();

  it('stores an event in the partition of its month; one dated 1999 or undated in the default partition; a retry of each once', async () => {
    const now = new Date();
    const thisMonth = withSecret(deliveredEvent({ MessageId: 'part-now', DateTime: iso(now) }), SECRET);
    const old = deliveredEvent({ MessageId: 'part-1999', DateTime: '1999-12-31T23:59:59Z' });
    const undated = deliveredEvent({ MessageId: 'part-undated', DateTime: undefined });
    expect(await receive([thisMonth, old, undated])).toMatchObject({ stored: 3, duplicates: 0 });

    expect(await where('part-now')).toEqual([{ partition: partitionName(monthStart(now)), at: expect.any(String) }]);
    expect(await where('part-1999')).toEqual([{ partition: DEFAULT_PARTITION, at: '1999-12-31 23:59:59+00' }]);
    expect(await where('part-undated')).toEqual([{ partition: DEFAULT_PARTITION, at: '-infinity' }]);

    // SocketLabs retries: the dedupe key is unique with occurred_at, and a retry has the same date, so the same
    // partition: acknowledged, not stored again.
    expect(await receive([undated, old, thisMonth])).toEqual({ received: 3, stored: 0, duplicates: 3, validations: 0 });
    for (const id of ['part-now', 'part-1999', 'part-undated']) expect(await where(id)).toHaveLength(1);

    // Read back by id through the API's service, whatever the partition; the undated one has occurredAt null.
    const events = t.app.get(EventsService);
    const [{ id: undatedId }] = await t.dataSource.query(
      `SELECT id::text AS id FROM email_events WHERE message_id = 'part-undated'`,
    );
    expect(await events.get(undatedId)).toMatchObject({ id: undatedId, occurredAt: null, messageId: 'part-undated' });
  });

  it('ensureEventPartitions creates the missing months around a date, moving their rows out of the default partition', async () => {
    // Events of a month far ahead: no partition for it yet, so they wait in the default partition.
    const ahead = addMonths(monthStart(new Date()), 40);
    const within = new Date(ahead.getTime() + 9 * 86_400_000 + 3_600_000);
    expect(
      await receive([
        deliveredEvent({ MessageId: 'part-ahead', DateTime: iso(within) }),
        failedEvent({ MessageId: 'part-ahead', DateTime: iso(ahead) }),
      ]),
    ).toMatchObject({
      stored: 2,
    });
    expect((await where('part-ahead')).map((r) => r.partition)).toEqual([DEFAULT_PARTITION, DEFAULT_PARTITION]);
    const ids: string[] = (
      await t.dataSource.query(`SELECT id::text AS id FROM email_events WHERE message_id = 'part-ahead' ORDER BY id`)
    ).map((r: { id: string }) => r.id);

    const created = await withConnection((query) => ensureEventPartitions(query, within));
    // The month before, the month, and two after (the months before that, back to now, are left alone).
    expect(created).toEqual([-1, 0, 1, 2].map((n) => partitionName(addMonths(ahead, n))));
    expect((await where('part-ahead')).map((r) => r.partition)).toEqual([partitionName(ahead), partitionName(ahead)]);
    const [{ n: left }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM ${DEFAULT_PARTITION} WHERE message_id = 'part-ahead'`,
    );
    expect(left).toBe(0);
    const names = (await withConnection(monthPartitions)).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(created));

    // The moved rows are still themselves: their backlog rows reach them, and processing finds them.
    await expect(new EventProcessingService(t.dataSource).processBatch(ids)).resolves.toMatchObject({ processed: 2 });
    // Again: nothing to create.
    expect(await withConnection((query) => ensureEventPartitions(query, within))).toEqual([]);
  });

  describe('retention (StorageMaintenanceService)', () => {
    const DAYS = 40;
    let maintenance: StorageMaintenanceService;
    const now = new Date();
    // Whole months go: everything before the month that holds (now - DAYS).
    const keepFrom = monthStart(new Date(now.getTime() - DAYS * 86_400_000));
    const oldMonth = addMonths(keepFrom, -2);
    const old = new Date(oldMonth.getTime() + 5 * 86_400_000);
    const recent = new Date(now.getTime() - 3_600_000);

    beforeAll(async () => {
      maintenance = new StorageMaintenanceService(
        t.dataSource,
        AppConfig.fromEnvironment({ ...envOf(t), EVENT_RETENTION_DAYS: String(DAYS) }),
      );
      // Partitions for the old months too, as the migration makes them for the months of existing events (the
      // maintenance itself never makes a month older than the oldest there is).
      const have = new Set((await withConnection(monthPartitions)).map((p) => p.name));
      for (let m = oldMonth; m < monthStart(now); m = addMonths(m, 1)) {
        if (have.has(partitionName(m))) continue;
        await t.dataSource.query(
          `CREATE TABLE "${partitionName(m)}" PARTITION OF email_events FOR VALUES FROM ('${iso(m)}') TO ('${iso(addMonths(m, 1))}')`,
        );
      }
    });

    it('without EVENT_RETENTION_DAYS, drops nothing', async () => {
      const keepAll = new StorageMaintenanceService(t.dataSource, AppConfig.fromEnvironment(envOf(t)));
      const before = (await withConnection(monthPartitions)).map((p) => p.name);
      const outcome = await keepAll.maintain(now);
      expect(outcome).toMatchObject({ ran: true, dropped: [], messagesDeleted: 0 });
      expect((await withConnection(monthPartitions)).map((p) => p.name)).toEqual(expect.arrayContaining(before));
    });

    it('drops the months past the retention, their backlog rows, counters and messages, and keeps recent and undated events and every suppression', async () => {
      await receive([
        deliveredEvent({ MessageId: 'ret-old', Address: 'old@example.com', DateTime: iso(old) }),
        failedEvent({ MessageId: 'ret-old-bounce', Address: 'old-bounce@example.com', DateTime: iso(old) }),
        deliveredEvent({ MessageId: 'ret-old-pending', Address: 'old@example.com', DateTime: iso(old) }),
        deliveredEvent({ MessageId: 'ret-1999', Address: 'ancient@example.com', DateTime: '1999-01-01T00:00:00Z' }),
        deliveredEvent({ MessageId: 'ret-recent', Address: 'recent@example.com', DateTime: iso(recent) }),
        deliveredEvent({ MessageId: 'ret-undated', Address: 'undated@example.com', DateTime: undefined }),
      ]);
      const idOf = async (messageId: string) =>
        (await t.dataSource.query(`SELECT id::text AS id FROM email_events WHERE message_id = $1`, [messageId]))[0]
          ?.id as string | undefined;
      const all = await t.dataSource.query(`SELECT id::text AS id FROM email_events WHERE message_id LIKE 'ret-%'`);
      const pendingOld = (await idOf('ret-old-pending'))!;
      // Processed (messages, a suppression), all but one old event, which stays in the backlog.
      await new EventProcessingService(t.dataSource).processBatch(
        all.map((r: { id: string }) => r.id).filter((id: string) => id !== pendingOld),
      );
      expect((await where('ret-old'))[0].partition).toBe(partitionName(oldMonth));
      expect(
        await t.dataSource.query(`SELECT message_id FROM messages WHERE message_id LIKE 'ret-%' ORDER BY 1`),
      ).toHaveLength(5);
      expect(
        await t.dataSource.query(`SELECT reason FROM suppressions WHERE address = 'old-bounce@example.com'`),
      ).toEqual([{ reason: 'permanent_failure' }]);

      const outcome = await maintenance.maintain(now);
      expect(outcome.ran).toBe(true);
      expect(outcome.dropped).toContain(partitionName(oldMonth));
      expect(outcome.dropped).not.toContain(partitionName(keepFrom));
      expect(outcome.messagesDeleted).toBeGreaterThanOrEqual(3);
      const remaining = (await withConnection(monthPartitions)).map((p) => p.name);
      expect(remaining).not.toContain(partitionName(oldMonth));
      expect(remaining).toEqual(expect.arrayContaining([partitionName(keepFrom), partitionName(monthStart(now))]));

      // Events: the old months and the default partition's old rows are gone; recent and undated ones stay.
      for (const gone of ['ret-old', 'ret-old-bounce', 'ret-old-pending', 'ret-1999'])
        expect(await idOf(gone)).toBeUndefined();
      for (const kept of ['ret-recent', 'ret-undated']) expect(await idOf(kept)).toBeDefined();
      // What referred to them: the old pending event's backlog row, the counters of those hours.
      expect(await t.dataSource.query(`SELECT 1 FROM event_backlog WHERE event_id = $1`, [pendingOld])).toEqual([]);
      const [{ n: oldCounters }] = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM (SELECT hour FROM event_counts UNION ALL SELECT hour FROM event_count_deltas) c WHERE hour > '-infinity' AND hour < $1`,
        [keepFrom],
      );
      expect(oldCounters).toBe(0);
      // The statistics still add up to the events there are.
      const stats = await t.app.get(EventsService).stats({});
      const [{ n: events }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM email_events`);
      expect(stats.total).toBe(events);
      // Messages whose last event is that old go; the recent ones stay. Suppressions are a policy: kept.
      expect(
        (await t.dataSource.query(`SELECT message_id FROM messages WHERE message_id LIKE 'ret-%' ORDER BY 1`)).map(
          (r: { message_id: string }) => r.message_id,
        ),
      ).toEqual(['ret-recent', 'ret-undated']);
      expect(
        await t.dataSource.query(`SELECT reason FROM suppressions WHERE address = 'old-bounce@example.com'`),
      ).toEqual([{ reason: 'permanent_failure' }]);

      // Nothing more to drop the next hour, and the dropped months are not made again.
      expect(await maintenance.maintain(now)).toMatchObject({
        ran: true,
        created: [],
        dropped: [],
        messagesDeleted: 0,
      });
      expect((await withConnection(monthPartitions)).map((p) => p.name)).not.toContain(partitionName(oldMonth));
    });

    it('skips while another run holds its lock', async () => {
      const runner = t.dataSource.createQueryRunner();
      await runner.connect();
      try {
        await runner.query('SELECT pg_advisory_lock($1::int4, $2::int4)', STORAGE_LOCK);
        expect(await maintenance.maintain(now)).toMatchObject({ ran: false, created: [], dropped: [] });
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1::int4, $2::int4)', STORAGE_LOCK);
        await runner.release();
      }
      expect((await maintenance.maintain(now)).ran).toBe(true);
    });
  });
});

/** The environment the test app was built from, as AppConfig needs it. */
function envOf(t: TestApp): Record<string, string> {
  return {
    DATABASE_URL: t.config.database.url,
    REDIS_URL: t.config.redis.url,
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    NODE_ENV: 'test',
  };
}
