import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '../../src/bootstrap';
import { AppConfig } from '../../src/core/config/app-config';
import { TcpProxy } from '../utils/tcp-proxy';
import { testEnvironment, waitFor } from '../utils/test-app';

/** An app whose PostgreSQL and Redis each go through a TCP proxy that the test can cut and restore. */
async function startApp() {
  const { env, cleanup } = await testEnvironment({ ROLE: 'api' });
  const pgUrl = new URL(env.DATABASE_URL);
  const redisUrl = new URL(env.REDIS_URL);
  const postgres = await TcpProxy.start(pgUrl.hostname, Number(pgUrl.port));
  const redis = await TcpProxy.start(redisUrl.hostname, Number(redisUrl.port));
  env.DATABASE_URL = postgres.url(env.DATABASE_URL);
  env.REDIS_URL = redis.url(env.REDIS_URL);
  const app: NestFastifyApplication = await createHttpApp(AppConfig.fromEnvironment(env));
  const get = async (url: string) => {
    const res = await app.inject({ method: 'GET', url });
    return { statusCode: res.statusCode, body: JSON.parse(res.body) as Record<string, unknown> };
  };
  const close = async () => {
    await postgres.restore();
    await redis.restore();
    await waitFor(async () => (await get('/health')).statusCode === 200, 20_000, 'PostgreSQL and Redis to be back');
    await app.close();
    await postgres.stop();
    await redis.stop();
    await cleanup();
  };
  return { get, postgres, redis, close };
}

describe('Health probes (e2e)', () => {
  let s: Awaited<ReturnType<typeof startApp>>;

  beforeAll(async () => {
    s = await startApp();
  });

  afterAll(async () => {
    await s?.close();
  });

  it('answers live and ready, without an API key, outside /api/v1', async () => {
    expect(await s.get('/health/live')).toEqual({ statusCode: 200, body: { status: 'ok' } });
    expect(await s.get('/health/ready')).toEqual({
      statusCode: 200,
      body: { status: 'ready', database: 'up', redis: 'up' },
    });
    expect(await s.get('/health')).toEqual({ statusCode: 200, body: { status: 'ok', database: 'up', redis: 'up' } });
    expect((await s.get('/api/v1/health/ready')).statusCode).toBe(404);
  });

  it('stays ready without Redis (the receiver still stores events), and says so', async () => {
    await s.redis.cut();
    try {
      expect(await s.get('/health/ready')).toEqual({
        statusCode: 200,
        body: { status: 'ready', database: 'up', redis: 'down' },
      });
      expect(await s.get('/health')).toEqual({
        statusCode: 503,
        body: { status: 'degraded', database: 'up', redis: 'down' },
      });
      expect((await s.get('/health/live')).statusCode).toBe(200);
    } finally {
      await s.redis.restore();
    }
  });

  it('is unready without PostgreSQL, and still live', async () => {
    await s.postgres.cut();
    try {
      expect(await s.get('/health/ready')).toEqual({
        statusCode: 503,
        body: { status: 'unready', database: 'down', redis: 'up' },
      });
      expect((await s.get('/health/live')).statusCode).toBe(200);
    } finally {
      await s.postgres.restore();
    }
    await waitFor(
      async () => (await s.get('/health/ready')).statusCode === 200,
      20_000,
      'ready again once PostgreSQL is back',
    );
  });
});
