import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { addressFingerprint } from '../../src/events/address-fingerprint';
import {
  complaintEvent,
  deliveredEvent,
  failedEvent,
  formBody,
  queuedEvent,
  SocketLabsEvent,
  toFormFields,
  trackingClickEvent,
  trackingOpenEvent,
  trackingUnsubscribeEvent,
} from '../fixtures/socketlabs-events';
import { captureOutput } from '../utils/capture-output';
import { createTestApp, TestApp, waitFor } from '../utils/test-app';

const SECRET = 'erasure-webhook-secret-4Rt';
const ERASURE_SECRET = 'erasure-fingerprint-secret-0123456789';
const JANE = 'jane.doe@example.com';
const BOB = 'bob@example.com';
/** What no row may hold once Jane is erased: her address' local part, in any case (so in any encoding of it too). */
const NEEDLE = 'jane.doe';

/**
 * Erasure of one address on the real pipeline: events posted to the receiver (JSON and form, the address in several
 * cases), processed by the workers of this process, then DELETE /api/v1/addresses/{address}.
 */
describe('Erasure of one address (e2e)', () => {
  let t: TestApp;
  let db: Client;
  let reader: string;
  let posted = 0;
  // LOG_LEVEL=log, to see the request lines of erasures; kept off the test's output.
  let output: ReturnType<typeof captureOutput>;

  beforeAll(async () => {
    output = captureOutput();
    t = await createTestApp({ ROLE: 'all', WEBHOOK_SECRET_KEY: SECRET, ERASURE_SECRET, LOG_LEVEL: 'log' });
    db = new Client({ connectionString: t.config.database.url });
    await db.connect();
    reader = (
      await t.request({ method: 'POST', url: '/api/v1/api-keys', body: { name: 'reader', scopes: ['events:read'] } })
    ).json().key;
  });

  afterAll(async () => {
    await db?.end();
    await t?.close();
    output.restore();
  });

  async function post(event: SocketLabsEvent, form = false): Promise<{ stored: number; duplicates: number }> {
    const res = form
      ? await t.request({
          method: 'POST',
          url: '/webhooks/socketlabs',
          body: `${formBody(toFormFields(event))}&SecretKey=${SECRET}`,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          apiKey: null,
        })
      : await t.request({
          method: 'POST',
          url: '/webhooks/socketlabs',
          body: { ...event, SecretKey: SECRET },
          apiKey: null,
        });
    expect(res.statusCode).toBe(200);
    posted += res.json().stored;
    return res.json();
  }

  /** Every event posted so far is stored and out of the backlog (dead rows seeded by a test excepted). */
  async function processed(): Promise<void> {
    await waitFor(
      async () => {
        const [r] = (
          await db.query(
            `SELECT (SELECT count(*)::int FROM email_events) AS n, (SELECT count(*)::int FROM event_backlog WHERE state = 'pending') AS pending`,
          )
        ).rows;
        return r.pending === 0 && r.n >= posted;
      },
      20000,
      'every event processed',
    );
  }

  /** The rows of every table (a partitioned table's rows through its parent) whose text holds `needle`, in any case. */
  async function rowsHolding(needle: string): Promise<Record<string, number>> {
    const tables = (
      await db.query(
        `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition`,
      )
    ).rows.map((r) => r.relname as string);
    expect(tables).toEqual(
      expect.arrayContaining([
        'email_events',
        'event_backlog',
        'messages',
        'suppressions',
        'erased_suppressions',
        'audit_log',
      ]),
    );
    const found: Record<string, number> = {};
    for (const table of tables) {
      const [{ n }] = (
        await db.query(`SELECT count(*)::int AS n FROM "${table}" x WHERE strpos(lower(x::text), $1) > 0`, [needle])
      ).rows;
      if (n > 0) found[table] = n;
    }
    return found;
  }

  async function stats(): Promise<Record<string, unknown>> {
    const res = await t.request({ method: 'GET', url: '/api/v1/events/stats', apiKey: reader });
    expect(res.statusCode).toBe(200);
    const { oldestPendingReceivedAt: _ignored, ...rest } = res.json();
    return rest;
  }

  async function bobsRows(): Promise<unknown> {
    const q = async (sql: string) => (await db.query(sql, [BOB])).rows;
    return {
      events: await q(`SELECT * FROM email_events WHERE address = $1 ORDER BY id`),
      messages: await q(`SELECT * FROM messages WHERE address = $1 ORDER BY id`),
      suppressions: await q(`SELECT * FROM suppressions WHERE address = $1`),
    };
  }

  const erase = (address: string, apiKey?: string) =>
    t.request({ method: 'DELETE', url: `/api/v1/addresses/${encodeURIComponent(address)}`, apiKey });

  it('anonymises the events, deletes messages and suppression (keeping it by fingerprint), redacts the audit log, and changes no count', async () => {
    // Jane unsubscribes; an admin removes her from the list by hand (an audit entry that names her).
    await post(trackingUnsubscribeEvent({ MessageId: 'order-2', Address: 'Jane.Doe@Example.com' }));
    await processed();
    expect(
      (await t.request({ method: 'DELETE', url: `/api/v1/suppressions/${encodeURIComponent(JANE)}` })).statusCode,
    ).toBe(200);

    // The rest of her mail, one message also sent to Bob (the same MessageId), some in the legacy form encoding.
    await post(queuedEvent({ MessageId: 'order-1', Address: ' JANE.DOE@example.com ' }));
    await post(deliveredEvent({ MessageId: 'order-1' }), true);
    await post(
      trackingOpenEvent({
        MessageId: 'order-1',
        Data: { Meta: [{ Key: 'email', Value: JANE }], Tags: ['for Jane.Doe'] },
      }),
    );
    await post(
      trackingClickEvent({ MessageId: 'order-1', Url: `https://example.org/?u=${encodeURIComponent(JANE)}` }),
      true,
    );
    await post(complaintEvent({ MessageId: 'order-3', To: JANE }));
    await post(queuedEvent({ MessageId: 'order-1', Address: BOB }));
    await post(deliveredEvent({ MessageId: 'order-1', Address: BOB, Response: '250 ok' }));
    await post(failedEvent({ MessageId: 'order-4', Address: BOB }));
    await processed();

    // An event of hers that could not be normalized and died (stored raw, form-encoded, its error quoting her).
    const deadId = await seedDeadRawEvent(
      db,
      `Type=Delivered&DateTime=Mon%2C+12+Jun+2023+10%3A00%3A00+GMT&Address=JANE.DOE%40EXAMPLE.COM&MessageId=order-9`,
    );

    const statsBefore = await stats();
    const bobBefore = await bobsRows();
    expect(Object.keys(await rowsHolding(NEEDLE)).sort()).toEqual([
      'audit_log',
      'email_events',
      'event_backlog',
      'messages',
      'suppressions',
    ]);
    expect(
      (await t.request({ method: 'GET', url: `/api/v1/suppressions/${JANE}`, apiKey: reader })).json(),
    ).toMatchObject({ reason: 'complaint', erased: false });

    // Only an admin erases.
    expect((await erase(JANE, reader)).statusCode).toBe(403);
    const logged = output.logs.length;
    const res = await erase('Jane.Doe@EXAMPLE.com');
    expect(res.statusCode).toBe(200);
    const fingerprint = addressFingerprint(ERASURE_SECRET, JANE).toString('hex');
    expect(res.json()).toEqual({
      fingerprint,
      eventsAnonymised: 7,
      messagesDeleted: 3,
      suppressionDeleted: true,
      suppressionKept: 'complaint',
      auditEntriesRedacted: 1,
    });
    // Not even the request's log line names her.
    const lines = output.logs.slice(logged).join('');
    expect(lines).toContain('"url":"/api/v1/addresses/[redacted]"');
    expect(lines.toLowerCase()).not.toContain(NEEDLE);

    expect(await rowsHolding(NEEDLE)).toEqual({});
    expect(await bobsRows()).toEqual(bobBefore);
    expect(await stats()).toEqual(statsBefore);

    // Her events are still there, counted, saying only what describes the sending.
    const list = await t.request({ method: 'GET', url: `/api/v1/events?address=${JANE}`, apiKey: reader });
    expect(list.json().data).toEqual([]);
    const dead = (await t.request({ method: 'GET', url: `/api/v1/events/${deadId}`, apiKey: reader })).json();
    expect(dead).toMatchObject({
      address: null,
      messageId: null,
      type: 'Delivered',
      state: 'failed',
      extra: { Erased: true },
    });
    expect(dead.lastError).toMatch(/^erased/);
    const erasedEvents = (
      await db.query(
        `SELECT id::text, raw, format, dedupe_key FROM email_events WHERE extra = '{"Erased": true}' ORDER BY id`,
      )
    ).rows;
    expect(erasedEvents).toHaveLength(7);
    for (const e of erasedEvents)
      expect(e).toMatchObject({ format: 'json', raw: expect.stringContaining('"Erased":true') });
    expect(erasedEvents.filter((e) => JSON.parse(e.raw).ServerId === 16332)).toHaveLength(6);

    // Bob's message of the same MessageId is his own and stays; hers are gone.
    const messages = await t.request({ method: 'GET', url: '/api/v1/messages?messageId=order-1', apiKey: reader });
    expect(messages.json().data.map((m: { address: string }) => m.address)).toEqual([BOB]);

    // The suppression is kept under her fingerprint: a sender that checks her address still may not mail her.
    const suppression = await t.request({
      method: 'GET',
      url: `/api/v1/suppressions/${encodeURIComponent('JANE.doe@example.com')}`,
      apiKey: reader,
    });
    expect(suppression.statusCode).toBe(200);
    expect(suppression.json()).toMatchObject({
      address: JANE,
      reason: 'complaint',
      eventId: null,
      messageId: null,
      erased: true,
    });
    const listed = await t.request({ method: 'GET', url: '/api/v1/suppressions', apiKey: reader });
    expect(listed.json().data.map((s: { address: string }) => s.address)).toEqual([BOB]);

    // The erasure is in the audit log under her fingerprint; the earlier entry no longer names her.
    const audit = await t.request({ method: 'GET', url: '/api/v1/audit-log' });
    const entries = audit.json().data as Array<{ action: string; target: string; path: string; details: unknown }>;
    expect(entries.find((e) => e.action === 'addresses.erase')).toMatchObject({
      target: fingerprint,
      path: '/api/v1/addresses/{address}',
      details: {
        eventsAnonymised: 7,
        messagesDeleted: 3,
        suppressionDeleted: true,
        suppressionKept: 'complaint',
        auditEntriesRedacted: 1,
      },
    });
    expect(entries.find((e) => e.action === 'suppressions.delete')).toMatchObject({
      target: '[erased]',
      path: '/api/v1/suppressions/[erased]',
    });
  });

  it('answers 200 with zeros for an address nothing holds (idempotent), and 400 for a blank one', async () => {
    const again = await erase(JANE);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({
      eventsAnonymised: 0,
      messagesDeleted: 0,
      suppressionDeleted: false,
      suppressionKept: 'complaint',
      auditEntriesRedacted: 0,
    });
    const nobody = await erase('nobody@example.com');
    expect(nobody.json()).toMatchObject({
      eventsAnonymised: 0,
      messagesDeleted: 0,
      suppressionDeleted: false,
      suppressionKept: null,
      auditEntriesRedacted: 0,
    });
    expect((await erase('  ')).statusCode).toBe(400);
  });

  it('keeps an erased event erased and its count when it is replayed', async () => {
    const before = await stats();
    const [{ id }] = (
      await db.query(
        `SELECT id::text FROM email_events WHERE extra = '{"Erased": true}' AND type = 'Tracking' ORDER BY id LIMIT 1`,
      )
    ).rows;
    expect((await t.request({ method: 'POST', url: `/api/v1/events/${id}/replay` })).statusCode).toBe(202);
    await processed();
    const replayed = (await t.request({ method: 'GET', url: `/api/v1/events/${id}`, apiKey: reader })).json();
    expect(replayed).toMatchObject({ state: 'processed', address: null, extra: { Erased: true } });
    expect(await stats()).toEqual(before);
    expect(await rowsHolding(NEEDLE)).toEqual({});
  });

  it('stores a SocketLabs retry of an erased event as a new event (the erased key no longer matches), which a second erasure removes', async () => {
    const before = await stats();
    const retry = trackingOpenEvent({
      MessageId: 'order-1',
      Data: { Meta: [{ Key: 'email', Value: JANE }], Tags: ['for Jane.Doe'] },
    });
    expect(await post(retry)).toMatchObject({ stored: 1, duplicates: 0 });
    await processed();
    expect(
      (await t.request({ method: 'GET', url: `/api/v1/messages?address=${JANE}`, apiKey: reader })).json().total,
    ).toBe(1);
    expect(await rowsHolding(NEEDLE)).toEqual({ email_events: 1, messages: 1 });

    const res = await erase(JANE);
    expect(res.json()).toMatchObject({
      eventsAnonymised: 1,
      messagesDeleted: 1,
      suppressionDeleted: false,
      suppressionKept: 'complaint',
    });
    expect(await rowsHolding(NEEDLE)).toEqual({});
    const after = (await stats()) as { total: number; byType: { tracking: number } };
    expect(after.total).toBe((before as { total: number }).total + 1);
    expect(after.byType.tracking).toBe((before as { byType: { tracking: number } }).byType.tracking + 1);
  });

  it('leaves no message or suppression of the address when it is erased before the workers are done with its events', async () => {
    const address = 'busy.person@example.com';
    const erasedCount = async () =>
      (await db.query(`SELECT count(*)::int AS n FROM email_events WHERE extra = '{"Erased": true}'`)).rows[0]
        .n as number;
    const erasedBefore = await erasedCount();
    const before = (await stats()) as { total: number };
    const make = [trackingUnsubscribeEvent, deliveredEvent, trackingOpenEvent, failedEvent];
    const events = Array.from({ length: 160 }, (_, i) =>
      make[i % make.length]({
        MessageId: `busy-${i % 40}`,
        Address: address,
        DateTime: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString(),
      }),
    );
    // Every event is stored (and acknowledged) before the erasure; the workers have not processed them all when it
    // runs (test/integration/address-erasure-locking.spec.ts interleaves a worker and an erasure step by step).
    await Promise.all(events.map((e) => post(e)));
    const res = await erase(address);
    expect(res.statusCode).toBe(200);
    expect(res.json().eventsAnonymised).toBe(160);
    await processed();

    expect(await rowsHolding('busy.person')).toEqual({});
    expect(await erasedCount()).toBe(erasedBefore + 160);
    const after = (await stats()) as { total: number; byState: { processed: number; pending: number; failed: number } };
    expect(after.total).toBe(before.total + 160);
    expect(after.byState.pending).toBe(0);
    expect(after.byState.processed + after.byState.failed).toBe(after.total);
  });

  it('removes the suppression kept for an erased address when an admin removes it from the list', async () => {
    const removed = await t.request({ method: 'DELETE', url: `/api/v1/suppressions/${encodeURIComponent(JANE)}` });
    expect(removed.statusCode).toBe(200);
    expect(removed.json()).toMatchObject({ address: JANE, reason: 'complaint', erased: true });
    expect(
      (await t.request({ method: 'GET', url: `/api/v1/suppressions/${encodeURIComponent(JANE)}`, apiKey: reader }))
        .statusCode,
    ).toBe(404);
  });
});

/** An event stored raw (its typed columns could not be filled) that processing gave up on, counted as failed. */
async function seedDeadRawEvent(db: Client, raw: string): Promise<string> {
  const occurredAt = '2023-06-12T10:00:00Z';
  const [{ id }] = (
    await db.query(
      `INSERT INTO email_events (occurred_at, received_at, dedupe_key, format, raw, type)
       VALUES ($1, now(), $2, 'form', $3, 'Delivered') RETURNING id::text AS id`,
      [occurredAt, randomBytes(32), raw],
    )
  ).rows;
  await db.query(
    `INSERT INTO event_backlog (event_id, occurred_at, received_at, state, attempts, last_error, normalize)
     VALUES ($1, $2, now(), 'failed', 5, 'XX000: value "jane.doe@example.com" refused', true)`,
    [id, occurredAt],
  );
  await db.query(
    `INSERT INTO event_count_deltas (hour, type, tracking_type, state, n) VALUES (date_trunc('hour', $1::timestamptz, 'UTC'), 'delivered', '', 'failed', 1)`,
    [occurredAt],
  );
  return id;
}
