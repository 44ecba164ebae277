import { Client } from 'pg';
import { deliveredEvent, queuedEvent, SocketLabsEvent, withSecret } from '../fixtures/socketlabs-events';
import { createTestApp, TestApp, waitFor } from '../utils/test-app';
import { EventJobs } from '../../src/core/queue/event-jobs';
import { rawText, storeEvent } from '../utils/stored-events';

const SECRET = 'feed-secret-key-8Hq2';

interface FeedPage {
  data: Array<{ id: string; messageId: string | null; state: string }>;
  nextCursor: string | null;
}

/**
 * The change feed, on the real pipeline: events posted to the receiver (which gives them their position as it stores
 * them), processed by the workers of this process.
 */
describe('Event change feed (e2e)', () => {
  // Room for waiting on the server-wide horizon (settled) a few times in one test.
  jest.setTimeout(180_000);
  let t: TestApp;
  let db: Client;

  beforeAll(async () => {
    t = await createTestApp({ ROLE: 'all', WEBHOOK_SECRET_KEY: SECRET });
    db = new Client({ connectionString: t.config.database.url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  async function feed(after: string | null, limit = 100): Promise<FeedPage> {
    const query = new URLSearchParams({ limit: String(limit), ...(after ? { after } : {}) });
    const res = await t.request({ method: 'GET', url: `/api/v1/events/feed?${query.toString()}` });
    expect(res.statusCode).toBe(200);
    return res.json();
  }

  /**
   * Waits until every stored event is below the feed's horizon. The horizon is the oldest transaction still running
   * on the whole PostgreSQL server (transaction ids are the server's), so another database's long transaction (a
   * benchmark beside the tests) holds the feed back until it ends.
   */
  async function settled(): Promise<void> {
    await waitFor(
      async () => {
        const [r] = await t.dataSource.query(
          `SELECT coalesce(max(txid), 0) < pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS ok FROM email_events`,
        );
        return r.ok;
      },
      50000,
      'the feed horizon to pass the stored events',
    );
  }

  /** Every page from `after` until an empty one (once the horizon has passed every event): the events and the cursor to continue with. */
  async function readAll(
    after: string | null,
    limit = 100,
  ): Promise<{ events: FeedPage['data']; cursor: string | null }> {
    await settled();
    const events: FeedPage['data'] = [];
    let cursor = after;
    for (;;) {
      const page = await feed(cursor, limit);
      events.push(...page.data);
      if (page.data.length === 0) {
        expect(page.nextCursor).toBe(cursor);
        return { events, cursor };
      }
      cursor = page.nextCursor;
    }
  }

  async function receive(events: SocketLabsEvent[]): Promise<void> {
    for (const e of events) {
      const res = await t.request({
        method: 'POST',
        url: '/webhooks/socketlabs',
        body: withSecret(e, SECRET),
        apiKey: null,
      });
      expect(res.statusCode).toBe(200);
    }
  }

  async function processed(messageIds: string[]): Promise<void> {
    await waitFor(
      async () => {
        const [row] = await t.dataSource.query(
          `SELECT count(*)::int AS n FROM email_events e WHERE message_id = ANY($1) AND NOT EXISTS (SELECT 1 FROM event_backlog b WHERE b.event_id = e.id)`,
          [messageIds],
        );
        return row.n === messageIds.length;
      },
      15000,
      `${messageIds.length} events processed`,
    );
  }

  it('hands out every stored event once, in one order, page after page', async () => {
    const ids = Array.from({ length: 7 }, (_, i) => `feed-a-${i}`);
    await receive(ids.map((messageId) => deliveredEvent({ MessageId: messageId })));
    await processed(ids);

    const { events, cursor } = await readAll(null, 3);
    expect(events.map((e) => e.messageId)).toEqual(expect.arrayContaining(ids));
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(events.every((e) => e.state === 'processed')).toBe(true);

    // One event a page: each cursor is that event's (txid, id), the txid of the transaction that stored it, and
    // the cursors only grow.
    const txids: Record<string, string> = Object.fromEntries(
      (
        await t.dataSource.query(`SELECT id::text AS id, txid::text AS txid FROM email_events WHERE txid IS NOT NULL`)
      ).map((r: { id: string; txid: string }) => [r.id, r.txid]),
    );
    const cursors: [bigint, bigint][] = [];
    await settled();
    let after: string | null = null;
    for (;;) {
      const page = await feed(after, 1);
      if (!page.data.length) break;
      const [txid, id] = page.nextCursor!.split('.');
      expect(id).toBe(page.data[0].id);
      expect(txid).toBe(txids[id]);
      cursors.push([BigInt(txid), BigInt(id)]);
      after = page.nextCursor;
    }
    expect(cursors.map(([, id]) => String(id))).toEqual(events.map((e) => e.id));
    for (let i = 1; i < cursors.length; i++) {
      const [a, b] = [cursors[i - 1], cursors[i]];
      expect(a[0] < b[0] || (a[0] === b[0] && a[1] < b[1])).toBe(true);
    }

    // Nothing new: an empty page that gives the same cursor back. New events come after it, and only they.
    expect(await feed(cursor)).toEqual({ data: [], nextCursor: cursor });
    await receive([queuedEvent({ MessageId: 'feed-b-0' }), queuedEvent({ MessageId: 'feed-b-1' })]);
    await processed(['feed-b-0', 'feed-b-1']);
    const next = await readAll(cursor);
    expect(next.events.map((e) => e.messageId).sort()).toEqual(['feed-b-0', 'feed-b-1']);
  });

  it('never skips an event whose transaction committed after a later one', async () => {
    const start = (await readAll(null)).cursor;
    // A receiver's transaction that started first and commits last: it stores event X while Y is stored.
    await db.query('BEGIN');
    try {
      await storeEvent(
        { query: async (sql, params) => (await db.query(sql, params as unknown[])).rows },
        {
          raw: rawText(deliveredEvent({ MessageId: 'feed-late-x' }), 'json'),
          format: 'json',
        },
      );
      await receive([deliveredEvent({ MessageId: 'feed-late-y' })]);
      // Y is committed, but X's transaction may still commit below it: the feed must not pass X by.
      expect((await feed(start)).data).toEqual([]);
    } finally {
      await db.query('COMMIT');
    }
    const { events } = await readAll(start);
    expect(events.map((e) => e.messageId)).toEqual(['feed-late-x', 'feed-late-y']);
  });

  it('hands out an event stored raw only once a worker has normalized it', async () => {
    await processed([]);
    const start = (await readAll(null)).cursor;
    const raw = rawText(deliveredEvent({ MessageId: 'feed-raw' }), 'json');
    // Stored raw (received "in the future": the sweeper leaves it alone until the test queues it).
    const id = await storeEvent(t.dataSource, {
      raw,
      format: 'json',
      storedRaw: true,
      receivedAt: new Date(Date.now() + 3_600_000),
    });
    await receive([deliveredEvent({ MessageId: 'feed-normal' })]);
    expect((await readAll(start)).events.map((e) => e.messageId)).toEqual(['feed-normal']);

    await t.app.get(EventJobs).addNow([id], 'test');
    await processed(['feed-raw']);
    const { events } = await readAll(start);
    expect(events.map((e) => e.messageId)).toEqual(['feed-normal', 'feed-raw']);
    expect(events[1]).toMatchObject({ id, state: 'processed' });
  });

  it('hands a replayed event out again once it is processed again', async () => {
    await receive([deliveredEvent({ MessageId: 'feed-replayed' })]);
    await processed(['feed-replayed']);
    const { events, cursor } = await readAll(null);
    const id = events.find((e) => e.messageId === 'feed-replayed')!.id;

    expect((await t.request({ method: 'POST', url: `/api/v1/events/${id}/replay` })).statusCode).toBe(202);
    const again = await waitFor(async () => {
      const page = await feed(cursor);
      return page.data.length ? page.data : undefined;
    }, 50000);
    expect(again.map((e) => e.id)).toEqual([id]);
    // Once only: from the new position on, nothing more.
    await processed(['feed-replayed']);
    expect((await readAll(cursor)).events.map((e) => e.id)).toEqual([id]);
  });

  it('400 for a cursor it did not give out and for a limit out of range; 401 without a key', async () => {
    for (const query of [
      'after=abc',
      'after=12',
      'after=1.0',
      'after=-1.5',
      'after=1.9999999999999999999',
      'limit=0',
      'limit=1001',
    ]) {
      const res = await t.request({ method: 'GET', url: `/api/v1/events/feed?${query}` });
      expect({ query, status: res.statusCode }).toEqual({ query, status: 400 });
    }
    expect((await t.request({ method: 'GET', url: '/api/v1/events/feed', apiKey: null })).statusCode).toBe(401);
  });
});
