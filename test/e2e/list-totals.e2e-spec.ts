import { COUNT_LIMIT } from '../../src/core/http/list-total';
import { createTestApp, TestApp } from '../utils/test-app';

const MANY = COUNT_LIMIT + 5;

/**
 * `total` and `totalExact` of the lists (src/core/http/list-total.ts): exact up to COUNT_LIMIT rows, or from the
 * event counters when the filters are what they count; beyond, a lower bound (`total` 10000, `totalExact` false).
 */
describe('list totals (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // ROLE=api: nothing processes the rows seeded here.
    t = await createTestApp({ ROLE: 'api' });
    // Seeded in one statement each, as the receiver would have stored them (processed: no backlog row), with their
    // counter deltas: MANY delivered events to one address, and one to another.
    await t.dataSource.query(
      `WITH ins AS (
         INSERT INTO email_events (received_at, dedupe_key, format, raw, type, known_type, occurred_at, address, message_id, txid)
         SELECT now(), sha256(convert_to('bulk-' || i, 'UTF8')), 'json', '{"Type":"Delivered"}', 'Delivered', true,
                timestamptz '2025-05-01 00:00:00+00' + make_interval(secs => i), CASE WHEN i <= $1 THEN 'bulk@example.com' ELSE 'one@example.com' END,
                'bulk-' || i, 1
         FROM generate_series(1, $1 + 1) AS i
         RETURNING occurred_at, type
       )
       INSERT INTO event_count_deltas (hour, type, tracking_type, state, n)
       SELECT date_trunc('hour', occurred_at, 'UTC'), lower(type), '', 'processed', count(*) FROM ins GROUP BY 1, 2`,
      [MANY],
    );
    await t.dataSource.query(
      `INSERT INTO messages (message_id, address, status, status_at, event_count, first_event_at, last_event_at, updated_at)
       SELECT 'bulk-' || i, CASE WHEN i <= $1 THEN 'bulk@example.com' ELSE 'one@example.com' END, 'delivered', now(), 1, now(), now(), now()
       FROM generate_series(1, $1 + 1) AS i`,
      [MANY],
    );
    await t.dataSource.query(
      `INSERT INTO suppressions (address, reason, event_id) SELECT 'bulk-' || i || '@example.com', 'unsubscribe', i FROM generate_series(1, $1) AS i`,
      [MANY],
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  async function list(url: string): Promise<{ data: unknown[]; total: number; totalExact: boolean }> {
    const res = await t.request({ method: 'GET', url: `/api/v1${url}` });
    expect(res.statusCode).toBe(200);
    return res.json();
  }

  it('is exact for a small list', async () => {
    expect(await list('/events?address=one@example.com')).toMatchObject({ total: 1, totalExact: true });
    expect(await list('/messages?address=one@example.com')).toMatchObject({ total: 1, totalExact: true });
    expect(await list('/suppressions?pageSize=1&address=bulk-7@example.com')).toMatchObject({
      total: 1,
      totalExact: true,
    });
    expect(await list('/events?address=nobody@example.com')).toMatchObject({ data: [], total: 0, totalExact: true });
  });

  it(`stops counting past ${COUNT_LIMIT} matching rows: total ${COUNT_LIMIT}, totalExact false, the page as asked`, async () => {
    for (const url of [
      '/events?address=bulk@example.com&pageSize=5',
      '/messages?address=bulk@example.com&pageSize=5',
      '/suppressions?pageSize=5',
    ]) {
      const page = await list(url);
      expect({ url, total: page.total, totalExact: page.totalExact, rows: page.data.length }).toEqual({
        url,
        total: COUNT_LIMIT,
        totalExact: false,
        rows: 5,
      });
    }
    // Past the counted rows, pages still come.
    expect(
      (await list(`/events?address=bulk@example.com&pageSize=5&pageNumber=${Math.floor(COUNT_LIMIT / 5)}`)).data,
    ).toHaveLength(5);
  });

  it('is exact beyond the limit when the event counters answer (no filter, or only type and whole hours)', async () => {
    expect(await list('/events?pageSize=1')).toMatchObject({ total: MANY + 1, totalExact: true });
    expect(await list('/events?pageSize=1&type=delivered&state=processed')).toMatchObject({
      total: MANY + 1,
      totalExact: true,
    });
    expect(await list('/events?pageSize=1&from=2025-05-01T00:00:00Z&to=2025-05-02T00:00:00Z')).toMatchObject({
      total: MANY + 1,
      totalExact: true,
    });
    // A window that is not whole hours is counted, so bounded.
    expect(await list('/events?pageSize=1&from=2025-05-01T00:00:01Z')).toMatchObject({
      total: COUNT_LIMIT,
      totalExact: false,
    });
  });
});
