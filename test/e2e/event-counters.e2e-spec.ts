import { EVENT_TYPES } from '../../src/events/event-names';
import { MAX_EVENT_ATTEMPTS } from '../../src/webhooks/processing/event-processing.service';
import {
  complaintEvent,
  deferredEvent,
  deliveredEvent,
  failedEvent,
  queuedEvent,
  trackingClickEvent,
  trackingOpenEvent,
  trackingUnsubscribeEvent,
  withSecret,
} from '../fixtures/socketlabs-events';
import { createTestApp, TestApp, waitFor } from '../utils/test-app';
import { dropPoison, poisonMessages } from '../utils/stored-events';

const SECRET = 'counters-secret-7Lp2';

interface Stats {
  from: string | null;
  to: string | null;
  total: number;
  byType: Record<string, number>;
  byTrackingType: Record<string, number>;
  byState: Record<string, number>;
}

/**
 * GET /events/stats adds up counters (event_counts and event_count_deltas) that the receiver, the worker and replays
 * keep in the transactions that change what they count (docs/storage.md). Here they are checked against a plain
 * COUNT over email_events and event_backlog, on the real pipeline: receiver, worker, a dead event, replays.
 */
describe('event counters behind GET /events/stats (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ ROLE: 'all', WEBHOOK_SECRET_KEY: SECRET });
    // An event whose message PostgreSQL refuses to store: processing fails on it until it is dead.
    await poisonMessages(t.dataSource);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function stats(query = ''): Promise<Stats> {
    const res = await t.request({ method: 'GET', url: `/api/v1/events/stats${query}` });
    expect(res.statusCode).toBe(200);
    return res.json();
  }

  /** The same numbers, counted from the events themselves (within [from, to) when given). */
  async function counted(from?: string, to?: string): Promise<Omit<Stats, 'from' | 'to'>> {
    const rows: { type: string; tracking: string; state: string; n: number }[] = await t.dataSource.query(
      `SELECT e.type, lower(e.tracking_type) AS tracking, coalesce(b.state, 'processed') AS state, count(*)::int AS n
       FROM email_events e LEFT JOIN event_backlog b ON b.event_id = e.id
       WHERE ($1::timestamptz IS NULL OR e.occurred_at >= $1) AND ($2::timestamptz IS NULL OR (e.occurred_at > '-infinity' AND e.occurred_at < $2))
       GROUP BY 1, 2, 3`,
      [from ?? null, to ?? null],
    );
    const out = {
      total: 0,
      byType: Object.fromEntries([...EVENT_TYPES.map((x) => x.toLowerCase()), 'unknown'].map((x) => [x, 0])),
      byTrackingType: { click: 0, open: 0, unsubscribe: 0 } as Record<string, number>,
      byState: { pending: 0, processed: 0, failed: 0 } as Record<string, number>,
    };
    for (const r of rows) {
      out.total += r.n;
      const known = EVENT_TYPES.find((x) => x === r.type);
      out.byType[known ? known.toLowerCase() : 'unknown'] += r.n;
      if (r.tracking) out.byTrackingType[r.tracking] += r.n;
      out.byState[r.state] += r.n;
    }
    return out;
  }

  async function receive(events: Record<string, unknown>[]): Promise<void> {
    const res = await t.request({
      method: 'POST',
      url: '/webhooks/socketlabs',
      body: events.map((e) => withSecret(e, SECRET)),
      apiKey: null,
    });
    expect(res.statusCode).toBe(200);
  }

  /** Nothing pending any more: the workers are done. */
  async function quiet(): Promise<void> {
    await waitFor(
      async () =>
        (await t.dataSource.query(`SELECT count(*)::int AS n FROM event_backlog WHERE state = 'pending'`))[0].n === 0,
      30000,
      'the backlog drained',
    );
  }

  const stateOf = async (messageId: string) =>
    (
      await t.dataSource.query(
        `SELECT e.id::text AS id, coalesce(b.state, 'processed') AS state, b.attempts FROM email_events e LEFT JOIN event_backlog b ON b.event_id = e.id WHERE e.message_id = $1`,
        [messageId],
      )
    )[0] as { id: string; state: string; attempts: number | null };

  it('match a count of the events after the receiver stored them and the workers processed them, a dead one included', async () => {
    const events = [
      queuedEvent({ MessageId: 'cnt-1' }),
      deferredEvent({ MessageId: 'cnt-1' }),
      deliveredEvent({ MessageId: 'cnt-1' }),
      deliveredEvent({ MessageId: 'cnt-2', DateTime: '2024-02-29T23:59:59.9999999Z' }),
      failedEvent({ MessageId: 'cnt-3' }),
      trackingOpenEvent({ MessageId: 'cnt-1' }),
      trackingOpenEvent({ MessageId: 'cnt-1', DateTime: '2023-06-12T12:00:00Z' }),
      trackingClickEvent({ MessageId: 'cnt-1' }),
      trackingUnsubscribeEvent({ MessageId: 'cnt-1' }),
      complaintEvent({ MessageId: 'cnt-1' }),
      { Type: 'Bounced', Address: 'x@example.com', MessageId: 'cnt-unknown', DateTime: '2024-01-01T00:00:00Z' },
      // Undated: counted under no hour of any window, but in the totals.
      { Type: 'delivered', Address: 'y@example.com', MessageId: 'cnt-undated' },
      deliveredEvent({ MessageId: 'cnt-poison', Address: 'poison-1@example.com' }),
    ];
    await receive(events);
    await quiet();
    await waitFor(async () => (await stateOf('cnt-poison')).state === 'failed', 60000, 'the poison event to die');
    expect((await stateOf('cnt-poison')).attempts).toBe(MAX_EVENT_ATTEMPTS);

    const all = await stats();
    expect(all).toMatchObject(await counted());
    expect(all).toMatchObject({
      total: events.length,
      byType: { queued: 1, deferred: 1, delivered: 4, failed: 1, tracking: 4, complaint: 1, unknown: 1 },
      byTrackingType: { click: 1, open: 2, unsubscribe: 1 },
      byState: { pending: 0, processed: events.length - 1, failed: 1 },
    });

    // A window, widened to whole hours: the same as a count over that window.
    const window = await stats('?from=2023-06-12T10:30:00Z&to=2024-02-29T23:10:00Z');
    expect(window).toMatchObject({ from: '2023-06-12T10:00:00.000Z', to: '2024-03-01T00:00:00.000Z' });
    expect(window).toMatchObject(await counted(window.from!, window.to!));
    expect(window.total).toBeGreaterThan(0);
    expect(window.total).toBeLessThan(all.total);
  });

  it('still match after replays: a processed event and the dead one, once fixed, each counted once', async () => {
    const before = await stats();
    const processed = await stateOf('cnt-2');
    const dead = await stateOf('cnt-poison');
    expect(dead.state).toBe('failed');
    await dropPoison(t.dataSource);

    const one = await t.request({ method: 'POST', url: `/api/v1/events/${processed.id}/replay` });
    expect(one.statusCode).toBe(202);
    const many = await t.request({ method: 'POST', url: '/api/v1/events/replay', body: { state: 'failed' } });
    expect(many.json()).toMatchObject({ replayed: 1 });
    await quiet();
    expect((await stateOf('cnt-poison')).state).toBe('processed');

    const after = await stats();
    expect(after).toMatchObject(await counted());
    // The same events, moved from failed to processed; nothing counted twice.
    expect(after).toMatchObject({
      total: before.total,
      byType: before.byType,
      byState: { pending: 0, processed: before.total, failed: 0 },
    });

    // The sweeper compacts the deltas into event_counts every few seconds: the answer does not move.
    await waitFor(
      async () => (await t.dataSource.query(`SELECT count(*)::int AS n FROM event_count_deltas`))[0].n === 0,
      30000,
      'the deltas compacted',
    );
    expect(await stats()).toEqual(after);
  });
});
