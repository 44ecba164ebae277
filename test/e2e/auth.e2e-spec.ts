import { createTestApp, TEST_ADMIN_KEY, TestApp } from '../utils/test-app';

describe('API keys and auth (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 401 without a key and with a wrong key, with the error shape and a request id', async () => {
    const none = await t.request({ method: 'GET', url: '/api/v1/api-keys', apiKey: null });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized', code: 'API_KEY_MISSING' });
    expect(none.json().requestId).toBe(none.headers['x-request-id']);
    const wrong = await t.request({ method: 'GET', url: '/api/v1/api-keys', apiKey: 'nope-nope-nope' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().code).toBe('API_KEY_INVALID');
  });

  it('lets the admin create a scoped key, which is stored hashed, accepted by both headers, limited to its scope and revocable', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/api-keys',
      body: { name: 'reporting', scopes: ['events:read'] },
    });
    expect(created.statusCode).toBe(201);
    const { id, key, prefix } = created.json();
    expect(key).toMatch(/^slgw_/);
    expect(key.startsWith(prefix)).toBe(true);

    const stored = await t.dataSource.query('SELECT key_hash FROM api_keys WHERE id = $1', [id]);
    expect(stored[0].key_hash).not.toContain(key);
    expect(stored[0].key_hash).toHaveLength(64);

    const forbidden = await t.request({ method: 'GET', url: '/api/v1/api-keys', apiKey: key });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().code).toBe('SCOPE_MISSING');

    const viaHeader = await t.request({
      method: 'GET',
      url: '/api/v1/api-keys',
      apiKey: null,
      headers: { 'x-api-key': key },
    });
    expect(viaHeader.statusCode).toBe(403); // authenticated (not 401), still the wrong scope

    const list = await t.request({ method: 'GET', url: '/api/v1/api-keys' });
    expect(list.json().total).toBe(1);
    expect(JSON.stringify(list.json())).not.toContain(key);

    const revoked = await t.request({ method: 'DELETE', url: `/api/v1/api-keys/${id}` });
    expect(revoked.statusCode).toBe(200);
    const after = await t.request({ method: 'GET', url: '/api/v1/api-keys', apiKey: key });
    expect(after.statusCode).toBe(401);

    const audit = await t.request({ method: 'GET', url: '/api/v1/audit-log?sortDirection=asc' });
    expect(audit.json().data.map((e: { action: string }) => e.action)).toEqual(['api-keys.create', 'api-keys.revoke']);
  });

  it('rejects a bad body with 400 naming the field', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/api-keys',
      body: { name: 'x', scopes: ['everything'] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(res.json().message)).toContain('scopes');
  });

  it('serves health without a key', async () => {
    const res = await t.request({ method: 'GET', url: '/health', apiKey: null });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', database: 'up', redis: 'up' });
  });
});

describe('queue dashboard (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('asks for credentials, refuses a non-admin key and serves the board to an admin key given as a Basic password', async () => {
    const none = await t.request({ method: 'GET', url: '/queues', apiKey: null });
    expect(none.statusCode).toBe(401);
    expect(String(none.headers['www-authenticate'])).toMatch(/^Basic /);

    const reader = (
      await t.request({ method: 'POST', url: '/api/v1/api-keys', body: { name: 'r', scopes: ['events:read'] } })
    ).json().key;
    const refused = await t.request({ method: 'GET', url: '/queues', apiKey: reader });
    expect(refused.statusCode).toBe(401);

    const basic = Buffer.from(`ops:${TEST_ADMIN_KEY}`).toString('base64');
    const page = await t.request({
      method: 'GET',
      url: '/queues',
      apiKey: null,
      headers: { authorization: `Basic ${basic}` },
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('socketlabs-gateway');
    const api = await t.request({
      method: 'GET',
      url: '/queues/api/queues',
      apiKey: null,
      headers: { authorization: `Basic ${basic}` },
    });
    expect(api.statusCode).toBe(200);
    expect(JSON.stringify(api.json())).toContain('email-events');
  });
});
