import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '../../src/bootstrap';
import { ENDPOINT_CACHE_TTL_MS } from '../../src/webhooks/endpoints/endpoint.resolver';
import { deliveredEvent, withSecret } from '../fixtures/socketlabs-events';
import { createTestApp, TestApp, waitFor } from '../utils/test-app';

/**
 * Two API processes on one database, each with its own caches of receiver endpoints and API keys: a change made
 * through one of them must hold on the other well before the cached entry expires (a new secret for SocketLabs'
 * validation right after a webhook is created; a removed secret, a disabled endpoint or a revoked key at once).
 */
describe('caches across instances (e2e)', () => {
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

  let n = 0;
  const post = async (id: string, secret: string) =>
    (
      await second.inject({
        method: 'POST',
        url: `/webhooks/socketlabs/${id}`,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(withSecret(deliveredEvent({ MessageId: `multi-${n++}` }), secret)),
      })
    ).statusCode;
  const readEvents = async (key: string) =>
    (await second.inject({ method: 'GET', url: '/api/v1/events', headers: { authorization: `Bearer ${key}` } }))
      .statusCode;

  /** Well below both cache TTLs (endpoints 5 s, API keys 10 s): only an announced change can be seen this soon. */
  const PROMPTLY_MS = 1500;

  it('accepts on the other instance a secret added moments ago, long before the cache expires', async () => {
    const created = await first.request({
      method: 'POST',
      url: '/api/v1/webhook-endpoints',
      body: { name: 'rotating', secretKeys: ['old-secret-aaaa'] },
    });
    const id = created.json().id;
    // The second instance now holds the endpoint, with only the old secret, in its cache.
    expect(await post(id, 'old-secret-aaaa')).toBe(200);

    const added = await first.request({
      method: 'POST',
      url: `/api/v1/webhook-endpoints/${id}/secrets`,
      body: { secretKey: 'new-secret-bbbb' },
    });
    expect(added.statusCode).toBe(201);
    // Fails if the new secret is accepted only once the cache entry expires.
    await waitFor(
      async () => (await post(id, 'new-secret-bbbb')) === 200,
      ENDPOINT_CACHE_TTL_MS - 2000,
      'the new secret to be accepted',
    );
    // A wrong secret is still refused.
    expect(await post(id, 'never-was-a-secret')).toBe(401);
  });

  it('refuses on the other instance, at once, a removed secret and then a disabled endpoint', async () => {
    const created = await first.request({
      method: 'POST',
      url: '/api/v1/webhook-endpoints',
      body: { name: 'leaked', secretKeys: ['leaked-secret-cccc', 'fresh-secret-dddd'] },
    });
    const { id, secrets } = created.json();
    expect(await post(id, 'leaked-secret-cccc')).toBe(200);

    const leaked = secrets.find((s: { hint: string }) => s.hint === 'cccc');
    const removed = await first.request({
      method: 'DELETE',
      url: `/api/v1/webhook-endpoints/${id}/secrets/${leaked.id}`,
    });
    expect(removed.statusCode).toBe(200);
    await waitFor(
      async () => (await post(id, 'leaked-secret-cccc')) === 401,
      PROMPTLY_MS,
      'the removed secret to be refused',
    );
    expect(await post(id, 'fresh-secret-dddd')).toBe(200);

    expect((await first.request({ method: 'DELETE', url: `/api/v1/webhook-endpoints/${id}` })).statusCode).toBe(200);
    await waitFor(
      async () => (await post(id, 'fresh-secret-dddd')) === 401,
      PROMPTLY_MS,
      'the disabled endpoint to refuse',
    );
  });

  it('refuses on the other instance, at once, a revoked API key, also after the listening connection was cut', async () => {
    const issue = async (name: string) =>
      (
        await first.request({ method: 'POST', url: '/api/v1/api-keys', body: { name, scopes: ['events:read'] } })
      ).json();

    const one = await issue('revoked-at-once');
    expect(await readEvents(one.key)).toBe(200); // cached by the second instance
    expect((await first.request({ method: 'DELETE', url: `/api/v1/api-keys/${one.id}` })).statusCode).toBe(200);
    await waitFor(async () => (await readEvents(one.key)) === 401, PROMPTLY_MS, 'the revoked key to be refused');

    // PostgreSQL ends both instances' listening connections (a restart, a failover): they connect again by themselves.
    const listeners = `SELECT pid FROM pg_stat_activity WHERE application_name = 'socketlabs-gateway-listener' AND datname = current_database()`;
    const before: { pid: number }[] = await first.dataSource.query(listeners);
    expect(before).toHaveLength(2);
    await first.dataSource.query(`SELECT pg_terminate_backend(pid) FROM (${listeners}) l`);
    const two = await issue('revoked-after-reconnect');
    expect(await readEvents(two.key)).toBe(200);
    await waitFor(
      async () => {
        const now: { pid: number }[] = await first.dataSource.query(listeners);
        return now.length === 2 && now.every((l) => !before.some((b) => b.pid === l.pid));
      },
      10_000,
      'both instances to listen again',
    );
    expect((await first.request({ method: 'DELETE', url: `/api/v1/api-keys/${two.id}` })).statusCode).toBe(200);
    await waitFor(
      async () => (await readEvents(two.key)) === 401,
      PROMPTLY_MS,
      'the key revoked after the reconnection to be refused',
    );
  });
});
