import { Client } from 'pg';
import { AddressErasureService } from '../../src/privacy/address-erasure.service';
import {
  EventProcessingService,
  lockKey,
  MESSAGE_LOCK_CLASS,
} from '../../src/webhooks/processing/event-processing.service';
import { deliveredEvent, queuedEvent, trackingUnsubscribeEvent, withSecret } from '../fixtures/socketlabs-events';
import { createTestApp, TestApp, waitFor } from '../utils/test-app';

const SECRET = 'erasure-locking-secret-9Kd';

/**
 * An erasure beside a worker, step by step: an API-only app (no worker of its own), the real processing service
 * called by the test, and a third connection holding the (message, recipient) advisory lock to stop either of them at
 * a known point. Whichever comes first, nothing of the address survives in messages or suppressions.
 */
describe('erasure beside a worker (PostgreSQL)', () => {
  let t: TestApp;
  let erasure: AddressErasureService;
  let processing: EventProcessingService;
  let blocker: Client;

  beforeAll(async () => {
    t = await createTestApp({
      ROLE: 'api',
      WEBHOOK_SECRET_KEY: SECRET,
      ERASURE_SECRET: 'erasure-locking-fingerprints-0123',
    });
    erasure = t.app.get(AddressErasureService);
    processing = new EventProcessingService(t.dataSource);
    blocker = new Client({ connectionString: t.config.database.url });
    await blocker.connect();
  });

  afterAll(async () => {
    await blocker?.end();
    await t?.close();
  });

  /** Stores a message's life (queued, delivered, unsubscribed) for `address`; answers the events' ids, pending. */
  async function store(address: string, messageId: string): Promise<string[]> {
    for (const make of [queuedEvent, deliveredEvent, trackingUnsubscribeEvent]) {
      const res = await t.request({
        method: 'POST',
        url: '/webhooks/socketlabs',
        body: withSecret(make({ Address: address, MessageId: messageId }), SECRET),
        apiKey: null,
      });
      expect(res.statusCode).toBe(200);
    }
    const rows = await t.dataSource.query(`SELECT id::text AS id FROM email_events WHERE address = $1 ORDER BY id`, [
      address,
    ]);
    expect(rows).toHaveLength(3);
    return rows.map((r: { id: string }) => r.id);
  }

  /** Waits until `n` backends of this database wait for a lock of `kind` (pg_stat_activity's wait_event). */
  async function waiting(kind: 'advisory' | 'transactionid', n: number, what: string): Promise<void> {
    await waitFor(
      async () =>
        (
          await t.dataSource.query(
            `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = $1`,
            [kind],
          )
        ).length >= n,
      10000,
      what,
    );
  }

  async function holdMessageLock(address: string, messageId: string): Promise<void> {
    await blocker.query('BEGIN');
    await blocker.query('SELECT pg_advisory_xact_lock($1::int4, $2::int4)', [
      MESSAGE_LOCK_CLASS,
      lockKey(messageId, address),
    ]);
  }

  async function traces(address: string): Promise<{ messages: number; suppressions: number }> {
    const [r] = await t.dataSource.query(
      `SELECT (SELECT count(*)::int FROM messages WHERE address = $1) AS messages, (SELECT count(*)::int FROM suppressions WHERE address = $1) AS suppressions`,
      [address],
    );
    return r;
  }

  it('waits for a worker that has derived a message from the events but not committed, then deletes what it derived', async () => {
    const address = 'carol@example.com';
    const ids = await store(address, 'c-1');
    // The worker claims the events and writes the message, then stops at the suppression (another transaction is
    // inserting the same one), its message not committed yet: invisible to anyone else.
    await blocker.query('BEGIN');
    await blocker.query(`INSERT INTO suppressions (address, reason, event_id) VALUES ($1, 'unsubscribe', 0)`, [
      address,
    ]);
    const worked = processing.processBatch(ids);
    await waiting('transactionid', 1, 'the worker to stop at the suppression');
    // The erasure waits for the worker's claim on the events' backlog rows, instead of deleting nothing and leaving
    // the worker to commit its message after it.
    const erased = erasure.erase(address, undefined, 'test');
    await waiting('transactionid', 2, 'the erasure to wait for the worker');
    await blocker.query('ROLLBACK');

    expect(await worked).toMatchObject({ processed: 3 });
    expect(await erased).toMatchObject({
      eventsAnonymised: 3,
      messagesDeleted: 1,
      suppressionDeleted: true,
      suppressionKept: 'unsubscribe',
    });
    expect(await traces(address)).toEqual({ messages: 0, suppressions: 0 });
  });

  it('makes a worker that comes during the erasure skip the events, and derive nothing from them afterwards', async () => {
    const address = 'dave@example.com';
    const ids = await store(address, 'd-1');
    // The erasure holds the events and stops at the message lock.
    await holdMessageLock(address, 'd-1');
    const erased = erasure.erase(address, undefined, 'test');
    await waiting('advisory', 1, 'the erasure to wait for the message lock');
    // A worker now skips them (their backlog rows are the erasure's), without waiting.
    expect(await processing.processBatch(ids)).toMatchObject({ processed: 0, skipped: 3 });
    await blocker.query('COMMIT');
    expect(await erased).toMatchObject({ eventsAnonymised: 3, messagesDeleted: 0, suppressionDeleted: false });

    // Processed afterwards, they are counted, and make no message and no suppression.
    expect(await processing.processBatch(ids)).toMatchObject({ processed: 3 });
    expect(await traces(address)).toEqual({ messages: 0, suppressions: 0 });
    const stats = (await t.request({ method: 'GET', url: '/api/v1/events/stats' })).json();
    expect(stats.byState).toEqual({ pending: 0, processed: 6, failed: 0 });
  });
});
