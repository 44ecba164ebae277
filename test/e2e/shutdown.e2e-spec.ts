import { freePort, ServiceProcess } from '../utils/service-process';
import { createTestApp, testEnvironment } from '../utils/test-app';

/**
 * BullMQ 5 throws an unhandled "Connection is closed" when a queue or worker closes while its Redis connection
 * is still starting (see untilStarted). Without the wait, most of these stops failed on this machine.
 */
describe('stopping right after boot (e2e)', () => {
  it('closes the app cleanly while its queue and worker connections may still be starting, five times over', async () => {
    for (let i = 0; i < 5; i++) {
      const t = await createTestApp();
      const health = await t.request({ method: 'GET', url: '/health', apiKey: null });
      expect([200, 503]).toContain(health.statusCode);
      await t.close();
    }
  }, 60_000);
});

describe('stopping a worker while Redis is unreachable (e2e)', () => {
  let service: ServiceProcess | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await service?.kill();
    await cleanup?.();
  });

  it('exits with code 1 once STOP_TIMEOUT_SECONDS have passed, instead of waiting for Redis forever', async () => {
    // A port nothing listens on: BullMQ keeps reconnecting, and its worker would not finish closing.
    const closed = await freePort();
    const environment = await testEnvironment({
      ROLE: 'worker',
      REDIS_URL: `redis://127.0.0.1:${closed}`,
      STOP_TIMEOUT_SECONDS: '2',
      LOG_LEVEL: 'log',
    });
    cleanup = environment.cleanup;
    service = new ServiceProcess(environment.env);
    await service.start();
    const started = Date.now();
    const exit = await service.kill('SIGTERM');
    expect(exit).toEqual({ code: 1, signal: null });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(service.output).toContain('did not stop within 2 s');
  }, 90_000);
});
