import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { createHttpApp } from '../../src/bootstrap';
import { AppConfig } from '../../src/core/config/app-config';
import { JobName, processEventsJobId } from '../../src/core/queue/queue.constants';
import { PendingSweeperService } from '../../src/webhooks/processing/pending-sweeper.service';
import { deliveredEvent, queuedEvent } from '../fixtures/socketlabs-events';
import { TcpProxy } from '../utils/tcp-proxy';
import { TEST_SERVER_URL } from '../utils/test-database';
import { createTestApp, TEST_REDIS_URL, TestApp, testEnvironment, waitFor } from '../utils/test-app';
import { enqueue, eventsQueue, insertEvent, insertEvents, states, unique, waitProcessed } from './processing-helpers';

describe('event processing when Redis goes away', () => {
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    const redis = new URL(TEST_REDIS_URL);
    proxy = await TcpProxy.start(redis.hostname, Number(redis.port || 6379));
    t = await createTestApp({ REDIS_URL: proxy.url(TEST_REDIS_URL) });
  });
  afterAll(async () => {
    await t.close();
    await proxy.stop();
  });

  it('rows stored while Redis is cut stay pending, and are all processed once it is back', async () => {
    const before = await insertEvent(t.dataSource, queuedEvent({ MessageId: unique('before') }));
    await enqueue(t.app, [before]);
    await waitProcessed(t.dataSource, [before]);

    await proxy.cut();
    // What the receiver does while Redis is down: the rows are committed; the enqueue (only half of them here)
    // waits for Redis, and so does a sweep. Nothing is processed or lost meanwhile.
    const ids = await insertEvents(
      t.dataSource,
      Array.from({ length: 12 }, (_, i) => deliveredEvent({ MessageId: unique(`during-${i}`) })),
      { receivedInSeconds: -5 },
    );
    const waitingEnqueue = enqueue(t.app, ids.slice(0, 6));
    const waitingSweep = t.app.get(PendingSweeperService).sweep();
    expect(Object.values(await states(t.dataSource, ids))).toEqual(ids.map(() => 'pending'));

    await proxy.restore();
    await Promise.all([waitingEnqueue, waitingSweep]);
    await waitProcessed(t.dataSource, ids, 45000);
    const [{ attempts }] = await t.dataSource.query(`SELECT max(attempts)::int AS attempts FROM email_events WHERE id = ANY($1::bigint[])`, [ids]);
    expect(attempts).toBe(0);
  });
});

describe('event processing when PostgreSQL goes away', () => {
  let proxy: TcpProxy;
  let app: NestFastifyApplication;
  let direct: Client;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const pg = new URL(TEST_SERVER_URL);
    proxy = await TcpProxy.start(pg.hostname, Number(pg.port || 5432));
    const e = await testEnvironment();
    cleanup = e.cleanup;
    // The app reaches PostgreSQL through the proxy; the test looks through its own direct connection.
    app = await createHttpApp(AppConfig.fromEnvironment({ ...e.env, DATABASE_URL: proxy.url(e.env.DATABASE_URL) }));
    direct = new Client({ connectionString: e.db.url });
    await direct.connect();
  });
  afterAll(async () => {
    await proxy.restore();
    await app.close();
    await direct.end();
    await proxy.stop();
    await cleanup();
  });

  it('the job is retried with backoff, no attempt is counted against the events, and they are processed once it is back', async () => {
    const { rows } = await direct.query(
      `INSERT INTO email_events (received_at, dedupe_key, format, raw, type)
       SELECT now() + interval '1 hour', 'pg-' || g || '-' || $1, 'json', $2, 'Delivered' FROM generate_series(1, 3) g
       RETURNING id::text AS id`,
      [unique('pg'), JSON.stringify(deliveredEvent())],
    );
    const ids = rows.map((r: { id: string }) => r.id);

    await proxy.cut();
    const jobId = processEventsJobId(ids);
    await eventsQueue(app).add(JobName.ProcessEvents, { eventIds: ids }, { jobId });
    await waitFor(async () => ((await eventsQueue(app).getJob(jobId))?.attemptsMade ?? 0) >= 1, 20000, 'a failed attempt');
    const stillPending = await direct.query(`SELECT state, attempts FROM email_events WHERE id = ANY($1::bigint[])`, [ids]);
    expect(stillPending.rows).toEqual(ids.map(() => ({ state: 'pending', attempts: 0 })));

    await proxy.restore();
    await waitFor(
      async () => {
        const r = await direct.query(`SELECT count(*)::int AS n FROM email_events WHERE id = ANY($1::bigint[]) AND state = 'processed' AND attempts = 0`, [ids]);
        return r.rows[0].n === ids.length;
      },
      30000,
      'the events processed after PostgreSQL came back',
    );
  });
});
