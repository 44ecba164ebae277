import { createTestApp } from '../utils/test-app';

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
