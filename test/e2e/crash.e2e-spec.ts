import { Client } from 'pg';
import { freePort, ServiceProcess } from '../utils/service-process';
import { testEnvironment, TEST_ADMIN_KEY, waitFor } from '../utils/test-app';

const SECRET = 'crash-test-secret-key';

function deliveredEvent(n: number) {
  return {
    Type: 'Delivered',
    DateTime: new Date(Date.UTC(2026, 10, 23, 10, 0, 0) + n).toISOString().replace('Z', '0000Z'),
    MailingId: 'crash-mailing',
    MessageId: `crash-${n}`,
    Address: `user${n}@example.com`,
    ServerId: 12345,
    SubaccountId: 12345,
    IpPoolId: 7,
    Response: '250 2.0.0 OK 1695000000 x1si123 - gsmtp',
    LocalIp: '142.0.176.1',
    RemoteMta: 'gmail-smtp-in.l.google.com',
    SecretKey: SECRET,
    Data: { Meta: [{ Key: 'x-order', Value: String(n) }], Tags: ['crash'] },
  };
}

/**
 * Under a burst of concurrent posts, the process is killed with SIGKILL. After a restart, every event that got a
 * 200 must be stored and processed, exactly once; SocketLabs' retries of the others are stored once too.
 */
describe('crash safety (SIGKILL under load)', () => {
  let env: Awaited<ReturnType<typeof testEnvironment>>;
  let service: ServiceProcess;
  let db: Client;

  beforeAll(async () => {
    env = await testEnvironment({
      WEBHOOK_SECRET_KEY: SECRET,
      ROLE: 'all',
      LOG_LEVEL: 'warn',
      SWEEPER_DELAY_SECONDS: '2',
    });
    service = new ServiceProcess({ ...env.env, PORT: String(await freePort()), ADMIN_API_KEY: TEST_ADMIN_KEY });
    await service.start();
    db = new Client({ connectionString: env.env.DATABASE_URL });
    await db.connect();
  });

  afterAll(async () => {
    await service?.kill();
    await db?.end();
    await env?.cleanup();
  });

  it('keeps every acknowledged event, and stores retries once', async () => {
    const acknowledged = new Set<number>();
    const unacknowledged = new Set<number>();
    let next = 0;
    let killed = false;
    const post = async (n: number) => {
      try {
        const res = await fetch(`${service.baseUrl}/webhooks/socketlabs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(deliveredEvent(n)),
        });
        if (res.status === 200) acknowledged.add(n);
        else unacknowledged.add(n);
      } catch {
        unacknowledged.add(n); // connection reset by the kill: SocketLabs would retry it
      }
    };
    const sender = async () => {
      while (!killed) await post(next++);
    };
    const senders = Array.from({ length: 32 }, sender);
    // Kill in the middle of the burst, once a good number of events were acknowledged.
    await waitFor(() => acknowledged.size >= 400, 30000, '400 acknowledged events');
    await service.kill('SIGKILL');
    killed = true;
    await Promise.all(senders);
    expect(acknowledged.size).toBeGreaterThanOrEqual(400);

    await service.start();
    // SocketLabs retries what it did not get a 200 for; replaying a sample of acknowledged ones too must not double them.
    const retries = [...unacknowledged, ...[...acknowledged].slice(0, 50)];
    const retryStatuses: Record<string, number> = {};
    for (const n of retries) {
      const res = await fetch(`${service.baseUrl}/webhooks/socketlabs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(deliveredEvent(n)),
      });
      retryStatuses[res.status] = (retryStatuses[res.status] ?? 0) + 1;
    }
    // SocketLabs retries until it gets a 200: every retry must be acknowledged now.
    expect(retryStatuses).toEqual({ 200: retries.length });

    const sent = acknowledged.size + unacknowledged.size;
    const done = await waitFor(
      async () => {
        const r = await db.query(
          `SELECT count(*)::int AS total, count(*) FILTER (WHERE b.event_id IS NULL)::int AS processed FROM email_events e LEFT JOIN event_backlog b ON b.event_id = e.id`,
        );
        return r.rows[0].processed === sent ? r.rows[0] : undefined;
      },
      60000,
      'every event processed',
    ).catch(async (err) => {
      const r = await db.query(
        `SELECT coalesce(b.state, 'processed') AS state, count(*)::int AS n FROM email_events e LEFT JOIN event_backlog b ON b.event_id = e.id GROUP BY 1`,
      );
      throw new Error(
        `${(err as Error).message}; sent ${sent}; rows by state ${JSON.stringify(r.rows)}\n${service.output.slice(-3000)}`,
      );
    });
    expect(done.total).toBe(sent);

    const rows = await db.query(`SELECT message_id, count(*)::int AS n FROM email_events GROUP BY message_id`);
    const stored = new Map<string, number>(rows.rows.map((r) => [r.message_id, r.n]));
    for (const n of acknowledged) expect(stored.get(`crash-${n}`)).toBe(1);
    expect([...stored.values()].every((count) => count === 1)).toBe(true);
    const messages = await db.query(`SELECT count(*)::int AS n FROM messages WHERE status = 'delivered'`);
    expect(messages.rows[0].n).toBe(sent);
  });

  it('stops on SIGTERM under load with exit code 0, its worker thread included, and loses nothing', async () => {
    const first = 100_000;
    const acknowledged: number[] = [];
    let next = first;
    let stopping = false;
    const sender = async () => {
      while (!stopping) {
        const n = next++;
        const res = await fetch(`${service.baseUrl}/webhooks/socketlabs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(deliveredEvent(n)),
        }).catch(() => null);
        if (res?.status === 200) acknowledged.push(n);
      }
    };
    const senders = Array.from({ length: 16 }, sender);
    await waitFor(() => acknowledged.length >= 200, 30000, '200 acknowledged events');
    const started = Date.now();
    const exit = await service.kill('SIGTERM');
    stopping = true;
    await Promise.all(senders);
    if (exit.code !== 0) throw new Error(`exit ${JSON.stringify(exit)}\n${service.output.slice(-6000)}`);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(15000);

    await service.start();
    await waitFor(
      async () => {
        const r = await db.query(
          `SELECT count(*)::int AS n FROM email_events e WHERE message_id = ANY($1) AND NOT EXISTS (SELECT 1 FROM event_backlog b WHERE b.event_id = e.id)`,
          [acknowledged.map((n) => `crash-${n}`)],
        );
        return r.rows[0].n === acknowledged.length;
      },
      60000,
      'every acknowledged event processed',
    );
  });
});
