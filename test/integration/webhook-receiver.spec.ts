import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { EventProcessingService } from '../../src/webhooks/processing/event-processing.service';
import { WebhookRefusal } from '../../src/webhooks/receiver/webhook-body.parser';
import { WebhookContext, WebhookReceiver } from '../../src/webhooks/receiver/webhook-receiver.service';
import {
  deliveredEvent,
  failedEvent,
  formBody,
  queuedEvent,
  toFormFields,
  withSecret,
} from '../fixtures/socketlabs-events';
import { backlogRow, eventStates } from '../utils/stored-events';
import { createTestApp, TestApp, waitFor } from '../utils/test-app';

const SECRET = 'receiver-service-secret-9Tq3';

/**
 * WebhookReceiver, the receiver's decisions apart from HTTP (webhook-receiver.service.ts): called as the transport
 * calls it, on the real PostgreSQL, with no server and no request.
 */
describe('WebhookReceiver without HTTP (PostgreSQL)', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  const ctx: WebhookContext = { endpointId: null, requestId: 'req-receiver-spec', ip: '192.0.2.1' };

  beforeAll(async () => {
    // ROLE=api: no worker, so what the receiver stored stays as it stored it.
    t = await createTestApp({ ROLE: 'api', WEBHOOK_SECRET_KEY: SECRET });
    receiver = t.app.get(WebhookReceiver);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** What the transport does with a body: the endpoint, the format from the Content-Type, then receive. */
  async function receive(
    body: unknown,
    contentType: string | undefined = 'application/json',
    endpointId: string | null = null,
  ) {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const endpoint = await receiver.endpoint(endpointId);
    const format = receiver.format(contentType, text.length > 0);
    return receiver.receive(endpoint, format, Buffer.from(text), ctx);
  }

  async function refusal(p: () => Promise<unknown>): Promise<WebhookRefusal> {
    try {
      await p();
    } catch (err) {
      if (err instanceof WebhookRefusal) return err;
      throw err;
    }
    throw new Error('expected a refusal, got an answer');
  }

  async function count(): Promise<number> {
    return (await t.dataSource.query('SELECT count(*)::int AS n FROM email_events'))[0].n;
  }

  describe('refusals', () => {
    it.each([
      ['a missing SecretKey', 401, 'missing_secret', () => receive(deliveredEvent({ MessageId: 'no-secret' }))],
      [
        'a wrong SecretKey',
        401,
        'wrong_secret',
        () => receive(withSecret(deliveredEvent({ MessageId: 'wrong' }), 'not-the-secret')),
      ],
      [
        'one event of a batch without its SecretKey',
        401,
        'missing_secret',
        () => receive([withSecret(queuedEvent(), SECRET), deliveredEvent()]),
      ],
      ['a body that is not JSON', 400, 'unparseable_body', () => receive('{"Type": "Delivered",')],
      ['an empty body', 400, 'empty_body', () => receive('', undefined)],
      ['a Content-Type it does not read', 415, 'unsupported_media_type', () => receive('Type=Delivered', 'text/plain')],
      [
        'an unknown endpoint',
        401,
        'unknown_endpoint',
        () => receive(withSecret(deliveredEvent(), SECRET), 'application/json', randomUUID()),
      ],
    ] as const)('%s: %i %s, nothing stored', async (_what, status, reason, call) => {
      const before = await count();
      const err = await refusal(call);
      expect({ status: err.status, reason: err.reason }).toEqual({ status, reason });
      expect(await count()).toBe(before);
    });

    it('answers a refusal in the API error shape, with the request id and never the secret', async () => {
      const err = await refusal(() => receive(withSecret(deliveredEvent(), 'wrong-secret-value')));
      const answer = receiver.refused(err, ctx);
      expect(answer).toMatchObject({ status: 401, contentType: 'application/json; charset=utf-8', headers: {} });
      expect(JSON.parse(answer.body)).toMatchObject({
        statusCode: 401,
        code: 'WRONG_SECRET',
        requestId: ctx.requestId,
      });
      expect(answer.body).not.toContain('wrong-secret-value');
      // A 503 asks SocketLabs to come back (the retry is deduplicated).
      expect(receiver.refused(new WebhookRefusal(503, 'event_store_unavailable', 'down'), ctx).headers).toEqual({
        'retry-after': '30',
      });
    });
  });

  describe('a 200', () => {
    it('stores each event once, with its typed columns, and counts the twins as duplicates', async () => {
      const a = withSecret(queuedEvent({ MessageId: 'svc-1' }), SECRET);
      const b = withSecret(deliveredEvent({ MessageId: 'svc-1' }), SECRET);
      const first = await receive([a, b, { ...a }]);
      expect(first).toMatchObject({ status: 200, contentType: 'application/json; charset=utf-8' });
      expect(JSON.parse(first.body)).toEqual({ received: 3, stored: 2, duplicates: 1, validations: 0 });

      // SocketLabs' retry: acknowledged, stored no second time.
      const retry = await receive([b, a]);
      expect(JSON.parse(retry.body)).toEqual({ received: 2, stored: 0, duplicates: 2, validations: 0 });

      const rows = await t.dataSource.query(
        `SELECT id::text AS id, type, known_type, message_id, address, txid FROM email_events WHERE message_id = 'svc-1' ORDER BY id`,
      );
      expect(rows).toMatchObject([
        { type: 'Queued', known_type: true, address: 'jane.doe@example.com' },
        { type: 'Delivered', known_type: true, address: 'jane.doe@example.com' },
      ]);
      expect(rows.every((r: { txid: string | null }) => r.txid !== null)).toBe(true);
      expect(
        Object.values(
          await eventStates(
            t.dataSource,
            rows.map((r: { id: string }) => r.id),
          ),
        ),
      ).toEqual(['pending', 'pending']);
    });

    it('takes a form post', async () => {
      const fields = toFormFields(failedEvent({ MessageId: 'svc-form' }));
      const answer = await receive(
        `${formBody(fields)}&SecretKey=${SECRET}`,
        'application/x-www-form-urlencoded; charset=utf-8',
      );
      expect(JSON.parse(answer.body)).toMatchObject({ stored: 1 });
      const [row] = await t.dataSource.query(
        `SELECT format, type, failure_type, raw FROM email_events WHERE message_id = 'svc-form'`,
      );
      expect(row).toMatchObject({ format: 'form', type: 'Failed', failure_type: 'Permanent' });
      expect(row.raw).not.toContain(SECRET);
    });
  });

  describe('typed columns PostgreSQL refuses', () => {
    beforeAll(async () => {
      // A data exception (SQLSTATE class 22) on the INSERT of an event whose subject says so: as PostgreSQL would
      // raise it for a value it cannot take.
      await t.dataSource.query(`
        CREATE FUNCTION test_refuse_subject() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.subject = 'refuse-me' THEN RAISE EXCEPTION 'subject refused' USING ERRCODE = '22023'; END IF;
          RETURN NEW;
        END $$`);
      await t.dataSource.query(
        `CREATE TRIGGER test_refuse_subject BEFORE INSERT ON email_events FOR EACH ROW EXECUTE FUNCTION test_refuse_subject()`,
      );
    });
    afterAll(async () => {
      await t.dataSource.query(`DROP TRIGGER test_refuse_subject ON email_events`);
    });

    it('stores the event raw (its type and date, no typed column, no feed position) for a worker to normalize; the rest of the batch as usual', async () => {
      const refused = withSecret(queuedEvent({ MessageId: 'svc-refused', Subject: 'refuse-me' }), SECRET);
      const fine = withSecret(queuedEvent({ MessageId: 'svc-fine' }), SECRET);
      const answer = await receive([refused, fine]);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ received: 2, stored: 2, duplicates: 0, validations: 0 });

      const [raw] = await t.dataSource.query(
        `SELECT id::text AS id, type, known_type, subject, message_id, txid, occurred_at::text AS occurred_at, raw FROM email_events WHERE raw LIKE '%svc-refused%'`,
      );
      expect(raw).toMatchObject({
        type: 'Queued',
        known_type: null,
        subject: null,
        message_id: null,
        txid: null,
        occurred_at: '2023-06-12 10:04:56.369468+00',
      });
      expect(await backlogRow(t.dataSource, raw.id)).toMatchObject({ state: 'pending', normalize: true, attempts: 0 });
      const [normal] = await t.dataSource.query(
        `SELECT id::text AS id, subject, txid FROM email_events WHERE message_id = 'svc-fine'`,
      );
      expect(normal.txid).not.toBeNull();
      expect(await backlogRow(t.dataSource, normal.id)).toMatchObject({ normalize: false });

      // The retry of the refused event is a duplicate of the raw row, not a second row.
      expect(JSON.parse((await receive(refused)).body)).toMatchObject({ stored: 0, duplicates: 1 });

      // A worker fills its typed columns from the raw text (only INSERTs are refused here) and gives it a position.
      await expect(new EventProcessingService(t.dataSource).processBatch([raw.id, normal.id])).resolves.toMatchObject({
        processed: 2,
      });
      const [after] = await t.dataSource.query(
        `SELECT known_type, subject, message_id, txid FROM email_events WHERE id = $1`,
        [raw.id],
      );
      expect(after).toMatchObject({ known_type: true, subject: 'refuse-me', message_id: 'svc-refused' });
      expect(after.txid).not.toBeNull();
      expect(await backlogRow(t.dataSource, raw.id)).toBeUndefined();
    });
  });

  describe('a second INSERT for rows kept waiting (ingest.writer.ts)', () => {
    const HELD = 0x5e1d;
    const HELD_TOO = 0x5e1e;
    let holder: Client;

    /** Resolves once an INSERT waits for the advisory lock `key` the test holds. */
    const insertWaitingFor = (key: number) =>
      waitFor(
        async () =>
          (
            await holder.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND NOT granted`, [
              key,
            ])
          ).rowCount === 1,
        5000,
        `an INSERT to wait for lock ${key}`,
      );
    beforeAll(async () => {
      // An event whose subject says so waits, inside its INSERT, for an advisory lock the test holds; another raises
      // a deadlock the first time it is written (a sequence: it is not rolled back with the statement).
      await t.dataSource.query(`CREATE SEQUENCE test_deadlock_once`);
      await t.dataSource.query(`
        CREATE FUNCTION test_hold_or_cancel() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.subject = 'hold-me' THEN PERFORM pg_advisory_xact_lock(${HELD}); END IF;
          IF NEW.subject = 'hold-me-too' THEN PERFORM pg_advisory_xact_lock(${HELD_TOO}); END IF;
          IF NEW.subject = 'deadlock-once' AND nextval('test_deadlock_once') = 1 THEN
            RAISE EXCEPTION 'deadlock detected (test)' USING ERRCODE = '40P01';
          END IF;
          RETURN NEW;
        END $$`);
      await t.dataSource.query(
        `CREATE TRIGGER test_hold_or_cancel BEFORE INSERT ON email_events FOR EACH ROW EXECUTE FUNCTION test_hold_or_cancel()`,
      );
      holder = new Client({ connectionString: t.config.database.url });
      await holder.connect();
    });
    afterAll(async () => {
      await holder?.end();
      await t.dataSource.query(`DROP TRIGGER test_hold_or_cancel ON email_events`);
    });

    it('answers a request while the statement of an earlier one is still waiting', async () => {
      await holder.query(`SELECT pg_advisory_lock(${HELD})`);
      let heldAnswered = false;
      const held = receive(withSecret(queuedEvent({ MessageId: 'svc-held', Subject: 'hold-me' }), SECRET)).finally(
        () => (heldAnswered = true),
      );
      try {
        await insertWaitingFor(HELD);
        // Held behind the first for SECOND_INSERT_AFTER_MS, then written by a second statement: with one statement at
        // a time it would wait until the first is released.
        const next = await receive(withSecret(queuedEvent({ MessageId: 'svc-not-held' }), SECRET));
        expect(JSON.parse(next.body)).toMatchObject({ stored: 1 });
        expect(heldAnswered).toBe(false);
      } finally {
        await holder.query(`SELECT pg_advisory_unlock(${HELD})`);
      }
      expect(JSON.parse((await held).body)).toMatchObject({ stored: 1 });
    });

    it('gives rows a second INSERT again when the statement they waited behind ends while the other is still held', async () => {
      await holder.query(`SELECT pg_advisory_lock(${HELD}), pg_advisory_lock(${HELD_TOO})`);
      const answered = new Set<string>();
      const send = (messageId: string, subject?: string) =>
        receive(withSecret(queuedEvent({ MessageId: messageId, Subject: subject ?? 'x' }), SECRET)).finally(() =>
          answered.add(messageId),
        );
      let first: Promise<unknown> | undefined;
      let second: Promise<unknown> | undefined;
      try {
        first = send('svc-first', 'hold-me');
        await insertWaitingFor(HELD);
        // Written by the second statement, which is held too: two statements in flight, the most there may be.
        second = send('svc-second', 'hold-me-too');
        await insertWaitingFor(HELD_TOO);
        const third = send('svc-third');
        // The first statement ends; its loop gives way to the second, still held, and the third row must not wait
        // for that one.
        await holder.query(`SELECT pg_advisory_unlock(${HELD})`);
        await first;
        await waitFor(() => answered.has('svc-third'), 5000, 'the third event answered while the second is held');
        expect(answered.has('svc-second')).toBe(false);
        expect(JSON.parse((await third).body)).toMatchObject({ stored: 1 });
      } finally {
        await holder.query(`SELECT pg_advisory_unlock_all()`);
      }
      await Promise.all([first, second]);
      expect(answered).toEqual(new Set(['svc-first', 'svc-second', 'svc-third']));
    });

    it('writes a batch again, once, when PostgreSQL cancels its INSERT for a deadlock', async () => {
      const event = withSecret(queuedEvent({ MessageId: 'svc-deadlock', Subject: 'deadlock-once' }), SECRET);
      const answer = await receive(event);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toMatchObject({ stored: 1, duplicates: 0 });
      const rows = await t.dataSource.query(`SELECT id FROM email_events WHERE message_id = 'svc-deadlock'`);
      expect(rows).toHaveLength(1);
      expect((await t.dataSource.query(`SELECT last_value::int AS n FROM test_deadlock_once`))[0].n).toBe(2);
    });
  });
});
