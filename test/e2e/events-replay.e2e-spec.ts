import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { JobName, QueueName } from '../../src/core/queue/queue.constants';
import { TcpProxy } from '../utils/tcp-proxy';
import { createTestApp, TEST_REDIS_URL, TestApp, waitFor } from '../utils/test-app';
import { seedEvent } from './events-seed';

/** The event's processing state: its backlog row, or processed without one. */
async function rowState(t: TestApp, id: string) {
  const [row] = await t.dataSource.query(
    `SELECT coalesce(b.state, 'processed') AS state, coalesce(b.attempts, 0) AS attempts, b.last_error
     FROM email_events e LEFT JOIN event_backlog b ON b.event_id = e.id WHERE e.id = $1`,
    [id],
  );
  return row as { state: string; attempts: number; last_error: string | null };
}

async function queuedJobs(t: TestApp) {
  const queue = t.app.get<Queue>(getQueueToken(QueueName.Events));
  return queue.getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed']);
}

describe('Event replay (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // ROLE=api: no worker consumes the queue, so the jobs a replay adds stay there to be inspected.
    t = await createTestApp({ ROLE: 'api' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('replays one failed event: pending again, attempts and error reset, one job queued, audited', async () => {
    const stats = async () => (await t.request({ method: 'GET', url: '/api/v1/events/stats' })).json().byState;
    const before = await stats();
    const id = await seedEvent(t.dataSource, {
      state: 'failed',
      type: 'Delivered',
      attempts: 5,
      lastError: 'parse error',
    });
    expect(await stats()).toEqual({ ...before, failed: before.failed + 1 });
    const res = await t.request({ method: 'POST', url: `/api/v1/events/${id}/replay` });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ replayed: 1, queued: true });
    expect(await rowState(t, id)).toEqual({ state: 'pending', attempts: 0, last_error: null });
    // Back in the backlog to be normalized again from its raw text, and counted as pending again.
    const [{ normalize }] = await t.dataSource.query('SELECT normalize FROM event_backlog WHERE event_id = $1', [id]);
    expect(normalize).toBe(true);
    expect(await stats()).toEqual({ ...before, pending: before.pending + 1 });

    const jobs = (await queuedJobs(t)).filter((j) => j.data.eventIds?.includes(id));
    expect(jobs).toHaveLength(1);
    expect(jobs[0].name).toBe(JobName.ProcessEvents);
    expect(jobs[0].data).toEqual({ eventIds: [id] });
    expect(jobs[0].id).toMatch(/^replay-[^:]+$/);

    // A second replay of the same event queues a new job instead of being swallowed by the first one's id.
    expect((await t.request({ method: 'POST', url: `/api/v1/events/${id}/replay` })).statusCode).toBe(202);
    expect((await queuedJobs(t)).filter((j) => j.data.eventIds?.includes(id))).toHaveLength(2);

    const audit = await t.request({ method: 'GET', url: '/api/v1/audit-log?action=events.replay&sortDirection=asc' });
    expect(audit.json().data[0]).toMatchObject({
      action: 'events.replay',
      target: id,
      status: 202,
      outcome: 'success',
    });
  });

  it('answers 404 for an unknown event and 400 for a bad id', async () => {
    const missing = await t.request({ method: 'POST', url: '/api/v1/events/987654321/replay' });
    expect(missing.statusCode).toBe(404);
    expect((await t.request({ method: 'POST', url: '/api/v1/events/abc/replay' })).statusCode).toBe(400);
  });

  it('replays every failed event with {state: "failed"}, and nothing else', async () => {
    const failed = [
      await seedEvent(t.dataSource, { state: 'failed', lastError: 'a' }),
      await seedEvent(t.dataSource, { state: 'failed', lastError: 'b' }),
    ];
    const processed = await seedEvent(t.dataSource, { state: 'processed' });
    const res = await t.request({ method: 'POST', url: '/api/v1/events/replay', body: { state: 'failed' } });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ replayed: 2, queued: true });
    for (const id of failed) expect((await rowState(t, id)).state).toBe('pending');
    expect((await rowState(t, processed)).state).toBe('processed');
    const job = (await queuedJobs(t)).find((j) => j.data.eventIds?.includes(failed[0]));
    expect(job?.data).toEqual({ eventIds: failed });

    const again = await t.request({ method: 'POST', url: '/api/v1/events/replay', body: { state: 'failed' } });
    expect(again.json()).toEqual({ replayed: 0, queued: true });
  });

  it('replays the given ids, numbers or strings, skipping unknown ones', async () => {
    const a = await seedEvent(t.dataSource, { state: 'processed' });
    const b = await seedEvent(t.dataSource, { state: 'failed', lastError: 'x' });
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/events/replay',
      body: { ids: [Number(a), b, '987654321'] },
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ replayed: 2, queued: true });
    expect((await rowState(t, a)).state).toBe('pending');
    expect(await rowState(t, b)).toEqual({ state: 'pending', attempts: 0, last_error: null });
    const job = (await queuedJobs(t)).find((j) => j.data.eventIds?.includes(a));
    expect(job?.data).toEqual({ eventIds: [a, b] });
  });

  it.each([
    ['no body fields', {}, 'state'],
    ['another state', { state: 'processed' }, 'state'],
    ['no ids', { ids: [] }, 'ids'],
    ['a non-numeric id', { ids: ['abc'] }, 'ids'],
    ['ids not an array', { ids: 'abc' }, 'ids'],
    ['1001 ids', { ids: Array.from({ length: 1001 }, (_, i) => String(i + 1)) }, 'ids'],
    ['both state and ids', { ids: ['1'], state: 'failed' }, 'state or ids'],
  ])('answers 400 for %s', async (_label, body, name) => {
    const res = await t.request({ method: 'POST', url: '/api/v1/events/replay', body });
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json().message)).toContain(name);
  });
});

describe('Event replay with Redis down (e2e)', () => {
  let t: TestApp;
  let proxy: TcpProxy;

  beforeAll(async () => {
    const redis = new URL(TEST_REDIS_URL);
    proxy = await TcpProxy.start(redis.hostname, Number(redis.port || 6379));
    t = await createTestApp({ ROLE: 'api', REDIS_URL: proxy.url(TEST_REDIS_URL) });
  });
  afterAll(async () => {
    await proxy.restore();
    // Closing the queue sends QUIT, which fails on a connection that has not come back yet.
    const queue = t.app.get<Queue>(getQueueToken(QueueName.Events));
    await waitFor(async () => (await queue.client).status === 'ready', 15000, 'the queue to reconnect');
    await t.close();
    await proxy.stop();
  });

  it('still answers 202 and leaves the rows pending for the sweeper', async () => {
    const id = await seedEvent(t.dataSource, { state: 'failed', lastError: 'x', attempts: 3 });
    await proxy.cut();
    const started = Date.now();
    const res = await t.request({ method: 'POST', url: `/api/v1/events/${id}/replay` });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ replayed: 1, queued: false });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await rowState(t, id)).toEqual({ state: 'pending', attempts: 0, last_error: null });
  });
});
