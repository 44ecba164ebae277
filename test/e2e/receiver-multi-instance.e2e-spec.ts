import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '../../src/bootstrap';
import { ENDPOINT_CACHE_TTL_MS } from '../../src/webhooks/endpoints/endpoint.resolver';
import { deliveredEvent, withSecret } from '../fixtures/socketlabs-events';
import { createTestApp, TestApp, waitFor } from '../utils/test-app';

/**
 * Two API processes on one database: a secret added through one of them must be accepted by the other well before
 * the endpoint cache expires (SocketLabs validates a new webhook right after it is created, through any instance).
 */
describe('receiver endpoints across instances (e2e)', () => {
  let first: TestApp;
  let second: NestFastifyApplication;
  beforeAll(async () => {
    first = await createTestApp({ ROLE: 'api' });
    second = await createHttpApp(first.config);
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  const post = (id: string, secret: string, n: number) =>
    second.inject({
      method: 'POST',
      url: `/webhooks/socketlabs/${id}`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(withSecret(deliveredEvent({ MessageId: `multi-${n}` }), secret)),
    });

  it('accepts on the other instance a secret added moments ago, long before the cache expires', async () => {
    const created = await first.request({ method: 'POST', url: '/api/v1/webhook-endpoints', body: { name: 'rotating', secretKeys: ['old-secret-aaaa'] } });
    const id = created.json().id;
    // The second instance now holds the endpoint, with only the old secret, in its cache.
    expect((await post(id, 'old-secret-aaaa', 0)).statusCode).toBe(200);

    const added = await first.request({ method: 'POST', url: `/api/v1/webhook-endpoints/${id}/secrets`, body: { secretKey: 'new-secret-bbbb' } });
    expect(added.statusCode).toBe(201);
    let n = 1;
    // Fails if the new secret is accepted only once the cache entry expires.
    await waitFor(async () => (await post(id, 'new-secret-bbbb', n++)).statusCode === 200, ENDPOINT_CACHE_TTL_MS - 2000, 'the new secret to be accepted');
    // A wrong secret is still refused.
    expect((await post(id, 'never-was-a-secret', n++)).statusCode).toBe(401);
  });
});
