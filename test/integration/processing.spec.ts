import { EventsProcessor } from '../../src/webhooks/processing/events.processor';
import { Client } from 'pg';
import { lockKey, MAX_EVENT_ATTEMPTS, MESSAGE_LOCK_CLASS } from '../../src/webhooks/processing/event-processing.service';
import { RECORD_FAILURES, SELECT_PENDING_FOR_UPDATE, UPDATE_TYPED_COLUMNS } from '../../src/webhooks/processing/processing.sql';
import {
  complaintEvent,
  deliveredEvent,
  EVENT_FIXTURES,
  failedEvent,
  legacyFormComplaint,
  legacyFormDelivered,
  legacyFormFailed,
  queuedEvent,
  toFormFields,
  trackingClickEvent,
  trackingOpenEvent,
  trackingUnsubscribeEvent,
} from '../fixtures/socketlabs-events';
import { createTestApp, TestApp, waitFor } from '../utils/test-app';
import {
  deliver,
  derivedPart,
  enqueue,
  fakeJob,
  insertEvent,
  insertEvents,
  messageRow,
  states,
  suppressionRow,
  unique,
  waitProcessed,
} from './processing-helpers';

describe('event processing (PostgreSQL + Redis, the worker of a ROLE=all app)', () => {
  let t: TestApp;
  let processor: EventsProcessor;

  beforeAll(async () => {
    t = await createTestApp();
    processor = t.app.get(EventsProcessor);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('typed columns', () => {
    it('fills the typed columns of every event type, in JSON and in form encoding, and marks them processed', async () => {
      const json = Object.entries(EVENT_FIXTURES).map(([name, make]) => ({ name, format: 'json' as const, event: make({ MessageId: unique('typed') }) }));
      const form = Object.entries(EVENT_FIXTURES).map(([name, make]) => ({
        name: `${name} (form)`,
        format: 'form' as const,
        event: toFormFields(make({ MessageId: unique('typed-form') })) as Record<string, unknown>,
      }));
      const all = [...json, ...form];
      const ids: string[] = [];
      for (const c of all) ids.push(await insertEvent(t.dataSource, c.event, { format: c.format }));
      await enqueue(t.app, ids);
      await waitProcessed(t.dataSource, ids);

      const rows: any[] = await t.dataSource.query(`SELECT * FROM email_events WHERE id = ANY($1::bigint[]) ORDER BY id`, [ids]);
      for (const row of rows) {
        expect(row).toMatchObject({ state: 'processed', known_type: true, address: 'jane.doe@example.com', server_id: 16332, attempts: 0, last_error: null });
        expect(row.processed_at).toBeInstanceOf(Date);
        expect(row.occurred_at).toBeInstanceOf(Date);
      }
      const byName = Object.fromEntries(all.map((c, i) => [c.name, rows[i]]));
      expect(byName.Queued).toMatchObject({ subject: 'Your order 7731 is confirmed', message_size: 18234, tags: ['Sample Tag', 'Sample Message'] });
      expect(byName.Queued.meta).toContainEqual({ key: 'x-customer-id', value: 'C-1042' });
      expect(byName.Queued.occurred_at.toISOString()).toBe('2023-06-12T10:04:56.369Z');
      expect(byName.Deferred).toMatchObject({ deferral_code: 3003, ip_pool_id: 12 });
      expect(byName.Delivered).toMatchObject({ local_ip: '10.50.176.1', remote_mta: 'mx1.example.com' });
      expect(byName.Delivered.response).toMatch(/\r\n$/);
      expect(byName.Failed).toMatchObject({ failure_type: 'Permanent', failure_code: 2001, bounce_status: '5.1.1' });
      expect(byName['Failed (form)']).toMatchObject({ failure_type: 'Permanent', failure_code: 2001, meta: null });
      expect(byName['Failed (form)'].occurred_at.toISOString()).toBe('2023-06-12T10:09:31.000Z');
      expect(byName['Tracking open']).toMatchObject({ tracking_type: 'Open', client_ip: '203.0.113.45' });
      expect(byName['Tracking click (form)']).toMatchObject({ tracking_type: 'Click', tag: 'Header' });
      expect(byName['Tracking unsubscribe']).toMatchObject({ tracking_type: 'Unsubscribe' });
      expect(byName.Complaint).toMatchObject({ fbl_type: 'abuse', fbl_from: 'feedback@yahoo.example', fbl_to: 'fbl@email-od.com', length: 495, extra: null });
      expect(byName['Complaint (form)']).toMatchObject({ fbl_from: 'feedback@yahoo.example', length: 495 });
    });

    it('reads the 2013 form spellings (RemoteMTA, User-Agent) and keeps microseconds of the 7-digit dates', async () => {
      const ids = await deliver(t.app, t.dataSource, [
        legacyFormFailed({ MessageId: unique('legacy') }),
        legacyFormComplaint({ MessageId: unique('legacy') }),
        legacyFormDelivered({ MessageId: unique('legacy') }),
        deliveredEvent({ MessageId: unique('micro'), DateTime: '2023-06-12T10:09:31.8139901Z' }),
      ]);
      const rows: any[] = await t.dataSource.query(
        `SELECT remote_mta, user_agent, failure_type, occurred_at::text AS at, extra FROM email_events WHERE id = ANY($1::bigint[]) ORDER BY id`,
        [ids],
      );
      expect(rows[0]).toMatchObject({ remote_mta: 'mx1.example.com', failure_type: 'Permanent', extra: null });
      expect(rows[1]).toMatchObject({ user_agent: 'Yahoo!-Mail-Feedback/1.0', extra: null });
      expect(rows[2]).toMatchObject({ remote_mta: 'mx1.example.com' });
      expect(rows[3].at).toBe('2023-06-12 10:09:31.81399+00');
    });

    it('keeps an unknown type, undocumented fields and unreadable values visible, and makes no message of them', async () => {
      const messageId = unique('unknown');
      const [id] = await deliver(t.app, t.dataSource, [
        { Type: 'Bounced', DateTime: 'not a date', Address: 'x@example.com', MessageId: messageId, ServerId: 'abc', Brand: 'new' },
      ]);
      const [row] = await t.dataSource.query(`SELECT * FROM email_events WHERE id = $1`, [id]);
      expect(row).toMatchObject({ state: 'processed', known_type: false, type: 'Bounced', occurred_at: null, server_id: null });
      expect(row.extra).toEqual({ DateTime: 'not a date', ServerId: 'abc', Brand: 'new' });
      expect(await messageRow(t.dataSource, messageId, 'x@example.com')).toBeUndefined();
    });

    it('reads the JSON of typed columns once per batch, not once per row (a plan quadratic in the batch size)', async () => {
      const messageId = unique('plan');
      const ids = await insertEvents(
        t.dataSource,
        Array.from({ length: 200 }, (_, i) => deliveredEvent({ MessageId: messageId, Address: `r${i}@example.com` })),
      );
      // Inside a transaction rolled back afterwards, as the worker runs it: the rows locked first.
      const qr = t.dataSource.createQueryRunner();
      const loops: number[] = [];
      try {
        await qr.startTransaction();
        // The planner picks a nested loop when its statistics promise one pending row (seen on a busy system, 40 ms
        // for 150 rows); forced here, so that the test does not depend on the statistics of the moment.
        await qr.query('SET LOCAL enable_hashjoin = off');
        await qr.query('SET LOCAL enable_mergejoin = off');
        const locked: { id: string }[] = await qr.query(SELECT_PENDING_FOR_UPDATE, [ids]);
        expect(locked).toHaveLength(200);
        const json = JSON.stringify(locked.map((r, i) => ({ id: r.id, address: `r${i}@example.com`, message_id: messageId })));
        const [{ 'QUERY PLAN': plan }] = await qr.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${UPDATE_TYPED_COLUMNS}`, [json]);
        const walk = (node: { 'Node Type': string; 'Actual Loops': number; Plans?: unknown[] }) => {
          if (node['Node Type'] === 'Function Scan') loops.push(node['Actual Loops']);
          for (const child of node.Plans ?? []) walk(child as typeof node);
        };
        walk(plan[0].Plan);
      } finally {
        await qr.rollbackTransaction();
        await qr.release();
      }
      expect(loops).toEqual([1]);
      expect(Object.values(await states(t.dataSource, ids)).every((s) => s === 'pending')).toBe(true);
    });
  });

  describe('messages', () => {
    const life = (messageId: string, address: string) => [
      queuedEvent({ MessageId: messageId, Address: address }),
      deliveredEvent({ MessageId: messageId, Address: address }),
      failedEvent({ MessageId: messageId, Address: address, DateTime: '2023-06-14T07:00:00.0000000Z', FailureCode: 2004 }),
    ];

    it('Queued -> Delivered -> an asynchronous permanent bounce: failed', async () => {
      const id = unique('async-bounce');
      const [queued, delivered, failed] = life(id, 'Bounce.Me@Example.com');
      await deliver(t.app, t.dataSource, [queued]);
      expect(await messageRow(t.dataSource, id, 'bounce.me@example.com')).toMatchObject({ status: 'queued', event_count: 1 });
      await deliver(t.app, t.dataSource, [delivered]);
      expect(await messageRow(t.dataSource, id, 'bounce.me@example.com')).toMatchObject({ status: 'delivered' });
      await deliver(t.app, t.dataSource, [failed]);
      const row = await messageRow(t.dataSource, id, 'bounce.me@example.com');
      expect(row).toMatchObject({
        status: 'failed',
        failure_type: 'Permanent',
        failure_code: 2004,
        mailing_id: 'SLNL-0-9999999-9999999',
        server_id: 16332,
        subaccount_id: 16332,
        event_count: 3,
      });
      expect(row!.status_at.toISOString()).toBe('2023-06-14T07:00:00.000Z');
      expect(row!.failed_at.toISOString()).toBe('2023-06-14T07:00:00.000Z');
      expect(row!.delivered_at.toISOString()).toBe('2023-06-12T10:09:31.813Z');
      expect(row!.queued_at.toISOString()).toBe('2023-06-12T10:04:56.369Z');
      expect(row!.first_event_at.toISOString()).toBe('2023-06-12T10:04:56.369Z');
      expect(row!.last_event_at.toISOString()).toBe('2023-06-14T07:00:00.000Z');
    });

    it('the same events processed in reverse order give the identical row', async () => {
      const forward = unique('forward');
      const reverse = unique('reverse');
      for (const e of life(forward, 'order@example.com')) await deliver(t.app, t.dataSource, [e]);
      for (const e of life(reverse, 'order@example.com').reverse()) await deliver(t.app, t.dataSource, [e]);
      const a = await messageRow(t.dataSource, forward, 'order@example.com');
      const b = await messageRow(t.dataSource, reverse, 'order@example.com');
      expect(a!.status).toBe('failed');
      expect(derivedPart(b)).toEqual(derivedPart(a));
    });

    it('a complaint is not hidden by a later open', async () => {
      const id = unique('complaint-open');
      await deliver(t.app, t.dataSource, [deliveredEvent({ MessageId: id })]);
      await deliver(t.app, t.dataSource, [complaintEvent({ MessageId: id })]);
      await deliver(t.app, t.dataSource, [trackingOpenEvent({ MessageId: id, DateTime: '2023-06-20T00:00:00Z' })]);
      const row = await messageRow(t.dataSource, id, 'jane.doe@example.com');
      expect(row).toMatchObject({ status: 'complained', open_count: 1 });
      expect(row!.status_at.toISOString()).toBe('2023-06-13T08:00:41.228Z');
      expect(row!.first_opened_at.toISOString()).toBe('2023-06-20T00:00:00.000Z');
    });

    it('a permanent failure is not hidden by a later open or click', async () => {
      const id = unique('failed-open');
      await deliver(t.app, t.dataSource, [failedEvent({ MessageId: id })]);
      await deliver(t.app, t.dataSource, [trackingOpenEvent({ MessageId: id }), trackingClickEvent({ MessageId: id })]);
      expect(await messageRow(t.dataSource, id, 'jane.doe@example.com')).toMatchObject({ status: 'failed', open_count: 1, click_count: 1 });
    });

    it('an out-of-office Failed (5001) after Delivered stays delivered', async () => {
      const id = unique('ooo');
      await deliver(t.app, t.dataSource, [deliveredEvent({ MessageId: id })]);
      await deliver(t.app, t.dataSource, [
        failedEvent({ MessageId: id, FailureCode: 5001, FailureType: 'Temporary', DateTime: '2023-06-12T10:10:00Z', Reason: 'Out of office' }),
      ]);
      const row = await messageRow(t.dataSource, id, 'jane.doe@example.com');
      expect(row).toMatchObject({ status: 'delivered', failure_code: null, failed_at: null, event_count: 2 });
      expect(row!.status_at.toISOString()).toBe('2023-06-12T10:09:31.813Z');
    });

    it('an open without a Delivered implies delivered; Suppressed failures give suppressed; deferred before that', async () => {
      const opened = unique('open-only');
      await deliver(t.app, t.dataSource, [queuedEvent({ MessageId: opened }), trackingOpenEvent({ MessageId: opened })]);
      const row = await messageRow(t.dataSource, opened, 'jane.doe@example.com');
      expect(row).toMatchObject({ status: 'delivered', delivered_at: null, open_count: 1 });
      expect(row!.status_at.toISOString()).toBe('2023-06-12T11:15:02.441Z');

      const deferred = unique('deferred');
      await deliver(t.app, t.dataSource, [queuedEvent({ MessageId: deferred }), EVENT_FIXTURES.Deferred({ MessageId: deferred })]);
      expect(await messageRow(t.dataSource, deferred, 'jane.doe@example.com')).toMatchObject({ status: 'deferred' });

      const suppressed = unique('suppressed');
      await deliver(t.app, t.dataSource, [failedEvent({ MessageId: suppressed, FailureType: 2, FailureCode: 9999 })]);
      expect(await messageRow(t.dataSource, suppressed, 'jane.doe@example.com')).toMatchObject({ status: 'suppressed', failure_type: 'Suppressed' });
    });

    it("events without a MessageId make the message '' of their recipient; events without an address make none", async () => {
      const address = `${unique('no-id')}@example.com`;
      await deliver(t.app, t.dataSource, [
        { Type: 'Delivered', DateTime: '2023-06-12T10:00:00Z', Address: address },
        { Type: 'Tracking', TrackingType: 1, DateTime: '2023-06-12T11:00:00Z', Address: address, MessageId: '' },
        { Type: 'Delivered', DateTime: '2023-06-12T10:00:00Z', Address: '', MessageId: 'no-address' },
      ]);
      expect(await messageRow(t.dataSource, '', address)).toMatchObject({ status: 'delivered', event_count: 2, open_count: 1 });
      const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM messages WHERE message_id = 'no-address'`);
      expect(n).toBe(0);
    });

    it('events of one message processed by concurrent jobs: none is missed', async () => {
      const id = unique('concurrent');
      const events = [
        queuedEvent({ MessageId: id }),
        deliveredEvent({ MessageId: id }),
        ...Array.from({ length: 18 }, (_, i) => trackingOpenEvent({ MessageId: id, DateTime: `2023-06-12T12:00:${String(i).padStart(2, '0')}Z` })),
      ];
      const ids = await insertEvents(t.dataSource, events);
      // Ten jobs of two events, all at once: the worker runs several of them in parallel.
      await Promise.all(Array.from({ length: 10 }, (_, i) => enqueue(t.app, ids.slice(i * 2, i * 2 + 2))));
      await waitProcessed(t.dataSource, ids);
      expect(await messageRow(t.dataSource, id, 'jane.doe@example.com')).toMatchObject({ status: 'delivered', event_count: 20, open_count: 18 });
    });

    it('batches touching the same message wait for its advisory lock, so neither misses the other', async () => {
      const id = unique('locked');
      const [delivered, failed] = await insertEvents(
        t.dataSource,
        [deliveredEvent({ MessageId: id }), failedEvent({ MessageId: id, DateTime: '2023-06-15T00:00:00Z' })],
        { receivedInSeconds: 3600 },
      );
      const holder = new Client({ connectionString: t.config.database.url });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT pg_advisory_xact_lock($1::int4, $2::int4)', [MESSAGE_LOCK_CLASS, lockKey(id, 'jane.doe@example.com')]);
        const a = processor.process(fakeJob([delivered]));
        const b = processor.process(fakeJob([failed]));
        await waitFor(
          async () => {
            const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM pg_locks
               WHERE locktype = 'advisory' AND NOT granted AND classid::bigint = $1
                 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
              [MESSAGE_LOCK_CLASS],
            );
            return n === 2;
          },
          10000,
          'both batches waiting for the message lock',
        );
        expect(await messageRow(t.dataSource, id, 'jane.doe@example.com')).toBeUndefined();
        await holder.query('COMMIT');
        await Promise.all([a, b]);
      } finally {
        await holder.end();
      }
      expect(await messageRow(t.dataSource, id, 'jane.doe@example.com')).toMatchObject({ status: 'failed', event_count: 2 });
    });
  });

  describe('suppressions', () => {
    it('keeps the highest-ranking reason and its earliest event, whatever the order', async () => {
      const make = (address: string) => [
        trackingUnsubscribeEvent({ Address: address, MessageId: 'a', DateTime: '2023-01-01T00:00:00Z' }),
        failedEvent({ Address: address, MessageId: 'b', DateTime: '2023-01-02T00:00:00Z' }),
        complaintEvent({ Address: address, MessageId: 'c', DateTime: '2023-01-04T00:00:00Z' }),
        complaintEvent({ Address: address, MessageId: 'd', DateTime: '2023-01-03T00:00:00Z' }),
      ];
      const forward = `${unique('sup-f')}@example.com`;
      const backward = `${unique('sup-b')}@example.com`;
      for (const e of make(forward)) await deliver(t.app, t.dataSource, [e]);
      for (const e of make(backward).reverse()) await deliver(t.app, t.dataSource, [e]);
      const a = await suppressionRow(t.dataSource, forward);
      const b = await suppressionRow(t.dataSource, backward);
      expect(a).toMatchObject({ reason: 'complaint', message_id: 'd' });
      expect(a!.occurred_at.toISOString()).toBe('2023-01-03T00:00:00.000Z');
      expect(b).toMatchObject({ reason: 'complaint', message_id: 'd' });
      const [ev] = await t.dataSource.query(`SELECT message_id FROM email_events WHERE id = $1`, [a!.event_id]);
      expect(ev.message_id).toBe('d');
    });

    it('each reason on its own, in one batch; temporary and informational failures suppress nothing', async () => {
      const unsub = `${unique('unsub')}@example.com`;
      const perm = `${unique('perm')}@example.com`;
      const temp = `${unique('temp')}@example.com`;
      const ooo = `${unique('ooo')}@example.com`;
      await deliver(t.app, t.dataSource, [
        trackingUnsubscribeEvent({ Address: unsub }),
        failedEvent({ Address: perm, FailureCode: '2001', FailureType: '1' }),
        failedEvent({ Address: perm, FailureCode: 2002, DateTime: '2023-06-12T11:00:00Z' }),
        failedEvent({ Address: temp, FailureType: 'Temporary', FailureCode: 4003 }),
        failedEvent({ Address: ooo, FailureType: 'Permanent', FailureCode: 5001 }),
      ]);
      expect(await suppressionRow(t.dataSource, unsub)).toMatchObject({ reason: 'unsubscribe' });
      expect(await suppressionRow(t.dataSource, perm)).toMatchObject({ reason: 'permanent_failure', failure_code: 2001 });
      expect(await suppressionRow(t.dataSource, temp)).toBeUndefined();
      expect(await suppressionRow(t.dataSource, ooo)).toBeUndefined();
    });
  });

  describe('idempotency', () => {
    it('running the same job twice changes nothing, and so does reprocessing an event', async () => {
      const id = unique('twice');
      const address = `${unique('twice')}@example.com`;
      const ids = await deliver(t.app, t.dataSource, [deliveredEvent({ MessageId: id, Address: address }), complaintEvent({ MessageId: id, Address: address })]);
      const snapshot = async () => ({
        events: await t.dataSource.query(`SELECT * FROM email_events WHERE id = ANY($1::bigint[]) ORDER BY id`, [ids]),
        message: await messageRow(t.dataSource, id, address),
        suppression: await suppressionRow(t.dataSource, address),
      });
      const before = await snapshot();

      await expect(processor.process(fakeJob(ids))).resolves.toMatchObject({ processed: 0, skipped: 2 });
      expect(await snapshot()).toEqual(before);

      // Normalized again from raw (a replay): the event row is rewritten, the derived rows do not move at all.
      await t.dataSource.query(`UPDATE email_events SET state = 'pending' WHERE id = ANY($1::bigint[])`, [ids]);
      await expect(processor.process(fakeJob(ids))).resolves.toMatchObject({ processed: 2 });
      const after = await snapshot();
      expect(after.message).toEqual(before.message);
      expect(after.suppression).toEqual(before.suppression);
    });
  });

  describe('failures', () => {
    beforeAll(async () => {
      // A row PostgreSQL refuses to mark processed: the database, not the normalizer, fails on it.
      await t.dataSource.query(`
        CREATE FUNCTION test_poison() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.dedupe_key LIKE 'poison-%' AND NEW.state = 'processed' THEN RAISE EXCEPTION 'poisoned row %', NEW.id; END IF;
          RETURN NEW;
        END $$`);
      await t.dataSource.query(`CREATE TRIGGER test_poison BEFORE UPDATE ON email_events FOR EACH ROW EXECUTE FUNCTION test_poison()`);
    });

    it('records a failure through the id of its row, whatever the backlog of pending rows around it', async () => {
      // Statistics taken while nothing was pending, then a backlog (as after a Redis outage): the planner then
      // expects one pending row, and once scanned every pending row to find the one that failed.
      const prefix = unique('backlog');
      await t.dataSource.query(
        `INSERT INTO email_events (received_at, dedupe_key, format, raw, type, state)
         SELECT now(), $1 || '-done-' || i, 'json', '{}', 'Delivered', 'processed' FROM generate_series(1, 20000) AS i`,
        [prefix],
      );
      await t.dataSource.query('ANALYZE email_events');
      // Received "in the future" so that the sweeper leaves them alone.
      const [{ id }] = await t.dataSource.query(
        `INSERT INTO email_events (received_at, dedupe_key, format, raw, type)
         SELECT now() + interval '1 hour', $1 || '-pending-' || i, 'json', '{}', 'Delivered' FROM generate_series(1, 3000) AS i
         RETURNING id::text AS id`,
        [prefix],
      );
      const qr = t.dataSource.createQueryRunner();
      let read = 0;
      try {
        await qr.startTransaction();
        const [{ 'QUERY PLAN': plan }] = await qr.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${RECORD_FAILURES}`, [[id], ['boom'], MAX_EVENT_ATTEMPTS]);
        const walk = (node: Record<string, any>) => {
          if (node['Relation Name'] === 'email_events' && node['Node Type'] !== 'ModifyTable') {
            read += node['Actual Rows'] * node['Actual Loops'] + (node['Rows Removed by Filter'] ?? 0);
          }
          read += node['Rows Removed by Join Filter'] ?? 0;
          for (const child of node.Plans ?? []) walk(child);
        };
        walk(plan[0].Plan);
      } finally {
        await qr.rollbackTransaction();
        await qr.release();
        await t.dataSource.query(`DELETE FROM email_events WHERE dedupe_key LIKE $1 || '-%'`, [prefix]);
      }
      expect(read).toBe(1);
    });

    it('a poison row ends failed with its error after its attempts, while the rest of its batch is processed', async () => {
      // Received "in the future" so that the sweeper leaves these rows to this test.
      const good = await insertEvents(t.dataSource, [queuedEvent({ MessageId: unique('p') }), deliveredEvent({ MessageId: unique('p') })], { receivedInSeconds: 3600 });
      const poison = await insertEvent(t.dataSource, deliveredEvent({ MessageId: unique('p') }), { receivedInSeconds: 3600, dedupeKey: unique('poison') });
      const ids = [good[0], poison, good[1]];

      await expect(processor.process(fakeJob(ids))).rejects.toThrow(/1 of 3 events failed/);
      expect(await states(t.dataSource, ids)).toEqual({ [good[0]]: 'processed', [good[1]]: 'processed', [poison]: 'pending' });
      let [row] = await t.dataSource.query(`SELECT attempts, last_error FROM email_events WHERE id = $1`, [poison]);
      expect(row.attempts).toBe(1);
      expect(row.last_error).toMatch(/^P0001: poisoned row/);

      for (let attempt = 2; attempt < MAX_EVENT_ATTEMPTS; attempt++) await expect(processor.process(fakeJob(ids))).rejects.toThrow();
      await expect(processor.process(fakeJob(ids))).resolves.toMatchObject({ dead: 1, processed: 0 });
      [row] = await t.dataSource.query(`SELECT state, attempts, last_error FROM email_events WHERE id = $1`, [poison]);
      expect(row).toMatchObject({ state: 'failed', attempts: MAX_EVENT_ATTEMPTS });
      expect(row.last_error).toMatch(/poisoned row/);
    });

    it('an event whose raw body is not JSON fails without blocking the batch', async () => {
      const good = await insertEvent(t.dataSource, deliveredEvent({ MessageId: unique('g') }), { receivedInSeconds: 3600 });
      const [{ id: bad }] = await t.dataSource.query(
        `INSERT INTO email_events (received_at, dedupe_key, format, raw, type) VALUES (now() + interval '1 hour', $1, 'json', '{"Type":', NULL) RETURNING id::text AS id`,
        [unique('broken')],
      );
      await expect(processor.process(fakeJob([good, bad]))).rejects.toThrow(/1 of 2/);
      expect(await states(t.dataSource, [good, bad])).toEqual({ [good]: 'processed', [bad]: 'pending' });
      const [row] = await t.dataSource.query(`SELECT attempts, last_error FROM email_events WHERE id = $1`, [bad]);
      expect(row).toMatchObject({ attempts: 1, last_error: expect.stringMatching(/^The body is not valid JSON/) });
    });

    it('through the queue: BullMQ retries the job, the poison row dies, and it can be replayed once fixed', async () => {
      const good = await insertEvent(t.dataSource, deliveredEvent({ MessageId: unique('q') }));
      // Three attempts already spent: two more tries by BullMQ's backoff and it is dead.
      const poison = await insertEvent(t.dataSource, deliveredEvent({ MessageId: unique('q') }), { attempts: 3, dedupeKey: unique('poison') });
      await enqueue(t.app, [good, poison]);
      await waitFor(async () => (await states(t.dataSource, [poison]))[poison] === 'failed', 20000, 'the poison row to die');
      expect((await states(t.dataSource, [good]))[good]).toBe('processed');

      // Replay: the cause is gone, the row is set back to pending, the sweeper takes it.
      await t.dataSource.query(`DROP TRIGGER test_poison ON email_events`);
      await t.dataSource.query(`UPDATE email_events SET state = 'pending' WHERE id = $1`, [poison]);
      await waitProcessed(t.dataSource, [poison]);
      const [row] = await t.dataSource.query(`SELECT last_error, attempts FROM email_events WHERE id = $1`, [poison]);
      expect(row).toEqual({ last_error: null, attempts: MAX_EVENT_ATTEMPTS });
    });
  });

  describe('sweeper', () => {
    it('processes rows that were stored without a job', async () => {
      const ids = await insertEvents(
        t.dataSource,
        [queuedEvent({ MessageId: unique('swept') }), deliveredEvent({ MessageId: unique('swept') }), complaintEvent({ MessageId: unique('swept') })],
        { receivedInSeconds: -60 },
      );
      await waitProcessed(t.dataSource, ids);
    });
  });
});
