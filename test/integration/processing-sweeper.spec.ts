import { Queue, Worker } from 'bullmq';
import { Client } from 'pg';
import { redisOptionsFromUrl } from '../../src/core/queue/redis-connection';
import { JobName, processEventsJobId } from '../../src/core/queue/queue.constants';
import { EventJobs } from '../../src/core/queue/event-jobs';
import {
  MAINTENANCE_SCHEDULER_ID,
  PendingSweeperService,
  SWEEP_BACKLOG_JOBS,
  SWEEP_LOCK,
  SWEEP_SCHEDULER_ID,
} from '../../src/webhooks/processing/pending-sweeper.service';
import { SELECT_STALE_PENDING, SWEEP_SERIALLY } from '../../src/webhooks/processing/processing.sql';
import { queuedEvent } from '../fixtures/socketlabs-events';
import { rawText, storeEvent } from '../utils/stored-events';
import { createTestApp, TestApp } from '../utils/test-app';
import { eventsQueue, insertEvent, insertEvents, unique } from './processing-helpers';

/**
 * The sweeper on its own: an API-only app (no worker consumes the queue), so the jobs it adds stay where
 * the test can see them.
 */
describe('pending sweeper (PostgreSQL + Redis, nothing consuming the queue)', () => {
  let t: TestApp;
  let queue: Queue;
  let sweeper: PendingSweeperService;

  beforeAll(async () => {
    t = await createTestApp({ ROLE: 'api' });
    queue = eventsQueue(t.app);
    sweeper = new PendingSweeperService(queue, t.app.get(EventJobs), t.dataSource, t.config);
  });
  afterEach(async () => {
    await queue.obliterate({ force: true });
    await t.dataSource.query(`DELETE FROM event_backlog`);
    await t.dataSource.query(`DELETE FROM event_counts`);
    await t.dataSource.query(`DELETE FROM event_count_deltas`);
    await t.dataSource.query(`DELETE FROM email_events`);
  });
  afterAll(async () => {
    await t.close();
  });

  it('re-enqueues rows pending longer than the delay, with the processEventsJobId of the chunk, and only those', async () => {
    const old = await insertEvents(
      t.dataSource,
      [queuedEvent({ MessageId: unique('a') }), queuedEvent({ MessageId: unique('b') })],
      { receivedInSeconds: -60 },
    );
    await insertEvent(t.dataSource, queuedEvent({ MessageId: unique('young') }), { receivedInSeconds: 3600 });
    // Old, but processed (no backlog row), and old but dead: neither is swept.
    const done = rawText(queuedEvent({ MessageId: unique('done') }), 'json');
    await storeEvent(t.dataSource, {
      raw: done,
      format: 'json',
      state: 'processed',
      receivedAt: new Date(Date.now() - 3_600_000),
    });
    const dead = rawText(queuedEvent({ MessageId: unique('dead') }), 'json');
    await storeEvent(t.dataSource, {
      raw: dead,
      format: 'json',
      state: 'failed',
      receivedAt: new Date(Date.now() - 3_600_000),
    });

    const outcome = await sweeper.sweep();
    expect(outcome).toMatchObject({
      ran: true,
      found: 2,
      jobsAdded: 1,
      jobsAlreadyQueued: 0,
      minAgeSeconds: t.config.worker.sweeperDelaySeconds,
    });
    const jobs = await queue.getWaiting();
    expect(jobs).toHaveLength(1);
    expect(jobs[0].name).toBe(JobName.ProcessEvents);
    expect(jobs[0].id).toBe(processEventsJobId(old));
    expect(jobs[0].data).toEqual({ eventIds: old });
  });

  it('does not add a chunk again while its job is waiting', async () => {
    await insertEvents(t.dataSource, [queuedEvent({ MessageId: unique('a') })], { receivedInSeconds: -60 });
    expect(await sweeper.sweep()).toMatchObject({ jobsAdded: 1 });
    expect(await sweeper.sweep()).toMatchObject({ found: 1, jobsAdded: 0, jobsAlreadyQueued: 1 });
    expect(await queue.getWaitingCount()).toBe(1);
  });

  it('adds a chunk again when a finished job with the same id is still kept (BullMQ would ignore the add)', async () => {
    const ids = await insertEvents(t.dataSource, [queuedEvent({ MessageId: unique('a') })], { receivedInSeconds: -60 });
    expect(await sweeper.sweep()).toMatchObject({ jobsAdded: 1 });
    // Complete the job without processing the row, as a job whose rows another worker held would.
    const worker = new Worker(queue.name, null, {
      connection: redisOptionsFromUrl(t.config.redis.url),
      prefix: t.config.redis.prefix,
      autorun: false,
    });
    try {
      const job = await worker.getNextJob('test-token');
      expect(job!.id).toBe(processEventsJobId(ids));
      await job!.moveToCompleted('done', 'test-token', false);
    } finally {
      await worker.close();
    }
    expect(await queue.getCompletedCount()).toBe(1);

    expect(await sweeper.sweep()).toMatchObject({ found: 1, jobsAdded: 1 });
    expect(await queue.getCompletedCount()).toBe(0);
    expect((await queue.getWaiting()).map((j) => j.id)).toEqual([processEventsJobId(ids)]);
  });

  it('with a backlog of waiting jobs, takes only rows stuck for much longer', async () => {
    await queue.addBulk(
      Array.from({ length: SWEEP_BACKLOG_JOBS }, (_, i) => ({
        name: JobName.ProcessEvents,
        data: { eventIds: [String(1_000_000 + i)] },
      })),
    );
    await insertEvent(t.dataSource, queuedEvent({ MessageId: unique('recent') }), { receivedInSeconds: -60 });
    const stuck = await insertEvent(t.dataSource, queuedEvent({ MessageId: unique('stuck') }), {
      receivedInSeconds: -(sweeper.staleAfterSeconds + 60),
    });

    const outcome = await sweeper.sweep();
    expect(outcome).toMatchObject({
      backlog: SWEEP_BACKLOG_JOBS,
      minAgeSeconds: sweeper.staleAfterSeconds,
      found: 1,
      jobsAdded: 1,
    });
    const added = await queue.getJob(processEventsJobId([stuck]));
    expect(added?.data).toEqual({ eventIds: [stuck] });
  });

  it('skips while another sweep holds the lock', async () => {
    await insertEvents(t.dataSource, [queuedEvent({ MessageId: unique('a') })], { receivedInSeconds: -60 });
    const other = new Client({ connectionString: t.config.database.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock($1::int4, $2::int4)', SWEEP_LOCK);
      expect(await sweeper.sweep()).toMatchObject({ ran: false, jobsAdded: 0 });
      await other.query('COMMIT');
      expect(await sweeper.sweep()).toMatchObject({ ran: true, jobsAdded: 1 });
    } finally {
      await other.end();
    }
  });

  it('registers its job scheduler and the hourly storage maintenance (idempotently)', async () => {
    expect(await sweeper.ensureScheduler()).toBe(true);
    expect(await sweeper.ensureScheduler()).toBe(true);
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers).toHaveLength(2);
    const byKey = Object.fromEntries(schedulers.map((s) => [s.key, s]));
    expect(byKey[SWEEP_SCHEDULER_ID]).toMatchObject({ name: JobName.SweepPending, every: sweeper.intervalMs });
    expect(byKey[MAINTENANCE_SCHEDULER_ID]).toMatchObject({ name: JobName.MaintainStorage, every: 3_600_000 });
  });

  it('reads the backlog without parallel workers, however large the table has grown', async () => {
    // 300,000 rows the worker has deleted (dead until a vacuum) and a few pending: a table of some 20 MB, for which
    // PostgreSQL plans the read with a parallel worker unless told not to.
    await t.dataSource.query(`
      INSERT INTO event_backlog (event_id, occurred_at, received_at)
      SELECT 9000000000 + g, now(), now() - interval '1 minute' FROM generate_series(1, 300000) g`);
    await t.dataSource.query(`DELETE FROM event_backlog`);
    await t.dataSource.query(`
      INSERT INTO event_backlog (event_id, occurred_at, received_at)
      SELECT 9100000000 + g, now(), now() FROM generate_series(1, 3000) g`);
    await t.dataSource.query(`ANALYZE event_backlog`);

    const plan = async (settings: string[]) =>
      t.dataSource.transaction(async (m) => {
        for (const setting of settings) await m.query(setting);
        const rows = await m.query<{ 'QUERY PLAN': string }[]>(`EXPLAIN ${SELECT_STALE_PENDING}`, [30, 20_000]);
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      });
    // The table is large enough for a parallel plan (else this test would prove nothing)...
    expect(await plan(['SET LOCAL parallel_setup_cost = 0', 'SET LOCAL parallel_tuple_cost = 0'])).toMatch(/Gather/);
    // ...and the sweep's own setting rules it out, whatever the costs.
    expect(
      await plan([SWEEP_SERIALLY, 'SET LOCAL parallel_setup_cost = 0', 'SET LOCAL parallel_tuple_cost = 0']),
    ).not.toMatch(/Gather|Parallel/);
  });

  it('vacuums the backlog and the counter deltas at every sweep, so that their space is used again', async () => {
    // A few seconds' worth of traffic: each event leaves a deleted backlog row and a counter delta behind.
    const churn = async (round: number) => {
      await t.dataSource.query(
        `INSERT INTO event_backlog (event_id, occurred_at, received_at)
         SELECT $1::bigint + g, now(), now() FROM generate_series(1, 20000) g`,
        [9_200_000_000 + round * 100_000],
      );
      await t.dataSource.query(`DELETE FROM event_backlog`);
      await t.dataSource.query(`
        INSERT INTO event_count_deltas (hour, type, tracking_type, state, n)
        SELECT date_trunc('hour', now()), 'queued', '', 'processed', 1 FROM generate_series(1, 20000)`);
      await sweeper.sweep(); // compacts the deltas (deleting them), then vacuums both tables
      const [sizes] = await t.dataSource.query<{ backlog: string; deltas: string }[]>(
        `SELECT pg_relation_size('event_backlog') AS backlog, pg_relation_size('event_count_deltas') AS deltas`,
      );
      return { backlog: Number(sizes.backlog), deltas: Number(sizes.deltas) };
    };
    const first = await churn(1);
    expect(first.backlog).toBeGreaterThan(0);
    expect(first.deltas).toBeGreaterThan(0);
    // Without the vacuum, the second round's rows would go after the first round's dead ones: twice the size.
    expect(await churn(2)).toEqual(first);
    const [{ n }] = await t.dataSource.query(
      `SELECT n::int FROM event_counts WHERE type = 'queued' AND state = 'processed'`,
    );
    expect(n).toBe(40000);
  });

  it('compacts the counter deltas into event_counts at every sweep, keeping the sums', async () => {
    const ids = await insertEvents(
      t.dataSource,
      [queuedEvent({ MessageId: unique('c1') }), queuedEvent({ MessageId: unique('c2') })],
      { receivedInSeconds: 3600 },
    );
    expect(ids).toHaveLength(2);
    const sums = async () =>
      t.dataSource.query(
        `SELECT type, state, sum(n)::int AS n FROM (SELECT type, state, n FROM event_counts UNION ALL SELECT type, state, n FROM event_count_deltas) c GROUP BY 1, 2 ORDER BY 1, 2`,
      );
    const before = await sums();
    expect(before).toEqual([{ type: 'queued', state: 'pending', n: 2 }]);
    const [{ n: deltas }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM event_count_deltas`);
    expect(deltas).toBeGreaterThan(0);
    await sweeper.sweep();
    expect(await t.dataSource.query(`SELECT count(*)::int AS n FROM event_count_deltas`)).toEqual([{ n: 0 }]);
    expect(await sums()).toEqual(before);
  });
});
