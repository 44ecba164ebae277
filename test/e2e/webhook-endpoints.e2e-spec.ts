import { WebhookEndpointsService } from '../../src/webhooks/endpoints/webhook-endpoints.service';
import { deliveredEvent, withSecret } from '../fixtures/socketlabs-events';
import { createTestApp, TestApp } from '../utils/test-app';

const PUBLIC_URL = 'https://mail-events.example.com/';

describe('Webhook endpoint registry (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    // No WEBHOOK_SECRET_KEY here: the environment endpoint is not configured.
    t = await createTestApp({ ROLE: 'api', PUBLIC_URL });
  });
  afterAll(async () => {
    await t.close();
  });

  const create = (body: unknown) => t.request({ method: 'POST', url: '/api/v1/webhook-endpoints', body });
  const receive = (id: string, body: unknown) =>
    t.request({ method: 'POST', url: `/webhooks/socketlabs/${id}`, body, apiKey: null });

  it('creates an endpoint, returns its secrets once, and stores only their hashes', async () => {
    const res = await create({
      name: 'subaccount 16332',
      secretKeys: ['first-secret-1111', 'second-secret-2222'],
      expectedServerId: 16332,
      validationKey: 'legacy-vk',
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      name: 'subaccount 16332',
      receiverPath: `/webhooks/socketlabs/${body.id}`,
      receiverUrl: `https://mail-events.example.com/webhooks/socketlabs/${body.id}`,
      expectedServerId: 16332,
      expectedSubaccountId: null,
      validationKey: 'legacy-vk',
      enabled: true,
      validatedAt: null,
    });
    expect(body.secrets).toEqual([
      { id: expect.any(String), hint: '1111', createdAt: expect.any(String) },
      { id: expect.any(String), hint: '2222', createdAt: expect.any(String) },
    ]);
    expect(body.newSecrets.map((s: { secretKey: string }) => s.secretKey)).toEqual([
      'first-secret-1111',
      'second-secret-2222',
    ]);
    expect(body.newSecrets.map((s: { id: string }) => s.id)).toEqual(body.secrets.map((s: { id: string }) => s.id));

    const [row] = await t.dataSource.query('SELECT secrets::text AS secrets FROM webhook_endpoints WHERE id = $1', [
      body.id,
    ]);
    expect(row.secrets).not.toContain('first-secret');
    expect(row.secrets).toMatch(/"hash": "[0-9a-f]{64}"/);

    const fetched = await t.request({ method: 'GET', url: `/api/v1/webhook-endpoints/${body.id}` });
    expect(fetched.statusCode).toBe(200);
    expect(fetched.body).not.toContain('first-secret');
    expect(fetched.json().newSecrets).toBeUndefined();

    // The secrets work at the receiver (with the legacy validation key as the 200 body).
    const ok = await receive(body.id, withSecret(deliveredEvent({ ServerId: 16332 }), 'second-secret-2222'));
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe('legacy-vk');
  });

  it('generates a secret when none is given', async () => {
    const res = await create({ name: 'generated' });
    expect(res.statusCode).toBe(201);
    const [secret] = res.json().newSecrets;
    expect(secret.secretKey).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(secret.hint).toBe(secret.secretKey.slice(-4));
    expect(
      (await receive(res.json().id, withSecret(deliveredEvent({ MessageId: 'gen' }), secret.secretKey))).statusCode,
    ).toBe(200);
  });

  it.each([
    [{}, 'name'],
    [{ name: '' }, 'name'],
    [{ name: 'x', secretKeys: [] }, 'secretKeys'],
    [{ name: 'x', secretKeys: ['short'] }, 'secretKeys'],
    [{ name: 'x', secretKeys: ['aaaaaaaa1', 'aaaaaaaa1'] }, 'secretKeys'],
    [
      { name: 'x', secretKeys: ['aaaaaaaa1', 'aaaaaaaa2', 'aaaaaaaa3', 'aaaaaaaa4', 'aaaaaaaa5', 'aaaaaaaa6'] },
      'secretKeys',
    ],
    [{ name: 'x', expectedServerId: '16332' }, 'expectedServerId'],
    [{ name: 'x', enabled: 'yes' }, 'enabled'],
  ])('refuses %j with 400 naming %s', async (body, field) => {
    const res = await create(body);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(res.json().message)).toContain(field);
  });

  it('lists with paging and sorting, as {data, total}', async () => {
    for (const name of ['list-b', 'list-a', 'list-c']) await create({ name });
    const all = await t.request({ method: 'GET', url: '/api/v1/webhook-endpoints?pageSize=500' });
    const total = all.json().total;
    expect(total).toBeGreaterThanOrEqual(5);
    const page = await t.request({
      method: 'GET',
      url: '/api/v1/webhook-endpoints?pageNumber=1&pageSize=2&sortField=name&sortDirection=asc',
    });
    expect(page.statusCode).toBe(200);
    expect(page.json().total).toBe(total);
    expect(page.json().data).toHaveLength(2);
    const names = all
      .json()
      .data.map((e: { name: string }) => e.name)
      .sort();
    expect(page.json().data.map((e: { name: string }) => e.name)).toEqual(names.slice(2, 4));
    expect(all.body).not.toMatch(/secretKey/);
    expect((await t.request({ method: 'GET', url: '/api/v1/webhook-endpoints?sortField=secrets' })).statusCode).toBe(
      400,
    );
  });

  it('filters on enabled, given as true/false in any case, and refuses anything else', async () => {
    const off = (await create({ name: 'filter-off', enabled: false })).json();
    const list = async (query: string): Promise<{ id: string; enabled: boolean }[]> => {
      const res = await t.request({ method: 'GET', url: `/api/v1/webhook-endpoints?pageSize=500&${query}` });
      expect(res.statusCode).toBe(200);
      return res.json().data;
    };
    const disabled = await list('enabled=false');
    expect(disabled.map((e) => e.id)).toContain(off.id);
    expect(disabled.every((e) => !e.enabled)).toBe(true);
    const enabled = await list('enabled=TRUE');
    expect(enabled.length).toBeGreaterThan(0);
    expect(enabled.every((e) => e.enabled)).toBe(true);
    expect((await t.request({ method: 'GET', url: '/api/v1/webhook-endpoints?enabled=yes' })).statusCode).toBe(400);
  });

  it('updates, rotates secrets, refuses to remove the last one, disables; audits every change', async () => {
    const created = (await create({ name: 'lifecycle', secretKeys: ['lifecycle-secret-1'] })).json();
    const id = created.id;
    const event = (messageId: string, secret: string, extra: Record<string, unknown> = {}) =>
      withSecret(deliveredEvent({ MessageId: messageId, ...extra }), secret);

    const patched = await t.request({
      method: 'PATCH',
      url: `/api/v1/webhook-endpoints/${id}`,
      body: { name: 'lifecycle 2', expectedServerId: 42, validationKey: 'vk-1' },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ name: 'lifecycle 2', expectedServerId: 42, validationKey: 'vk-1' });
    // The receiver sees the change at once (its cache is dropped in this process).
    expect((await receive(id, event('lc-1', 'lifecycle-secret-1', { ServerId: 7 }))).statusCode).toBe(401);
    const cleared = await t.request({
      method: 'PATCH',
      url: `/api/v1/webhook-endpoints/${id}`,
      body: { expectedServerId: null, validationKey: null },
    });
    expect(cleared.json()).toMatchObject({ name: 'lifecycle 2', expectedServerId: null, validationKey: null });
    expect((await receive(id, event('lc-2', 'lifecycle-secret-1', { ServerId: 7 }))).statusCode).toBe(200);
    expect(
      (await t.request({ method: 'PATCH', url: `/api/v1/webhook-endpoints/${id}`, body: { name: null } })).statusCode,
    ).toBe(400);

    const added = await t.request({ method: 'POST', url: `/api/v1/webhook-endpoints/${id}/secrets`, body: {} });
    expect(added.statusCode).toBe(201);
    const generated = added.json().newSecret.secretKey;
    expect(generated).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(
      (
        await t.request({
          method: 'POST',
          url: `/api/v1/webhook-endpoints/${id}/secrets`,
          body: { secretKey: 'lifecycle-secret-1' },
        })
      ).json().code,
    ).toBe('SECRET_EXISTS');

    const firstId = created.secrets[0].id;
    const removed = await t.request({ method: 'DELETE', url: `/api/v1/webhook-endpoints/${id}/secrets/${firstId}` });
    expect(removed.statusCode).toBe(200);
    expect(removed.json().secrets.map((s: { id: string }) => s.id)).toEqual([added.json().newSecret.id]);
    expect((await receive(id, event('lc-3', 'lifecycle-secret-1'))).statusCode).toBe(401);
    expect((await receive(id, event('lc-4', generated))).statusCode).toBe(200);

    const last = await t.request({
      method: 'DELETE',
      url: `/api/v1/webhook-endpoints/${id}/secrets/${added.json().newSecret.id}`,
    });
    expect(last.statusCode).toBe(409);
    expect(last.json().code).toBe('LAST_SECRET');
    expect(
      (await t.request({ method: 'DELETE', url: `/api/v1/webhook-endpoints/${id}/secrets/${firstId}` })).statusCode,
    ).toBe(404);

    for (let i = 0; i < 4; i++)
      await t.request({ method: 'POST', url: `/api/v1/webhook-endpoints/${id}/secrets`, body: {} });
    const sixth = await t.request({ method: 'POST', url: `/api/v1/webhook-endpoints/${id}/secrets`, body: {} });
    expect(sixth.statusCode).toBe(409);
    expect(sixth.json().code).toBe('TOO_MANY_SECRETS');

    const disabled = await t.request({ method: 'DELETE', url: `/api/v1/webhook-endpoints/${id}` });
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json().enabled).toBe(false);
    expect((await receive(id, event('lc-5', generated))).json().code).toBe('DISABLED_ENDPOINT');
    // The row and its events are kept.
    expect((await t.request({ method: 'GET', url: `/api/v1/webhook-endpoints/${id}` })).statusCode).toBe(200);
    const [{ n }] = await t.dataSource.query('SELECT count(*)::int AS n FROM email_events WHERE endpoint_id = $1', [
      id,
    ]);
    expect(n).toBe(2);
    expect(
      (await t.request({ method: 'PATCH', url: `/api/v1/webhook-endpoints/${id}`, body: { enabled: true } })).json()
        .enabled,
    ).toBe(true);
    expect((await receive(id, event('lc-6', generated))).statusCode).toBe(200);

    const audit = await t.request({ method: 'GET', url: '/api/v1/audit-log?sortDirection=asc&pageSize=500' });
    const mine = audit.json().data.filter((e: { target: string }) => e.target === id);
    expect(mine.map((e: { action: string }) => e.action)).toEqual([
      'webhook-endpoints.create',
      'webhook-endpoints.update',
      'webhook-endpoints.update',
      'webhook-endpoints.add-secret',
      'webhook-endpoints.remove-secret',
      'webhook-endpoints.add-secret',
      'webhook-endpoints.add-secret',
      'webhook-endpoints.add-secret',
      'webhook-endpoints.add-secret',
      'webhook-endpoints.disable',
      'webhook-endpoints.update',
    ]);
    const auditText = JSON.stringify(mine);
    for (const secret of ['lifecycle-secret-1', generated, 'vk-1']) expect(auditText).not.toContain(secret);
  });

  it('refuses PATCH with secretKeys (400 saying how to rotate), and changes nothing', async () => {
    const created = (await create({ name: 'no patch rotation', secretKeys: ['patch-secret-0001'] })).json();
    const res = await t.request({
      method: 'PATCH',
      url: `/api/v1/webhook-endpoints/${created.id}`,
      body: { name: 'renamed', secretKeys: ['patch-secret-0002'] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_FAILED');
    expect(res.json().message).toEqual([
      expect.stringMatching(
        /^secretKeys is not a known property: .*POST \/api\/v1\/webhook-endpoints\/\{id\}\/secrets/,
      ),
    ]);
    const after = (await t.request({ method: 'GET', url: `/api/v1/webhook-endpoints/${created.id}` })).json();
    expect(after.name).toBe('no patch rotation');
    expect(after.secrets.map((s: { hint: string }) => s.hint)).toEqual(['0001']);
    expect(
      (await receive(created.id, withSecret(deliveredEvent({ MessageId: 'np-1' }), 'patch-secret-0002'))).statusCode,
    ).toBe(401);
  });

  it('refuses unknown properties of its bodies and queries with a 400 that names each of them', async () => {
    const created = (await create({ name: 'strict' })).json();
    const cases: Array<[string, Promise<{ statusCode: number; json: () => any }>, string[]]> = [
      ['POST body', create({ name: 'typo', expectedServerID: 16332 }), ['expectedServerID']],
      [
        'PATCH body',
        t.request({
          method: 'PATCH',
          url: `/api/v1/webhook-endpoints/${created.id}`,
          body: { enable: false, label: 'x' },
        }),
        ['enable', 'label'],
      ],
      [
        'secrets body',
        t.request({
          method: 'POST',
          url: `/api/v1/webhook-endpoints/${created.id}/secrets`,
          body: { secretKeys: ['a-long-secret-1'] },
        }),
        ['secretKeys'],
      ],
      ['list query', t.request({ method: 'GET', url: '/api/v1/webhook-endpoints?enabeld=true' }), ['enabeld']],
    ];
    for (const [what, pending, names] of cases) {
      const res = await pending;
      expect([what, res.statusCode]).toEqual([what, 400]);
      expect(res.json().message).toEqual(
        names.map((n) => expect.stringMatching(new RegExp(`^${n} is not a known property`))),
      );
    }
    // Nothing was created or changed.
    expect((await t.request({ method: 'GET', url: `/api/v1/webhook-endpoints/${created.id}` })).json()).toMatchObject({
      enabled: true,
      secrets: [expect.anything()],
    });
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    const missing = await t.request({
      method: 'GET',
      url: '/api/v1/webhook-endpoints/6c1b8f0e-2d3a-4b5c-8d7e-9f0a1b2c3d4e',
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('NOT_FOUND');
    expect(
      (
        await t.request({
          method: 'PATCH',
          url: '/api/v1/webhook-endpoints/6c1b8f0e-2d3a-4b5c-8d7e-9f0a1b2c3d4e',
          body: { name: 'x' },
        })
      ).statusCode,
    ).toBe(404);
    expect((await t.request({ method: 'GET', url: '/api/v1/webhook-endpoints/nope' })).statusCode).toBe(400);
  });

  it('is for admins only', async () => {
    const key = (
      await t.request({ method: 'POST', url: '/api/v1/api-keys', body: { name: 'reader', scopes: ['events:read'] } })
    ).json().key;
    for (const [method, url] of [
      ['GET', '/api/v1/webhook-endpoints'],
      ['POST', '/api/v1/webhook-endpoints'],
      ['GET', '/api/v1/webhook-endpoints/receiver-stats'],
    ] as const) {
      expect(
        (await t.request({ method, url, apiKey: key, body: method === 'POST' ? { name: 'x' } : undefined })).statusCode,
      ).toBe(403);
      expect(
        (await t.request({ method, url, apiKey: null, body: method === 'POST' ? { name: 'x' } : undefined }))
          .statusCode,
      ).toBe(401);
    }
  });

  it('answers 401 to everything at POST /webhooks/socketlabs when WEBHOOK_SECRET_KEY is not set', async () => {
    const before = (await t.dataSource.query('SELECT count(*)::int AS n FROM email_events'))[0].n;
    for (const body of [
      withSecret(deliveredEvent({ MessageId: 'no-env' }), ''),
      withSecret(deliveredEvent({ MessageId: 'no-env' }), 'anything-at-all'),
      'garbage',
    ]) {
      const res = await t.request({
        method: 'POST',
        url: '/webhooks/socketlabs',
        body,
        apiKey: null,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('ENDPOINT_NOT_CONFIGURED');
    }
    expect((await t.dataSource.query('SELECT count(*)::int AS n FROM email_events'))[0].n).toBe(before);
  });

  it('exports WebhookEndpointsService.create for other modules', async () => {
    const service = t.app.get(WebhookEndpointsService);
    const entity = await service.create({
      name: 'from the accounts module',
      secretKeys: ['module-secret-9876'],
      expectedSubaccountId: 77,
    });
    expect(entity).toMatchObject({
      name: 'from the accounts module',
      expectedSubaccountId: 77,
      expectedServerId: null,
      enabled: true,
    });
    expect(entity.secrets).toHaveLength(1);
    expect(JSON.stringify(entity)).not.toContain('module-secret-9876');
    expect(
      (
        await receive(
          entity.id,
          withSecret(deliveredEvent({ MessageId: 'svc', SubaccountId: 77 }), 'module-secret-9876'),
        )
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await receive(
          entity.id,
          withSecret(deliveredEvent({ MessageId: 'svc-2', SubaccountId: 78 }), 'module-secret-9876'),
        )
      ).statusCode,
    ).toBe(401);
  });

  it('documents the receiver and the registry in the OpenAPI document', async () => {
    const doc = (await t.request({ method: 'GET', url: '/docs-json', apiKey: null })).json();
    const ops = Object.values(doc.paths as Record<string, Record<string, { operationId?: string }>>).flatMap((p) =>
      Object.values(p).map((o) => o.operationId),
    );
    for (const op of [
      'createWebhookEndpoint',
      'listWebhookEndpoints',
      'getWebhookEndpoint',
      'updateWebhookEndpoint',
      'addWebhookEndpointSecret',
      'removeWebhookEndpointSecret',
      'disableWebhookEndpoint',
      'getReceiverStats',
      'receiveSocketLabsEvents',
      'receiveSocketLabsEventsForEndpoint',
    ]) {
      expect(ops).toContain(op);
    }
    const receiver = doc.paths['/webhooks/socketlabs/{endpointId}'].post;
    expect(Object.keys(receiver.requestBody.content).sort()).toEqual([
      'application/json',
      'application/x-www-form-urlencoded',
    ]);
    expect(Object.keys(receiver.responses).sort()).toEqual(['200', '400', '401', '413', '415', '503']);
    expect(receiver.security).toEqual([]);
  });
});
