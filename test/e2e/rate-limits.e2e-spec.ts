import { NestFastifyApplication } from '@nestjs/platform-fastify';
import IORedis from 'ioredis';
import { createHttpApp } from '../../src/bootstrap';
import { AppConfig } from '../../src/core/config/app-config';
import { RedisThrottlerStorage } from '../../src/core/throttling/redis-throttler.storage';
import { queuedEvent } from '../fixtures/socketlabs-events';
import { TcpProxy } from '../utils/tcp-proxy';
import { createTestApp, TEST_ADMIN_KEY, TEST_REDIS_URL, testEnvironment, TestApp, waitFor } from '../utils/test-app';

const SECRET = 'receiver-secret-for-rate-limits';

/** Rate limits on /api/v1, counted in the real Redis: per API key, and per address for failed authentications. */
describe('rate limits (e2e)', () => {
  let t: TestApp;
  let prefix: string;

  beforeAll(async () => {
    t = await createTestApp({
      API_RATE_LIMIT_PER_MINUTE: '5',
      API_AUTH_FAILURES_PER_MINUTE: '3',
      WEBHOOK_SECRET_KEY: SECRET,
    });
    prefix = t.config.redis.prefix;
  });
  afterAll(async () => {
    await t?.close();
  });

  async function newKey(name: string): Promise<string> {
    const res = await t.request({ method: 'POST', url: '/api/v1/api-keys', body: { name, scopes: ['events:read'] } });
    expect(res.statusCode).toBe(201);
    return res.json().key;
  }

  it('limits each API key on its own, across routes, with 429, Retry-After and the error shape', async () => {
    const key = await newKey('limited');
    const urls = [
      '/api/v1/events',
      '/api/v1/messages',
      '/api/v1/events/stats',
      '/api/v1/events',
      '/api/v1/suppressions',
    ];
    for (const [i, url] of urls.entries()) {
      const res = await t.request({ method: 'GET', url, apiKey: key });
      expect({ url, status: res.statusCode }).toEqual({ url, status: 200 });
      expect(res.headers['x-ratelimit-limit']).toBe('5');
      expect(res.headers['x-ratelimit-remaining']).toBe(String(4 - i));
    }
    const refused = await t.request({
      method: 'GET',
      url: '/api/v1/events',
      apiKey: key,
      headers: { 'x-request-id': 'rate-limited-1' },
    });
    expect(refused.statusCode).toBe(429);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.json()).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      code: 'RATE_LIMITED',
      message: expect.stringContaining('more than 5 requests'),
      requestId: 'rate-limited-1',
    });

    // Another key has its own counter; the counters are in Redis under the queue prefix.
    expect((await t.request({ method: 'GET', url: '/api/v1/events', apiKey: await newKey('other') })).statusCode).toBe(
      200,
    );
    const redis = new IORedis(TEST_REDIS_URL);
    try {
      expect((await redis.keys(`${prefix}:ratelimit:*`)).length).toBeGreaterThanOrEqual(2);
    } finally {
      redis.disconnect();
    }
  });

  it('never limits the webhook receiver or /health', async () => {
    // The admin key has made some requests above; the receiver and /health have no limit whatever their count.
    for (let i = 0; i < 8; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/webhooks/socketlabs',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
        payload: JSON.stringify({ ...queuedEvent({ MessageId: `rl-${i}` }), SecretKey: SECRET }),
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
      expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    }
  });

  it('answers 429 instead of 401 to an address past its failed authentications, and still serves valid keys from it', async () => {
    const from = (ip: string, apiKey: string | null) =>
      t.request({ method: 'GET', url: '/api/v1/events', apiKey, headers: { 'x-forwarded-for': ip } });
    expect((await from('203.0.113.7', 'wrong-key-00000000001')).statusCode).toBe(401);
    expect((await from('203.0.113.7', null)).statusCode).toBe(401);
    expect((await from('203.0.113.7', 'wrong-key-00000000002')).statusCode).toBe(401);
    const refused = await from('203.0.113.7', 'wrong-key-00000000003');
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.json()).toMatchObject({ statusCode: 429, code: 'AUTH_RATE_LIMITED', requestId: expect.any(String) });

    expect((await from('203.0.113.7', await newKey('same-address'))).statusCode).toBe(200);
    expect((await from('198.51.100.9', 'wrong-key-00000000004')).statusCode).toBe(401);
  });
});

describe('the rate limits storage', () => {
  it('counts the very first request, while its connection to Redis is still being made', async () => {
    const config = AppConfig.fromEnvironment({
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: `{slgw-test-first-${Date.now()}}`,
    });
    const storage = new RedisThrottlerStorage(config);
    try {
      // Without waiting for the connection, the first call failed open: totalHits 0, and a warning that Redis is down.
      expect(await storage.increment('k', 60_000, 1, 60_000, 'default')).toMatchObject({
        totalHits: 1,
        isBlocked: false,
      });
      expect(await storage.increment('k', 60_000, 1, 60_000, 'default')).toMatchObject({
        totalHits: 2,
        isBlocked: true,
      });
    } finally {
      storage.onModuleDestroy();
    }
  });
});

describe('rate limits with Redis unreachable', () => {
  it('the storage lets a request through at once (fails open)', async () => {
    const config = AppConfig.fromEnvironment({ REDIS_URL: 'redis://127.0.0.1:1', QUEUE_PREFIX: '{slgw-test-none}' });
    const storage = new RedisThrottlerStorage(config);
    try {
      const started = Date.now();
      for (let i = 0; i < 3; i++) {
        expect(await storage.increment('k', 60_000, 1, 60_000, 'default')).toMatchObject({ isBlocked: false });
      }
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      storage.onModuleDestroy();
    }
  });

  it('does not turn API calls into errors', async () => {
    const { env, cleanup } = await testEnvironment({
      ROLE: 'api',
      API_RATE_LIMIT_PER_MINUTE: '2',
      API_AUTH_FAILURES_PER_MINUTE: '1',
    });
    const target = new URL(env.REDIS_URL);
    const proxy = await TcpProxy.start(target.hostname, Number(target.port));
    env.REDIS_URL = proxy.url(env.REDIS_URL);
    let app: NestFastifyApplication | undefined;
    try {
      app = await createHttpApp(AppConfig.fromEnvironment(env));
      const get = (key: string) =>
        app!.inject({ method: 'GET', url: '/api/v1/events', headers: { authorization: `Bearer ${key}` } });
      expect((await get(TEST_ADMIN_KEY)).statusCode).toBe(200);
      await proxy.cut();
      for (let i = 0; i < 4; i++) {
        expect((await get(TEST_ADMIN_KEY)).statusCode).toBe(200);
        expect((await get('wrong-key-000000000000')).statusCode).toBe(401);
      }
      // Back: the limit holds again.
      await proxy.restore();
      await waitFor(async () => (await get(TEST_ADMIN_KEY)).statusCode === 429, 20_000, 'the limit to hold again');
    } finally {
      await proxy.restore();
      await app?.close();
      await proxy.stop();
      await cleanup();
    }
  });
});
