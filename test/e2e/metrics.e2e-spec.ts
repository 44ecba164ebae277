import { storeEvent } from '../utils/stored-events';
import { FakeSocketLabs } from '../fake-socketlabs/fake-socketlabs';
import { deliveredEvent, queuedEvent, withSecret } from '../fixtures/socketlabs-events';
import { createTestApp, TEST_ADMIN_KEY, TestApp, waitFor } from '../utils/test-app';
import { parseMetrics, Scrape } from './metrics-text';

const SECRET = 'metrics-env-secret-4Hq7Zp';
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

describe('GET /metrics (e2e)', () => {
  let t: TestApp;
  let fake: FakeSocketLabs;

  const scrape = async (app: TestApp = t, headers: Record<string, string> = {}): Promise<Scrape> => {
    const res = await app.request({ method: 'GET', url: '/metrics', apiKey: null, headers });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseMetrics(res.body);
  };
  const webhook = (body: unknown) => t.request({ method: 'POST', url: '/webhooks/socketlabs', body, apiKey: null });

  beforeAll(async () => {
    fake = await FakeSocketLabs.start();
    // ROLE=all in one Nest context (the tests run no worker thread): receiver, API and workers in one registry.
    t = await createTestApp({ ...fake.env(), WEBHOOK_SECRET_KEY: SECRET });
  });

  afterAll(async () => {
    await t?.close();
    await fake?.stop();
  });

  it('counts the webhook requests, the events, the processing, the API and SocketLabs calls', async () => {
    const before = await scrape();
    expect(before.value('slgw_webhook_requests_total', { outcome: 'accepted' })).toBe(0);
    expect(before.value('slgw_processing_events_total', { outcome: 'processed' })).toBe(0);

    const a = withSecret(deliveredEvent({ MessageId: 'metrics-1' }), SECRET);
    const b = withSecret(queuedEvent({ MessageId: 'metrics-2' }), SECRET);
    expect((await webhook([a, b])).statusCode).toBe(200);
    expect((await webhook(a)).statusCode).toBe(200); // a SocketLabs retry: a duplicate
    expect((await webhook(withSecret(deliveredEvent({ MessageId: 'metrics-3' }), 'wrong'))).statusCode).toBe(401);
    expect(
      (await t.request({ method: 'POST', url: '/webhooks/socketlabs/not-an-endpoint', body: a, apiKey: null }))
        .statusCode,
    ).toBe(401);
    await waitFor(
      async () => {
        const [row] = await t.dataSource.query(
          `SELECT count(*)::int AS n FROM email_events e WHERE NOT EXISTS (SELECT 1 FROM event_backlog b WHERE b.event_id = e.id)`,
        );
        return row.n === 2;
      },
      20_000,
      'both events processed',
    );

    expect((await t.request({ method: 'GET', url: '/api/v1/events?pageSize=1' })).statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: '/api/v1/events/123456789' })).statusCode).toBe(404);
    expect(
      (await t.request({ method: 'GET', url: '/api/v1/events', apiKey: 'no-such-key-0000000000' })).statusCode,
    ).toBe(401);
    expect((await t.request({ method: 'GET', url: '/api/v1/accounts/ip-pools' })).statusCode).toBe(200);

    const m = await scrape();
    expect(m.value('slgw_webhook_requests_total', { outcome: 'accepted', reason: 'accepted', status: '200' })).toBe(2);
    expect(m.value('slgw_webhook_requests_total', { outcome: 'rejected', reason: 'wrong_secret', status: '401' })).toBe(
      1,
    );
    expect(
      m.value('slgw_webhook_requests_total', { outcome: 'rejected', reason: 'unknown_endpoint', status: '401' }),
    ).toBe(1);
    expect(m.value('slgw_webhook_events_total', { result: 'stored' })).toBe(2);
    expect(m.value('slgw_webhook_events_total', { result: 'duplicate' })).toBe(1);
    expect(m.value('slgw_webhook_requests_in_flight')).toBe(0);
    // Every webhook request timed, accepted or refused (two accepted, two refused).
    expect(m.value('slgw_webhook_request_seconds_count')).toBe(4);
    expect(m.value('slgw_webhook_request_seconds_sum')).toBeGreaterThan(0);
    // Two INSERTs (the two accepted requests, one after the other): 2 rows, then 1 (the duplicate).
    expect(m.value('slgw_ingest_batch_rows_count')).toBe(2);
    expect(m.value('slgw_ingest_batch_rows_sum')).toBe(3);
    expect(m.value('slgw_ingest_batch_rows_bucket', { le: '1' })).toBe(1);
    expect(m.value('slgw_ingest_commit_seconds_count')).toBe(2);
    expect(m.value('slgw_webhook_store_latency_seconds_count')).toBe(3);
    expect(m.value('slgw_webhook_store_latency_seconds_bucket', { le: '+Inf' })).toBe(3);

    expect(m.value('slgw_processing_events_total', { outcome: 'processed' })).toBe(2);
    expect(m.value('slgw_processing_events_total', { outcome: 'dead' })).toBe(0);
    expect(m.value('slgw_processing_job_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(m.value('slgw_processing_lag_seconds')).toBe(0);
    expect(m.value('slgw_events_dead')).toBe(0);
    for (const state of ['waiting', 'active', 'delayed', 'failed'])
      expect(m.value('bullmq_job_count', { queue: 'email-events', state })).toBe(0);
    expect(m.value('slgw_metrics_source_up', { source: 'postgresql' })).toBe(1);
    expect(m.value('slgw_metrics_source_up', { source: 'redis' })).toBe(1);

    expect(m.value('slgw_api_requests_total', { method: 'GET', route: '/api/v1/events', status: '200' })).toBe(1);
    expect(m.value('slgw_api_requests_total', { method: 'GET', route: '/api/v1/events', status: '401' })).toBe(1);
    expect(m.value('slgw_api_requests_total', { method: 'GET', route: '/api/v1/events/:id', status: '404' })).toBe(1);
    expect(m.value('slgw_api_request_duration_seconds_count', { method: 'GET', route: '/api/v1/events' })).toBe(2);
    // The receiver, the health checks and /metrics itself are not API requests.
    expect(
      m.samples.filter((s) => s.name === 'slgw_api_requests_total' && !s.labels.route.startsWith('/api/v1/')),
    ).toEqual([]);

    expect(
      m.value('slgw_socketlabs_requests_total', { operation: 'accounts.listIpPools', status: '200', outcome: 'ok' }),
    ).toBe(1);
    expect(m.value('slgw_socketlabs_request_duration_seconds_count', { operation: 'accounts.listIpPools' })).toBe(1);

    expect(m.value('slgw_build_info', { role: 'all' })).toBe(1);
    expect(m.types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(m.types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
  });

  it('counts a failed SocketLabs call as failed, with its retries', async () => {
    fake.misbehave({ path: '/v2/ip-pool', status: 503, times: 10 });
    const res = await t.request({ method: 'GET', url: '/api/v1/accounts/ip-pools' });
    expect(res.statusCode).toBeGreaterThanOrEqual(500);
    const m = await scrape();
    expect(
      m.value('slgw_socketlabs_requests_total', {
        operation: 'accounts.listIpPools',
        status: '503',
        outcome: 'failed',
      }),
    ).toBe(1);
    expect(m.value('slgw_socketlabs_retries_total', { operation: 'accounts.listIpPools' })).toBe(
      t.config.socketlabs.maxRetries,
    );
    fake.reset();
  });

  it('is public without METRICS_TOKEN, and not part of the OpenAPI document', async () => {
    const doc = await t.request({ method: 'GET', url: '/docs-json', apiKey: null });
    expect(Object.keys(doc.json().paths)).not.toContain('/metrics');
  });

  describe('with METRICS_TOKEN, in a process without workers', () => {
    let api: TestApp;

    beforeAll(async () => {
      api = await createTestApp({ ROLE: 'api', METRICS_TOKEN });
    });

    afterAll(async () => {
      await api?.close();
    });

    // The first scrape of this app: the lag and the dead count are then read afresh (they are reused for seconds).
    it('reads the lag and the dead events from PostgreSQL', async () => {
      const raw = '{"Type":"Delivered"}';
      await storeEvent(api.dataSource, {
        raw,
        format: 'json',
        state: 'pending',
        receivedAt: new Date(Date.now() - 120_000),
      });
      await storeEvent(api.dataSource, {
        raw,
        format: 'json',
        state: 'pending',
        receivedAt: new Date(Date.now() - 10_000),
      });
      await storeEvent(api.dataSource, { raw, format: 'json', state: 'failed', receivedAt: new Date() });
      const m = await scrape(api, { authorization: `Bearer ${METRICS_TOKEN}` });
      expect(m.value('slgw_processing_lag_seconds')).toBeGreaterThanOrEqual(120);
      expect(m.value('slgw_processing_lag_seconds')).toBeLessThan(180);
      expect(m.value('slgw_events_dead')).toBe(1);
    });

    it('wants the token as a Bearer, and not an API key', async () => {
      const without = await api.request({ method: 'GET', url: '/metrics', apiKey: null });
      expect(without.statusCode).toBe(401);
      expect(without.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(without.json()).toMatchObject({ statusCode: 401, code: 'METRICS_TOKEN_INVALID' });
      expect(without.body).not.toContain(METRICS_TOKEN);
      expect((await api.request({ method: 'GET', url: '/metrics', apiKey: TEST_ADMIN_KEY })).statusCode).toBe(401);
      expect((await api.request({ method: 'GET', url: '/metrics', apiKey: `${METRICS_TOKEN}x` })).statusCode).toBe(401);
      const m = await scrape(api, { authorization: `Bearer ${METRICS_TOKEN}` });
      expect(m.value('slgw_build_info', { role: 'api' })).toBe(1);
    });
  });
});
