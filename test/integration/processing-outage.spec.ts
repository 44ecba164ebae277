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
import { rawText, storeEvent } from '../utils/stored-events';
import { enqueue, eventsQueue, insertEvent, insertEvents, states, unique, waitProcessed } from './processing-helpers';

/**
 * Records every attempt counted against an event (an UPDATE of event_backlog.attempts): an outage of Redis or
 * PostgreSQL must count none, and a processed event leaves no backlog row to look at afterwards.
 */
const RECORD_ATTEMPTS = [
  `CREATE TABLE test_attempts (event_id bigint, attempts int)`,
  `CREATE FUNCTION test_record_attempt() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN INSERT INTO test_attempts VALUES (NEW.event_id, NEW.attempts); RETURN NEW; END $$`,
  `CREATE TRIGGER test_record_attempt AFTER UPDATE OF attempts ON event_backlog FOR EACH ROW
   WHEN (NEW.attempts IS DISTINCT FROM OLD.attempts) EXECUTE FUNCTION test_record_attempt()`,
];

describe('event processing when Redis goes away', () => {
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    const redis = new URL(TEST_REDIS_URL);
    proxy = await TcpProxy.start(redis.hostname, Number(redis.port || 6379));
    t = await createTestApp({ REDIS_URL: proxy.url(TEST_REDIS_URL) });
    for (const sql of RECORD_ATTEMPTS) await t.dataSource.query(sql);
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
    expect(await t.dataSource.query(`SELECT * FROM test_attempts`)).toEqual([]);
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
    for (const sql of RECORD_ATTEMPTS) await direct.query(sql);
  });
  afterAll(async () => {
    await proxy.restore();
    await app.close();
    await direct.end();
    await proxy.stop();
    await cleanup();
  });

  it('the job is retried with backoff, no attempt is counted against the events, and they are processed once it is back', async () => {
    // Received "in the future": the sweeper leaves them to the job under test.
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const raw = rawText(deliveredEvent({ MessageId: unique(`pg-${i}`) }), 'json');
      ids.push(await storeEvent(direct, { raw, format: 'json', receivedAt: new Date(Date.now() + 3_600_000) }));
    }

    await proxy.cut();
    const jobId = processEventsJobId(ids);
    await eventsQueue(app).add(JobName.ProcessEvents, { eventIds: ids }, { jobId });
    await waitFor(
      async () => ((await eventsQueue(app).getJob(jobId))?.attemptsMade ?? 0) >= 1,
      20000,
      'a failed attempt',
    );
    const stillPending = await direct.query(
      `SELECT state, attempts FROM event_backlog WHERE event_id = ANY($1::bigint[])`,
      [ids],
    );
    expect(stillPending.rows).toEqual(ids.map(() => ({ state: 'pending', attempts: 0 })));

    await proxy.restore();
    await waitFor(
      async () => {
        // Processed: out of the backlog.
        const r = await direct.query(
          `SELECT count(*)::int AS n FROM event_backlog WHERE event_id = ANY($1::bigint[])`,
          [ids],
        );
        return r.rows[0].n === 0;
      },
      30000,
      'the events processed after PostgreSQL came back',
    );
    expect((await direct.query(`SELECT * FROM test_attempts`)).rows).toEqual([]);
  });
});
