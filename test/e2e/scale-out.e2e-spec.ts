import { Client } from 'pg';
import { freePort, ServiceProcess } from '../utils/service-process';
import { testEnvironment, waitFor } from '../utils/test-app';

const SECRET = 'scale-out-secret-key-7Wq';
/** Events acknowledged before one API and one worker process are killed, and in all. */
const BEFORE_KILL = 300;
const TOTAL = 700;
const SENDERS = 16;

/** Event n: a message's Queued (even n) or Delivered (odd n), so that every message has two events. */
function event(n: number) {
  const message = Math.floor(n / 2);
  return {
    Type: n % 2 === 0 ? 'Queued' : 'Delivered',
    DateTime: new Date(Date.UTC(2026, 11, 7, 9, 0, 0) + n).toISOString().replace('Z', '0000Z'),
    MailingId: 'scale-out',
    MessageId: `scale-${message}`,
    Address: `user${message}@example.com`,
    ServerId: 12345,
    SecretKey: SECRET,
  };
}
const keyOf = (n: number) => `scale-${Math.floor(n / 2)}/${n % 2 === 0 ? 'Queued' : 'Delivered'}`;

/**
 * Scale-out: two ROLE=api and two ROLE=worker processes, the real service started as `npm start` starts it, on one
 * database and one Redis prefix. Events are posted concurrently to both API processes (some to both, as SocketLabs'
 * retries may land on another instance); mid-run one API and one worker process are killed with SIGKILL; whatever
 * got no 200 is posted again to the survivor, as SocketLabs would. Every event must be stored once and processed
 * once: nothing left in the backlog, each message counting exactly its stored events, and the statistics' processed
 * count equal to the stored count (each processing adds one: a second processing of an event would show there).
 */
describe('scale-out: 2 API and 2 worker processes, one of each killed under load (e2e)', () => {
  let environment: Awaited<ReturnType<typeof testEnvironment>>;
  let apis: ServiceProcess[];
  let workers: ServiceProcess[];
  let db: Client;

  beforeAll(async () => {
    environment = await testEnvironment({
      WEBHOOK_SECRET_KEY: SECRET,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'log',
      SWEEPER_DELAY_SECONDS: '1',
    });
    apis = await Promise.all(
      [0, 1].map(async () => new ServiceProcess({ ...environment.env, ROLE: 'api', PORT: String(await freePort()) })),
    );
    workers = [0, 1].map(() => new ServiceProcess({ ...environment.env, ROLE: 'worker' }));
    await Promise.all([...apis, ...workers].map((p) => p.start(90_000)));
    db = new Client({ connectionString: environment.env.DATABASE_URL });
    await db.connect();
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...(apis ?? []), ...(workers ?? [])].map((p) => p.kill()));
    await db?.end();
    await environment?.cleanup();
  });

  it('stores every acknowledged event once and processes it once', async () => {
    const acknowledged = new Set<number>();
    const toRetry: number[] = [];
    let killed = false;
    let next = 0;

    const post = async (api: ServiceProcess, n: number): Promise<boolean> => {
      try {
        const res = await fetch(`${api.baseUrl}/webhooks/socketlabs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(event(n)),
        });
        await res.arrayBuffer();
        return res.status === 200;
      } catch {
        return false; // the connection died with the process
      }
    };
    const sender = async () => {
      while (next < TOTAL) {
        const n = next++;
        // Both API processes share the load until one is killed; every tenth event also reaches the other one.
        const first = killed ? apis[1] : apis[n % 2];
        const ok = await post(first, n);
        if (n % 10 === 0 && !killed) await post(apis[(n + 1) % 2], n);
        if (ok) acknowledged.add(n);
        else toRetry.push(n);
      }
    };
    const senders = Array.from({ length: SENDERS }, sender);

    const processedRows = async () => (await db.query(`SELECT count(*)::int AS n FROM messages`)).rows[0].n as number;
    // Mid-run, the worker to be killed is made the only one at work (the other frozen), so that it certainly holds
    // events when it dies: what it had claimed is rolled back with its connections, and must be processed again.
    await waitFor(
      async () => acknowledged.size >= BEFORE_KILL / 2 && (await processedRows()) > 0,
      30_000,
      'events acknowledged and processed',
    );
    workers[1].signal('SIGSTOP');
    try {
      const before = await processedRows();
      await waitFor(
        async () => acknowledged.size >= BEFORE_KILL && (await processedRows()) > before,
        30_000,
        'the first worker processing alone',
      );
      killed = true;
      const [apiExit, workerExit] = await Promise.all([apis[0].kill('SIGKILL'), workers[0].kill('SIGKILL')]);
      expect(apiExit.signal).toBe('SIGKILL');
      expect(workerExit.signal).toBe('SIGKILL');
    } finally {
      workers[1].signal('SIGCONT');
    }
    await Promise.all(senders);

    // SocketLabs posts again what got no 200, until it does: to the API process that is left.
    while (toRetry.length > 0) {
      const n = toRetry.shift()!;
      if (await post(apis[1], n)) acknowledged.add(n);
      else throw new Error(`the surviving API process refused event ${n}:\n${apis[1].output.slice(-2000)}`);
    }
    expect(acknowledged.size).toBe(TOTAL);

    // Stored once: every event, none twice.
    const stored = (
      await db.query(`SELECT message_id || '/' || type AS key, count(*)::int AS n FROM email_events GROUP BY 1`)
    ).rows as { key: string; n: number }[];
    expect(stored.filter((r) => r.n !== 1)).toEqual([]);
    expect(stored.map((r) => r.key).sort()).toEqual(Array.from({ length: TOTAL }, (_, n) => keyOf(n)).sort());

    // Processed, by the surviving worker: the killed one's batches were rolled back and are swept up again (or, for
    // a job it held whose rows are exactly a sweep's chunk, taken back by BullMQ once its lock has expired).
    await waitFor(
      async () => (await db.query(`SELECT count(*)::int AS n FROM event_backlog`)).rows[0].n === 0,
      75_000,
      'an empty backlog',
    ).catch(async (err) => {
      const left = (await db.query(`SELECT state, count(*)::int AS n FROM event_backlog GROUP BY 1`)).rows;
      throw new Error(`${(err as Error).message}: left ${JSON.stringify(left)}\n${workers[1].output.slice(-3000)}`);
    });

    // Once: each message counts exactly its stored events, and the statistics count each event processed once.
    const messages = (
      await db.query(
        `SELECT m.message_id, m.status, m.event_count, (SELECT count(*)::int FROM email_events e WHERE e.message_id = m.message_id AND e.address = m.address) AS stored
         FROM messages m`,
      )
    ).rows as { message_id: string; status: string; event_count: number; stored: number }[];
    expect(messages).toHaveLength(TOTAL / 2);
    expect(messages.filter((m) => m.event_count !== m.stored || m.stored !== 2 || m.status !== 'delivered')).toEqual(
      [],
    );
    const stats = await waitFor(
      async () => {
        const res = await fetch(`${apis[1].baseUrl}/api/v1/events/stats`, {
          headers: { authorization: `Bearer ${environment.env.ADMIN_API_KEY}` },
        });
        return res.status === 200 && ((await res.json()) as { total: number; byState: Record<string, number> });
      },
      10_000,
      'the statistics',
    );
    expect(stats.total).toBe(TOTAL);
    expect(stats.byState).toEqual({ pending: 0, processed: TOTAL, failed: 0 });
  }, 150_000);
});
