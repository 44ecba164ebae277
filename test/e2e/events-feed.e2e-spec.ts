import { Client } from 'pg';
import { deliveredEvent, queuedEvent, SocketLabsEvent, withSecret } from '../fixtures/socketlabs-events';
import { createTestApp, TestApp, waitFor } from '../utils/test-app';
import { seedEvent } from './events-seed';

const SECRET = 'feed-secret-key-8Hq2';

interface FeedPage {
  data: Array<{ id: string; messageId: string | null; state: string }>;
  nextCursor: string | null;
}

/** The change feed, on the real pipeline: events posted to the receiver, processed by the workers of this process. */
describe('Event change feed (e2e)', () => {
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
    const res = await t.request({ method: 'GET', url: `/api/v1/events/feed?${query}` });
    expect(res.statusCode).toBe(200);
    return res.json();
  }

  /** Every page from `after` until an empty one: the events and the cursor to continue with. */
  async function readAll(after: string | null, limit = 100): Promise<{ events: FeedPage['data']; cursor: string | null }> {
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
      const res = await t.request({ method: 'POST', url: '/webhooks/socketlabs', body: withSecret(e, SECRET), apiKey: null });
      expect(res.statusCode).toBe(200);
    }
  }

  async function processed(messageIds: string[]): Promise<void> {
    await waitFor(
      async () => {
        const [row] = await t.dataSource.query(`SELECT count(*)::int AS n FROM email_events WHERE state = 'processed' AND message_id = ANY($1)`, [messageIds]);
        return row.n === messageIds.length;
      },
      15000,
      `${messageIds.length} events processed`,
    );
  }

  it('hands out every processed event once, in one order, page after page', async () => {
    const ids = Array.from({ length: 7 }, (_, i) => `feed-a-${i}`);
    await receive(ids.map((messageId) => deliveredEvent({ MessageId: messageId })));
    await processed(ids);

    const { events, cursor } = await readAll(null, 3);
    expect(events.map((e) => e.messageId)).toEqual(expect.arrayContaining(ids));
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(events.every((e) => e.state === 'processed')).toBe(true);

    // Nothing new: an empty page that gives the same cursor back. New events come after it, and only they.
    expect(await feed(cursor)).toEqual({ data: [], nextCursor: cursor });
    await receive([queuedEvent({ MessageId: 'feed-b-0' }), queuedEvent({ MessageId: 'feed-b-1' })]);
    await processed(['feed-b-0', 'feed-b-1']);
    const next = await readAll(cursor);
    expect(next.events.map((e) => e.messageId).sort()).toEqual(['feed-b-0', 'feed-b-1']);
  });

  it('never skips an event whose processing committed after a later one', async () => {
    const start = (await readAll(null)).cursor;
    // A processing transaction that started first and commits last: it holds event X while Y is processed.
    const x = await seedEvent(t.dataSource, { state: 'pending', type: 'Delivered', rawEvent: deliveredEvent({ MessageId: 'feed-late-x' }) });
    await db.query('BEGIN');
    await db.query(
      `UPDATE email_events SET state = 'processed', processed_at = now(), message_id = 'feed-late-x', processed_txid = pg_current_xact_id()::text::bigint WHERE id = $1`,
      [x],
    );
    try {
      await receive([deliveredEvent({ MessageId: 'feed-late-y' })]);
      await processed(['feed-late-y']);
      // Y is committed, but X's transaction may still commit below it: the feed must not pass X by.
      expect((await feed(start)).data).toEqual([]);
    } finally {
      await db.query('COMMIT');
    }
    const { events } = await readAll(start);
    expect(events.map((e) => e.messageId)).toEqual(['feed-late-x', 'feed-late-y']);
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
    });
    expect(again.map((e) => e.id)).toEqual([id]);
  });

  it('400 for a cursor it did not give out and for a limit out of range; 401 without a key', async () => {
    for (const query of ['after=abc', 'after=12', 'after=1.0', 'after=-1.5', 'after=1.9999999999999999999', 'limit=0', 'limit=1001']) {
      const res = await t.request({ method: 'GET', url: `/api/v1/events/feed?${query}` });
      expect({ query, status: res.statusCode }).toEqual({ query, status: 400 });
    }
    expect((await t.request({ method: 'GET', url: '/api/v1/events/feed', apiKey: null })).statusCode).toBe(401);
  });
});
