import { Client } from 'pg';
import type { QueryRunner } from 'typeorm';
import { EventsService } from '../../src/events/events.service';
import { normalizedRow } from '../../src/webhooks/normalizing/event-columns';
import { normalizeEvent } from '../../src/webhooks/normalizing/event-normalizer';
import {
  lockKey,
  MAX_EVENT_ATTEMPTS,
  MESSAGE_LOCK_CLASS,
} from '../../src/webhooks/processing/event-processing.service';
import { EventsProcessor } from '../../src/webhooks/processing/events.processor';
import { CLAIM_PENDING, RECORD_FAILURES, WRITE_NORMALIZED } from '../../src/webhooks/processing/processing.sql';
import { parseStoredEvent } from '../../src/webhooks/receiver/webhook-body.parser';
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
import { backlogRow, dropPoison, poisonMessages, storeEvent } from '../utils/stored-events';
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
    it('fills the typed columns of events stored raw from their text, as the receiver fills them at ingest, JSON and form alike', async () => {
      const json = Object.entries(EVENT_FIXTURES).map(([name, make]) => ({
        name,
        format: 'json' as const,
        event: make({ MessageId: unique('typed') }),
      }));
      const form = Object.entries(EVENT_FIXTURES).map(([name, make]) => ({
        name: `${name} (form)`,
        format: 'form' as const,
        event: toFormFields(make({ MessageId: unique('typed-form') })),
      }));
      const all = [...json, ...form];
      // Each event twice: normalized by the receiver (as stored normally), and stored raw for the worker to normalize.
      const atIngest: string[] = [];
      const byWorker: string[] = [];
      for (const c of all) {
        atIngest.push(await insertEvent(t.dataSource, c.event, { format: c.format }));
        byWorker.push(await insertEvent(t.dataSource, c.event, { format: c.format, storedRaw: true }));
      }
      const [{ n: empty }] = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM email_events WHERE id = ANY($1::bigint[]) AND address IS NULL AND txid IS NULL AND occurred_at = '-infinity'`,
        [byWorker],
      );
      expect(empty).toBe(byWorker.length);
      const ids = [...atIngest, ...byWorker];
      await enqueue(t.app, ids);
      await waitProcessed(t.dataSource, ids);

      const read = (list: string[]) =>
        t.dataSource.query(`SELECT * FROM email_events WHERE id = ANY($1::bigint[]) ORDER BY id`, [list]);
      const rows: any[] = await read(byWorker);
      for (const row of rows) {
        expect(row).toMatchObject({ known_type: true, address: 'jane.doe@example.com', server_id: 16332 });
        expect(row.occurred_at).toBeInstanceOf(Date);
        // A new change-feed position, given by the worker's transaction.
        expect(row.txid).not.toBeNull();
      }
      // What the worker wrote is what the receiver writes: every column but the row's identity and feed position.
      const typed = (row: Record<string, unknown>) => {
        const { id: _i, dedupe_key: _d, txid: _t, received_at: _r, ...rest } = row;
        return rest;
      };
      expect(rows.map(typed)).toEqual((await read(atIngest)).map(typed));

      const byName = Object.fromEntries(all.map((c, i) => [c.name, rows[i]]));
      expect(byName.Queued).toMatchObject({
        type: 'Queued',
        subject: 'Your order 7731 is confirmed',
        message_size: 18234,
        tags: ['Sample Tag', 'Sample Message'],
      });
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
      expect(byName.Complaint).toMatchObject({
        fbl_type: 'abuse',
        fbl_from: 'feedback@yahoo.example',
        fbl_to: 'fbl@email-od.com',
        length: 495,
        extra: null,
      });
      expect(byName['Complaint (form)']).toMatchObject({ fbl_from: 'feedback@yahoo.example', length: 495 });
      // Normalized events make messages like any other.
      expect(await messageRow(t.dataSource, json[0].event.MessageId as string, 'jane.doe@example.com')).toMatchObject({
        event_count: 2,
      });
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
        {
          Type: 'Bounced',
          DateTime: 'not a date',
          Address: 'x@example.com',
          MessageId: messageId,
          ServerId: 'abc',
          Brand: 'new',
        },
      ]);
      const [row] = await t.dataSource.query(`SELECT *, occurred_at::text AS at FROM email_events WHERE id = $1`, [id]);
      // An unknown type is stored lower-cased; an unreadable date is '-infinity' (the API's null).
      expect(row).toMatchObject({ known_type: false, type: 'bounced', at: '-infinity', server_id: null });
      expect(await backlogRow(t.dataSource, id)).toBeUndefined();
      expect(row.extra).toEqual({ DateTime: 'not a date', ServerId: 'abc', Brand: 'new' });
      expect(await messageRow(t.dataSource, messageId, 'x@example.com')).toBeUndefined();
    });

    it('reads the JSON of typed columns once per batch, not once per row (a plan quadratic in the batch size)', async () => {
      const messageId = unique('plan');
      const ids = await insertEvents(
        t.dataSource,
        Array.from({ length: 200 }, (_, i) => deliveredEvent({ MessageId: messageId, Address: `r${i}@example.com` })),
        { storedRaw: true, receivedInSeconds: 3600 },
      );
      // Inside a transaction rolled back afterwards, as the worker runs it: the backlog rows claimed first.
      const qr = t.dataSource.createQueryRunner();
      const loops: number[] = [];
      try {
        await qr.startTransaction();
        // The planner picks a nested loop when its statistics promise one row (seen on a busy system, 40 ms for 150
        // rows); forced here, so that the test does not depend on the statistics of the moment.
        await qr.query('SET LOCAL enable_hashjoin = off');
        await qr.query('SET LOCAL enable_mergejoin = off');
        const claimed: { id: string; occurred_at: string; raw: string; format: 'json' | 'form'; normalize: boolean }[] =
          await qr.query(CLAIM_PENDING, [ids]);
        expect(claimed).toHaveLength(200);
        expect(claimed.every((c) => c.normalize && c.raw)).toBe(true);
        const json = JSON.stringify(
          claimed.map((c) => ({
            id: c.id,
            old_occurred_at: c.occurred_at,
            ...normalizedRow(normalizeEvent(parseStoredEvent(c.raw, c.format))),
          })),
        );
        const [{ 'QUERY PLAN': plan }] = await qr.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${WRITE_NORMALIZED}`, [json]);
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
      failedEvent({
        MessageId: messageId,
        Address: address,
        DateTime: '2023-06-14T07:00:00.0000000Z',
        FailureCode: 2004,
      }),
    ];

    it('Queued -> Delivered -> an asynchronous permanent bounce: failed', async () => {
      const id = unique('async-bounce');
      const [queued, delivered, failed] = life(id, 'Bounce.Me@Example.com');
      await deliver(t.app, t.dataSource, [queued]);
      expect(await messageRow(t.dataSource, id, 'bounce.me@example.com')).toMatchObject({
        status: 'queued',
        event_count: 1,
      });
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
      expect(await messageRow(t.dataSource, id, 'jane.doe@example.com')).toMatchObject({
        status: 'failed',
        open_count: 1,
        click_count: 1,
      });
    });

    it('an out-of-office Failed (5001) after Delivered stays delivered', async () => {
      const id = unique('ooo');
      await deliver(t.app, t.dataSource, [deliveredEvent({ MessageId: id })]);
      await deliver(t.app, t.dataSource, [
        failedEvent({
          MessageId: id,
          FailureCode: 5001,
          FailureType: 'Temporary',
          DateTime: '2023-06-12T10:10:00Z',
          Reason: 'Out of office',
        }),
      ]);
      const row = await messageRow(t.dataSource, id, 'jane.doe@example.com');
      expect(row).toMatchObject({ status: 'delivered', failure_code: null, failed_at: null, event_count: 2 });
      expect(row!.status_at.toISOString()).toBe('2023-06-12T10:09:31.813Z');
    });

    it('an open without a Delivered implies delivered; Suppressed failures give suppressed; deferred before that', async () => {
      const opened = unique('open-only');
      await deliver(t.app, t.dataSource, [
        queuedEvent({ MessageId: opened }),
        trackingOpenEvent({ MessageId: opened }),
      ]);
      const row = await messageRow(t.dataSource, opened, 'jane.doe@example.com');
      expect(row).toMatchObject({ status: 'delivered', delivered_at: null, open_count: 1 });
      expect(row!.status_at.toISOString()).toBe('2023-06-12T11:15:02.441Z');

      const deferred = unique('deferred');
      await deliver(t.app, t.dataSource, [
        queuedEvent({ MessageId: deferred }),
        EVENT_FIXTURES.Deferred({ MessageId: deferred }),
      ]);
      expect(await messageRow(t.dataSource, deferred, 'jane.doe@example.com')).toMatchObject({ status: 'deferred' });

      const suppressed = unique('suppressed');
      await deliver(t.app, t.dataSource, [failedEvent({ MessageId: suppressed, FailureType: 2, FailureCode: 9999 })]);
      expect(await messageRow(t.dataSource, suppressed, 'jane.doe@example.com')).toMatchObject({
        status: 'suppressed',
        failure_type: 'Suppressed',
      });
    });

    it("events without a MessageId make the message '' of their recipient; events without an address make none", async () => {
      const address = `${unique('no-id')}@example.com`;
      await deliver(t.app, t.dataSource, [
        { Type: 'Delivered', DateTime: '2023-06-12T10:00:00Z', Address: address },
        { Type: 'Tracking', TrackingType: 1, DateTime: '2023-06-12T11:00:00Z', Address: address, MessageId: '' },
        { Type: 'Delivered', DateTime: '2023-06-12T10:00:00Z', Address: '', MessageId: 'no-address' },
      ]);
      expect(await messageRow(t.dataSource, '', address)).toMatchObject({
        status: 'delivered',
        event_count: 2,
        open_count: 1,
      });
      const [{ n }] = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM messages WHERE message_id = 'no-address'`,
      );
      expect(n).toBe(0);
    });

    it('events of one message processed by concurrent jobs: none is missed', async () => {
      const id = unique('concurrent');
      const events = [
        queuedEvent({ MessageId: id }),
        deliveredEvent({ MessageId: id }),
        ...Array.from({ length: 18 }, (_, i) =>
          trackingOpenEvent({ MessageId: id, DateTime: `2023-06-12T12:00:${String(i).padStart(2, '0')}Z` }),
        ),
      ];
      const ids = await insertEvents(t.dataSource, events);
      // Ten jobs of two events, all at once: the worker runs several of them in parallel.
      await Promise.all(Array.from({ length: 10 }, (_, i) => enqueue(t.app, ids.slice(i * 2, i * 2 + 2))));
      await waitProcessed(t.dataSource, ids);
      expect(await messageRow(t.dataSource, id, 'jane.doe@example.com')).toMatchObject({
        status: 'delivered',
        event_count: 20,
        open_count: 18,
      });
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
        await holder.query('SELECT pg_advisory_xact_lock($1::int4, $2::int4)', [
          MESSAGE_LOCK_CLASS,
          lockKey(id, 'jane.doe@example.com'),
        ]);
        const a = processor.process(fakeJob([delivered]));
        const b = processor.process(fakeJob([failed]));
        await waitFor(
          async () => {
            const [{ n }] = await t.dataSource.query(
              `SELECT count(*)::int AS n FROM pg_locks
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
      expect(await messageRow(t.dataSource, id, 'jane.doe@example.com')).toMatchObject({
        status: 'failed',
        event_count: 2,
      });
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
      expect(await suppressionRow(t.dataSource, perm)).toMatchObject({
        reason: 'permanent_failure',
        failure_code: 2001,
      });
      expect(await suppressionRow(t.dataSource, temp)).toBeUndefined();
      expect(await suppressionRow(t.dataSource, ooo)).toBeUndefined();
    });
  });

  describe('idempotency', () => {
    it('running the same job twice changes nothing, and so does reprocessing an event', async () => {
      const id = unique('twice');
      const address = `${unique('twice')}@example.com`;
      const ids = await deliver(t.app, t.dataSource, [
        deliveredEvent({ MessageId: id, Address: address }),
        complaintEvent({ MessageId: id, Address: address }),
      ]);
      const snapshot = async () => ({
        events: await t.dataSource.query(`SELECT * FROM email_events WHERE id = ANY($1::bigint[]) ORDER BY id`, [ids]),
        message: await messageRow(t.dataSource, id, address),
        suppression: await suppressionRow(t.dataSource, address),
      });
      const before = await snapshot();

      await expect(processor.process(fakeJob(ids))).resolves.toMatchObject({ processed: 0, skipped: 2 });
      expect(await snapshot()).toEqual(before);

      // Replayed: normalized again from raw and processed again, with a new change-feed position; the typed
      // columns and the derived rows do not move at all.
      await t.app.get(EventsService).replay({ ids });
      await waitProcessed(t.dataSource, ids);
      const after = await snapshot();
      expect(after.message).toEqual(before.message);
      expect(after.suppression).toEqual(before.suppression);
      const withoutTxid = (rows: Record<string, unknown>[]) => rows.map(({ txid: _t, ...rest }) => rest);
      expect(withoutTxid(after.events)).toEqual(withoutTxid(before.events));
      after.events.forEach((e: { txid: string }, i: number) =>
        expect(BigInt(e.txid)).toBeGreaterThan(BigInt(before.events[i].txid)),
      );
    });
  });

  describe('the backlog under stale statistics', () => {
    /**
     * Statistics taken while nothing was pending, then a backlog (as after a Redis outage or a burst): the planner then
     * expects one pending row, and could scan every pending row, or every event, to find the batch. Runs `explain`
     * on `batch` of the 20,000 pending rows (in a transaction rolled back afterwards) and counts the rows its plan read.
     */
    const withStaleBacklog = async (
      batch: number,
      explain: (ids: string[], qr: QueryRunner) => Promise<{ 'QUERY PLAN': any }[]>,
    ): Promise<{ events: number; backlog: number }> => {
      const marker = JSON.stringify({ test: unique('backlog') });
      await t.dataSource.query(
        `INSERT INTO email_events (received_at, dedupe_key, format, raw, type, known_type, occurred_at, txid)
         SELECT now(), sha256(convert_to($1 || i, 'UTF8')), 'json', $1, 'Delivered', true, now() - make_interval(mins => i), 1
         FROM generate_series(1, 20000) AS i`,
        [marker],
      );
      await t.dataSource.query('ANALYZE email_events');
      await t.dataSource.query('ANALYZE event_backlog');
      // Received "in the future" so that the sweeper leaves them alone.
      const rows: { id: string }[] = await t.dataSource.query(
        `WITH ins AS (
           INSERT INTO email_events (received_at, dedupe_key, format, raw, type, known_type, occurred_at, txid)
           SELECT now() + interval '1 hour', sha256(convert_to($1 || 'p' || i, 'UTF8')), 'json', $1, 'Delivered', true, now() - make_interval(mins => i), 1
           FROM generate_series(1, 20000) AS i
           RETURNING id, occurred_at, received_at
         )
         INSERT INTO event_backlog (event_id, occurred_at, received_at) SELECT id, occurred_at, received_at FROM ins
         RETURNING event_id::text AS id`,
        [marker],
      );
      const qr = t.dataSource.createQueryRunner();
      const read = { events: 0, backlog: 0 };
      try {
        await qr.startTransaction();
        const [{ 'QUERY PLAN': plan }] = await explain(
          rows.slice(0, batch).map((r) => r.id),
          qr,
        );
        const walk = (node: Record<string, any>) => {
          const relation: string | undefined = node['Relation Name'];
          if (relation && node['Node Type'] !== 'ModifyTable') {
            const rows = node['Actual Rows'] * node['Actual Loops'] + (node['Rows Removed by Filter'] ?? 0);
            if (relation.startsWith('email_events')) read.events += rows;
            if (relation === 'event_backlog') read.backlog += rows;
          }
          read.events += node['Rows Removed by Join Filter'] ?? 0;
          for (const child of node.Plans ?? []) walk(child);
        };
        walk(plan[0].Plan);
      } finally {
        await qr.rollbackTransaction();
        await qr.release();
        await t.dataSource.query(
          `DELETE FROM event_backlog b USING email_events e WHERE e.id = b.event_id AND e.raw = $1`,
          [marker],
        );
        await t.dataSource.query(`DELETE FROM email_events WHERE raw = $1`, [marker]);
      }
      return read;
    };

    it('records a failure through the id of its row, whatever the backlog of pending rows around it', async () => {
      const read = await withStaleBacklog(1, (ids, qr) =>
        // One attempt allowed: the event dies at once, so its counters are moved too (which reads its row).
        qr.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${RECORD_FAILURES}`, [ids, ['boom'], 1]),
      );
      expect(read).toEqual({ events: 1, backlog: 1 });
    });

    it('claims a batch through the ids of its rows, whatever the backlog of pending rows around it', async () => {
      // Stale statistics made the planner loop over every pending row for each id of the batch: 26 s for 300 ids
      // among 90,000 pending rows, measured on a service whose backlog had been vacuumed while empty.
      const read = await withStaleBacklog(300, (ids, qr) =>
        qr.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${CLAIM_PENDING}`, [ids]),
      );
      // Each backlog row twice (locked, then deleted), and each event once.
      expect(read).toEqual({ events: 300, backlog: 600 });
    });
  });

  describe('failures', () => {
    const poisoned = () => `${unique('poison')}@example.com`;

    beforeAll(async () => {
      // A message PostgreSQL refuses to store: the database, not the normalizer, fails on the event that makes it.
      await poisonMessages(t.dataSource);
    });

    it('a poison event ends failed with its error after its attempts, while the rest of its batch is processed', async () => {
      // Received "in the future" so that the sweeper leaves these rows to this test.
      const good = await insertEvents(
        t.dataSource,
        [queuedEvent({ MessageId: unique('p') }), deliveredEvent({ MessageId: unique('p') })],
        { receivedInSeconds: 3600 },
      );
      const address = poisoned();
      const poisonMessage = unique('p');
      const poison = await insertEvent(t.dataSource, deliveredEvent({ MessageId: poisonMessage, Address: address }), {
        receivedInSeconds: 3600,
      });
      const ids = [good[0], poison, good[1]];

      await expect(processor.process(fakeJob(ids))).rejects.toThrow(/1 of 3 events failed/);
      expect(await states(t.dataSource, ids)).toEqual({
        [good[0]]: 'processed',
        [good[1]]: 'processed',
        [poison]: 'pending',
      });
      expect(await backlogRow(t.dataSource, poison)).toMatchObject({
        state: 'pending',
        attempts: 1,
        last_error: expect.stringMatching(/^P0001: poisoned row/),
      });

      for (let attempt = 2; attempt < MAX_EVENT_ATTEMPTS; attempt++)
        await expect(processor.process(fakeJob(ids))).rejects.toThrow();
      await expect(processor.process(fakeJob(ids))).resolves.toMatchObject({ dead: 1, processed: 0 });
      expect(await backlogRow(t.dataSource, poison)).toMatchObject({
        state: 'failed',
        attempts: MAX_EVENT_ATTEMPTS,
        last_error: expect.stringMatching(/poisoned row/),
      });
      expect(await states(t.dataSource, ids)).toEqual({
        [good[0]]: 'processed',
        [good[1]]: 'processed',
        [poison]: 'failed',
      });
      // A dead event is left alone by later jobs.
      await expect(processor.process(fakeJob([poison]))).resolves.toMatchObject({ skipped: 1 });
      expect(await messageRow(t.dataSource, poisonMessage, address)).toBeUndefined();
    });

    it('an event stored raw whose text is not JSON fails without blocking the batch', async () => {
      const good = await insertEvent(t.dataSource, deliveredEvent({ MessageId: unique('g') }), {
        receivedInSeconds: 3600,
        storedRaw: true,
      });
      const bad = await storeEvent(t.dataSource, {
        raw: '{"Type":',
        format: 'json',
        columns: { type: null },
        storedRaw: true,
        receivedAt: new Date(Date.now() + 3_600_000),
      });
      await expect(processor.process(fakeJob([good, bad]))).rejects.toThrow(/1 of 2/);
      expect(await states(t.dataSource, [good, bad])).toEqual({ [good]: 'processed', [bad]: 'pending' });
      expect(await backlogRow(t.dataSource, bad)).toMatchObject({
        attempts: 1,
        normalize: true,
        last_error: expect.stringMatching(/the stored text is not one event \(The body is not valid JSON/),
      });
    });

    it('through the queue: BullMQ retries the job, the poison event dies, and it can be replayed once fixed', async () => {
      const good = await insertEvent(t.dataSource, deliveredEvent({ MessageId: unique('q') }));
      // Three attempts already spent: two more tries by BullMQ's backoff and it is dead.
      const address = poisoned();
      const messageId = unique('q');
      const poison = await insertEvent(t.dataSource, deliveredEvent({ MessageId: messageId, Address: address }), {
        attempts: 3,
      });
      await enqueue(t.app, [good, poison]);
      await waitFor(
        async () => (await states(t.dataSource, [poison]))[poison] === 'failed',
        20000,
        'the poison event to die',
      );
      expect((await states(t.dataSource, [good]))[good]).toBe('processed');
      expect(await backlogRow(t.dataSource, poison)).toMatchObject({ attempts: MAX_EVENT_ATTEMPTS });

      // Replay: the cause is gone, the event is back in the backlog (attempts reset), and processed.
      await dropPoison(t.dataSource);
      expect(await t.app.get(EventsService).replay({ ids: [poison] })).toMatchObject({ replayed: 1 });
      await waitProcessed(t.dataSource, [poison]);
      expect(await backlogRow(t.dataSource, poison)).toBeUndefined();
      expect(await messageRow(t.dataSource, messageId, address)).toMatchObject({ status: 'delivered', event_count: 1 });
    });
  });

  describe('sweeper', () => {
    it('processes rows that were stored without a job', async () => {
      const ids = await insertEvents(
        t.dataSource,
        [
          queuedEvent({ MessageId: unique('swept') }),
          deliveredEvent({ MessageId: unique('swept') }),
          complaintEvent({ MessageId: unique('swept') }),
        ],
        { receivedInSeconds: -60 },
      );
      await waitProcessed(t.dataSource, ids);
    });
  });
});
