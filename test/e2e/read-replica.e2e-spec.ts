import { Client } from 'pg';
import { deliveredEvent, withSecret } from '../fixtures/socketlabs-events';
import { createTestApp, TestApp, waitFor } from '../utils/test-app';
import { createTestDatabase } from '../utils/test-database';

const SECRET = 'replica-test-secret-1234';

/**
 * DATABASE_READ_URL: the read API reads from it, everything else uses the primary. The "replica" here is a second
 * database with rows of its own, so every answer shows which database it came from: a read served by the primary,
 * or a write sent to the replica, gives a visibly different answer.
 */
describe('read API on a replica (e2e)', () => {
  let replica: Awaited<ReturnType<typeof createTestDatabase>>;
  let replicaDb: Client;
  let t: TestApp;
  beforeAll(async () => {
    replica = await createTestDatabase();
    replicaDb = new Client({ connectionString: replica.url });
    await replicaDb.connect();
    // Only on the replica: one processed event (id 1000), its message and a suppression.
    await replicaDb.query(`
      INSERT INTO email_events (id, received_at, dedupe_key, format, raw, type, known_type, txid, occurred_at, address, message_id, mailing_id)
      OVERRIDING SYSTEM VALUE
      VALUES (1000, now(), sha256('replica-only'), 'json', '{"Type":"Delivered"}', 'Delivered', true, 1,
              now(), 'only-on-replica@example.com', 'replica-msg', 'replica-mailing')`);
    await replicaDb.query(
      `INSERT INTO event_count_deltas (hour, type, tracking_type, state, n) VALUES (date_trunc('hour', now(), 'UTC'), 'delivered', '', 'processed', 1)`,
    );
    await replicaDb.query(`
      INSERT INTO messages (message_id, address, mailing_id, status, status_at, event_count, first_event_at, last_event_at, updated_at)
      VALUES ('replica-msg', 'only-on-replica@example.com', 'replica-mailing', 'delivered', now(), 1, now(), now(), now())`);
    await replicaDb.query(
      `INSERT INTO suppressions (address, reason, event_id) VALUES ('only-on-replica@example.com', 'complaint', 1000)`,
    );

    t = await createTestApp({ ROLE: 'api', WEBHOOK_SECRET_KEY: SECRET, DATABASE_READ_URL: replica.url });
    // Only on the primary: an event received now (id 1) and a suppression.
    const posted = await t.request({
      method: 'POST',
      url: '/webhooks/socketlabs',
      body: withSecret(deliveredEvent({ MessageId: 'primary-msg' }), SECRET),
      apiKey: null,
    });
    expect(posted.statusCode).toBe(200);
    await t.dataSource.query(
      `INSERT INTO suppressions (address, reason, event_id) VALUES ('only-on-primary@example.com', 'unsubscribe', 1)`,
    );
  });
  afterAll(async () => {
    await t?.close();
    await replicaDb?.end();
    await replica?.drop();
  });

  const get = (url: string) => t.request({ method: 'GET', url: `/api/v1${url}` });

  it('lists and reads events, messages, suppressions, statistics and the change feed from the replica', async () => {
    const events = (await get('/events')).json();
    expect(events.total).toBe(1);
    expect(events.data[0]).toMatchObject({ id: '1000', address: 'only-on-replica@example.com' });
    expect((await get('/events/1000')).statusCode).toBe(200);
    expect((await get('/events/1')).statusCode).toBe(404); // on the primary only

    const messages = (await get('/messages')).json();
    expect(messages.data.map((m: { messageId: string }) => m.messageId)).toEqual(['replica-msg']);
    expect((await get(`/messages/${messages.data[0].id}`)).json().timeline.map((e: { id: string }) => e.id)).toEqual([
      '1000',
    ]);

    expect((await get('/suppressions/only-on-replica@example.com')).statusCode).toBe(200);
    expect((await get('/events/stats')).json().total).toBe(1);
    expect((await get('/events/feed')).json().data.map((e: { id: string }) => e.id)).toEqual(['1000']);

    const [{ n }] = await replicaDb
      .query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'socketlabs-gateway-read' AND datname = current_database()`,
      )
      .then((r) => r.rows);
    expect(n).toBeGreaterThan(0);
  });

  it('writes replays and suppression removals to the primary', async () => {
    const replayed = await t.request({ method: 'POST', url: '/api/v1/events/replay', body: { ids: ['1'] } });
    expect(replayed.json()).toMatchObject({ replayed: 1 });
    expect((await t.request({ method: 'POST', url: '/api/v1/events/1000/replay' })).statusCode).toBe(404); // not on the primary

    expect(
      (await t.request({ method: 'DELETE', url: '/api/v1/suppressions/only-on-primary@example.com' })).statusCode,
    ).toBe(200);
    expect(
      (await t.request({ method: 'DELETE', url: '/api/v1/suppressions/only-on-replica@example.com' })).statusCode,
    ).toBe(404);
    // Still processed on the replica: nothing was put in its backlog.
    expect((await replicaDb.query(`SELECT count(*)::int AS n FROM event_backlog`)).rows[0].n).toBe(0);
    expect(await t.dataSource.query(`SELECT event_id::text AS id, state FROM event_backlog`)).toEqual([
      { id: '1', state: 'pending' },
    ]);
  });

  it('reports the replica in /health', async () => {
    const health = await t.request({ method: 'GET', url: '/health', apiKey: null });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok', database: 'up', databaseRead: 'up', redis: 'up' });
  });

  it('closes its connections to the replica when the application stops', async () => {
    const readers = async () =>
      (
        await replicaDb.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'socketlabs-gateway-read'`,
        )
      ).rows[0].n as number;
    expect(await readers()).toBeGreaterThan(0);
    await t.close();
    t = undefined as unknown as TestApp;
    await waitFor(async () => (await readers()) === 0, 5000, 'the replica pool to be closed');
  });
});
