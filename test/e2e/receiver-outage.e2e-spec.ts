import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { QueueName } from '../../src/core/queue/queue.constants';
import { createHttpApp } from '../../src/bootstrap';
import { AppConfig } from '../../src/core/config/app-config';
import { deliveredEvent, failedEvent, queuedEvent, withSecret } from '../fixtures/socketlabs-events';
import { TcpProxy } from '../utils/tcp-proxy';
import { TEST_ADMIN_KEY, testEnvironment, waitFor } from '../utils/test-app';

const SECRET = 'outage-secret-5Kp9Wq';
const ENV_SECRET = 'outage-env-secret-77Zt';

/** An app whose PostgreSQL or Redis goes through a TCP proxy that the test can cut and restore. */
async function startApp(through: 'postgres' | 'redis') {
  const { env, db, cleanup } = await testEnvironment({ ROLE: 'api', WEBHOOK_SECRET_KEY: ENV_SECRET });
  const target = through === 'postgres' ? new URL(env.DATABASE_URL) : new URL(env.REDIS_URL);
  const proxy = await TcpProxy.start(target.hostname, Number(target.port));
  if (through === 'postgres') env.DATABASE_URL = proxy.url(env.DATABASE_URL);
  else env.REDIS_URL = proxy.url(env.REDIS_URL);
  const app: NestFastifyApplication = await createHttpApp(AppConfig.fromEnvironment(env));
  // Reads go straight to the real database, so they work while the app's connection is cut.
  const direct = new Client({ connectionString: db.url });
  await direct.connect();
  const post = async (url: string, body: unknown) => {
    const res = await app.inject({
      method: 'POST',
      url,
      payload: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    return { statusCode: res.statusCode, headers: res.headers, json: () => JSON.parse(res.body) };
  };
  const api = async (method: 'GET' | 'POST', url: string, body?: unknown) => {
    const res = await app.inject({
      method,
      url,
      payload: body === undefined ? undefined : JSON.stringify(body),
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
    });
    return { statusCode: res.statusCode, json: () => JSON.parse(res.body) };
  };
  const close = async () => {
    await proxy.restore();
    // Let the connections come back before closing, so that the shutdown is not itself a test of the outage.
    await waitFor(
      async () => (await app.inject({ method: 'GET', url: '/health' })).statusCode === 200,
      20_000,
      'PostgreSQL and Redis to be back',
    );
    await app.close();
    await direct.end();
    await proxy.stop();
    await cleanup();
  };
  return { app, proxy, direct, post, api, close };
}

describe('Webhook receiver when Redis is down (e2e)', () => {
  let s: Awaited<ReturnType<typeof startApp>>;
  beforeAll(async () => {
    s = await startApp('redis');
  });
  afterAll(async () => {
    await s.close();
  });

  it('still answers 200 at once, stores the events pending, and enqueues them when Redis is back', async () => {
    const created = await s.api('POST', '/api/v1/webhook-endpoints', { name: 'redis outage', secretKeys: [SECRET] });
    expect(created.statusCode).toBe(201);
    const url = `/webhooks/socketlabs/${created.json().id}`;
    await s.proxy.cut();

    const started = Date.now();
    const answers = await Promise.all([
      s.post(url, withSecret(queuedEvent({ MessageId: 'redis-down-1' }), SECRET)),
      s.post(url, withSecret(deliveredEvent({ MessageId: 'redis-down-1' }), SECRET)),
      s.post('/webhooks/socketlabs', withSecret(failedEvent({ MessageId: 'redis-down-2' }), ENV_SECRET)),
    ]);
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200]);
    expect(Date.now() - started).toBeLessThan(5_000);
    const rows = (
      await s.direct.query(
        `SELECT e.type, coalesce(b.state, 'processed') AS state FROM email_events e LEFT JOIN event_backlog b ON b.event_id = e.id
         WHERE e.raw LIKE '%redis-down-%' ORDER BY e.type`,
      )
    ).rows;
    expect(rows).toEqual([
      { type: 'Delivered', state: 'pending' },
      { type: 'Failed', state: 'pending' },
      { type: 'Queued', state: 'pending' },
    ]);
    // The enqueue is not awaited by the request: it waits for Redis on its own, and its job arrives once Redis is back
    // (the sweeper would enqueue the rows otherwise).
    const ids = (await s.direct.query(`SELECT id FROM email_events WHERE raw LIKE '%redis-down-%'`)).rows.map((r) =>
      String(r.id),
    );
    await s.proxy.restore();
    const queue = s.app.get<Queue>(getQueueToken(QueueName.Events));
    await waitFor(
      async () => {
        const jobs = await queue.getJobs(['waiting', 'active', 'completed', 'delayed']);
        const queued = new Set(jobs.flatMap((j) => (j.data as { eventIds: string[] }).eventIds));
        return ids.every((id) => queued.has(id));
      },
      15_000,
      'the jobs of the rows stored while Redis was down',
    );
    const stats = (await s.api('GET', '/api/v1/webhook-endpoints/receiver-stats')).json();
    expect(stats.storedEvents).toBe(3);
  });
});

describe('Webhook receiver when PostgreSQL refuses connections (e2e)', () => {
  let s: Awaited<ReturnType<typeof startApp>>;
  beforeAll(async () => {
    s = await startApp('postgres');
  });
  afterAll(async () => {
    await s.close();
  });

  it('answers 503 quickly, acknowledges nothing it did not store, and stores the retry once after restore', async () => {
    const created = await s.api('POST', '/api/v1/webhook-endpoints', { name: 'postgres outage', secretKeys: [SECRET] });
    const url = `/webhooks/socketlabs/${created.json().id}`;
    // Resolve the endpoint once (it is then served from memory), so that the write itself meets the outage.
    expect((await s.post(url, withSecret(queuedEvent({ MessageId: 'pg-warm' }), SECRET))).statusCode).toBe(200);
    await s.proxy.cut();

    const event = withSecret(deliveredEvent({ MessageId: 'pg-down-1' }), SECRET);
    const started = Date.now();
    const refused = await Promise.all([
      s.post(url, event),
      s.post('/webhooks/socketlabs', withSecret(failedEvent({ MessageId: 'pg-down-2' }), ENV_SECRET)),
    ]);
    expect(Date.now() - started).toBeLessThan(5_000);
    for (const res of refused) {
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({
        statusCode: 503,
        code: 'EVENT_STORE_UNAVAILABLE',
        requestId: res.headers['x-request-id'],
      });
    }
    // An endpoint that is not in memory cannot be looked up either: 503 too (SocketLabs retries), never a 401.
    const unknown = await s.post('/webhooks/socketlabs/1f6a3c2e-5b4d-4e8f-9a0b-7c6d5e4f3a2b', event);
    expect(unknown.statusCode).toBe(503);
    expect(
      (await s.direct.query(`SELECT count(*)::int AS n FROM email_events WHERE raw LIKE '%pg-down-%'`)).rows[0].n,
    ).toBe(0);

    await s.proxy.restore();
    const retried = await waitFor(
      async () => {
        const res = await s.post(url, event);
        return res.statusCode === 200 ? res : null;
      },
      15_000,
      'the retry to be accepted',
    );
    expect(retried.json()).toMatchObject({ stored: 1, duplicates: 0 });
    expect((await s.post(url, event)).json()).toMatchObject({ stored: 0, duplicates: 1 });
    expect(
      (await s.direct.query(`SELECT count(*)::int AS n FROM email_events WHERE raw LIKE '%pg-down-1%'`)).rows[0].n,
    ).toBe(1);

    const stats = await s.api('GET', '/api/v1/webhook-endpoints/receiver-stats');
    expect(stats.json().rejections.event_store_unavailable).toBeGreaterThanOrEqual(3);
  });
});
