import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { Client } from 'pg';
import { createHttpApp } from '../../src/bootstrap';
import { AppConfig } from '../../src/core/config/app-config';
import { deliveredEvent, withSecret } from '../fixtures/socketlabs-events';
import { freePort, ServiceProcess } from '../utils/service-process';
import { testEnvironment, waitFor } from '../utils/test-app';
import { parseMetrics, Scrape } from './metrics-text';

const SECRET = 'metrics-process-secret-8Tz3';
const METRICS_TOKEN = 'metrics-process-token-0123456789';
const EVENTS = 3;

const events = (prefix: string) =>
  Array.from({ length: EVENTS }, (_, i) => withSecret(deliveredEvent({ MessageId: `${prefix}-${i}` }), SECRET));

async function scrape(url: string, token?: string): Promise<Scrape> {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  expect(res.status).toBe(200);
  return parseMetrics(await res.text());
}

async function processedRows(databaseUrl: string): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT count(*)::int AS n FROM email_events e WHERE NOT EXISTS (SELECT 1 FROM event_backlog b WHERE b.event_id = e.id)`,
    );
    return rows[0].n;
  } finally {
    await client.end();
  }
}

/** Each thread of a process (by thread id) and its nice value, from /proc. */
function threadNices(pid: number): Map<number, number> {
  const nices = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    // Fields after the command name (which may hold spaces), from the state (field 3): the nice value is field 19.
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    nices.set(Number(tid), Number(fields[19 - 3]));
  }
  return nices;
}

/** The real processes, as `npm start` runs them: the counters of the workers must reach /metrics in every role. */
describe('metrics of the workers, in ROLE=all and ROLE=worker processes (e2e)', () => {
  const stops: (() => Promise<unknown>)[] = [];

  // Each test's processes stop after it, the last started first.
  afterEach(async () => {
    while (stops.length > 0) await stops.pop()!();
  });

  it("ROLE=all: /metrics on PORT and on METRICS_PORT has the worker thread's counters beside the HTTP thread's", async () => {
    const metricsPort = await freePort();
    const environment = await testEnvironment({
      ROLE: 'all',
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      METRICS_PORT: String(metricsPort),
      WEBHOOK_SECRET_KEY: SECRET,
      LOG_LEVEL: 'log',
    });
    stops.push(environment.cleanup);
    const service = new ServiceProcess(environment.env);
    stops.push(() => service.kill('SIGTERM'));
    await service.start(90_000);

    const posted = await fetch(`${service.baseUrl}/webhooks/socketlabs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(events('all')),
    });
    expect(posted.status).toBe(200);
    await waitFor(
      async () => (await processedRows(environment.env.DATABASE_URL)) === EVENTS,
      30_000,
      'the events processed by the worker thread',
    );

    for (const url of [`${service.baseUrl}/metrics`, `http://127.0.0.1:${metricsPort}/metrics`]) {
      const m = await waitFor(
        async () => {
          const s = await scrape(url);
          return s.value('slgw_processing_events_total', { outcome: 'processed' }) === EVENTS && s;
        },
        10_000,
        `the worker thread's counters at ${url}`,
      );
      expect(m.value('slgw_webhook_events_total', { result: 'stored' })).toBe(EVENTS);
      expect(m.value('slgw_processing_job_seconds_count')).toBeGreaterThanOrEqual(1);
      expect(m.samples.filter((s) => s.name === 'slgw_build_info')).toEqual([
        expect.objectContaining({ labels: expect.objectContaining({ role: 'all' }), value: 1 }),
      ]);
      // Counted once although both threads register the same metrics (parseMetrics refuses a metric declared twice).
      expect(m.value('slgw_webhook_requests_total', { outcome: 'accepted' })).toBe(1);
      expect(m.value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    }

    // The worker thread yields the cores to the receiver's (WORKER_THREAD_NICE, 10 by default): Linux only.
    if (process.platform === 'linux') {
      expect(service.output).toMatch(/Worker started \(worker thread of ROLE=all, nice \d+\)/);
      const nices = threadNices(service.pid!);
      // The process's own priority (its main thread's) stays; exactly one thread, the workers', runs at 10.
      expect(nices.get(service.pid!)).toBe(getPriority(0));
      if (getPriority(0) < 10) expect([...nices.values()].filter((n) => n === 10).length).toBe(1);
    }
  }, 180_000);

  it('ROLE=worker: the metrics listener on METRICS_PORT serves its counters (with METRICS_TOKEN) and its probes', async () => {
    const metricsPort = await freePort();
    const environment = await testEnvironment({ WEBHOOK_SECRET_KEY: SECRET, METRICS_TOKEN, LOG_LEVEL: 'log' });
    stops.push(environment.cleanup);
    // The receiver in this process (ROLE=api), the workers in a process of their own.
    const api: NestFastifyApplication = await createHttpApp(
      AppConfig.fromEnvironment({ ...environment.env, ROLE: 'api', LOG_LEVEL: 'error' }),
    );
    stops.push(() => api.close());
    const worker = new ServiceProcess({
      ...environment.env,
      ROLE: 'worker',
      HOST: '127.0.0.1',
      METRICS_PORT: String(metricsPort),
    });
    stops.push(() => worker.kill('SIGTERM'));
    await worker.start(90_000);
    const base = `http://127.0.0.1:${metricsPort}`;

    const posted = await api.inject({
      method: 'POST',
      url: '/webhooks/socketlabs',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(events('worker')),
    });
    expect(posted.statusCode).toBe(200);
    await waitFor(
      async () => (await processedRows(environment.env.DATABASE_URL)) === EVENTS,
      30_000,
      'the events processed by the worker process',
    );

    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const m = await scrape(`${base}/metrics`, METRICS_TOKEN);
    expect(m.value('slgw_processing_events_total', { outcome: 'processed' })).toBe(EVENTS);
    expect(m.value('slgw_build_info', { role: 'worker' })).toBe(1);
    expect(m.value('slgw_processing_lag_seconds')).toBe(0);
    expect(m.value('bullmq_job_count', { queue: 'email-events', state: 'waiting' })).toBe(0);

    const live = await fetch(`${base}/health/live`);
    expect([live.status, await live.json()]).toEqual([200, { status: 'ok' }]);
    const ready = await fetch(`${base}/health/ready`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready', database: 'up', redis: 'up' }]);
    expect((await fetch(`${base}/elsewhere`)).status).toBe(404);
    expect(worker.output).toContain(`metrics listener on http://127.0.0.1:${metricsPort}/metrics`);
  }, 180_000);
});
