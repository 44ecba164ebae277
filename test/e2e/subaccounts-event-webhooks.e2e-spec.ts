import { FAKE_SOCKETLABS_KEY, FakeSocketLabs } from '../fake-socketlabs/fake-socketlabs';
import { apiCaller, auditSinceMark, createTestApp, TestApp } from '../utils/test-app';

/** Subaccount event webhooks proxied to the fake SocketLabs, for URLs that do NOT point at this service. */
describe('subaccount event webhooks (e2e)', () => {
  let fake: FakeSocketLabs;
  let t: TestApp;
  const audit = auditSinceMark(() => t);
  let subaccountId: number;

  beforeAll(async () => {
    fake = await FakeSocketLabs.start();
    t = await createTestApp({ ...fake.env(), SOCKETLABS_MAX_RETRIES: '2', PUBLIC_URL: 'https://gateway.example.test' });
  });
  afterAll(async () => {
    await t?.close();
    await fake.stop();
  });
  beforeEach(async () => {
    fake.reset();
    const res = await api('POST', '/subaccounts', { name: 'Hooks', useRuleEngine: true });
    subaccountId = res.json().subaccountId;
    fake.requests.length = 0;
    await audit.mark();
  });

  const api = apiCaller(() => t);
  const base = () => `/subaccounts/${subaccountId}/event-webhooks`;
  const upstream = () => `/v2/subaccount/${subaccountId}/event-webhook`;
  const auditRows = audit.rows;

  async function createHook(body: Record<string, unknown> = {}): Promise<number> {
    const res = await api('POST', base(), { url: 'https://hooks.example.com/socketlabs', ...body });
    expect(res.statusCode).toBe(201);
    fake.requests.length = 0;
    return res.json().id;
  }

  it('generates a secret key with POST .../event-webhook/generate-secret-key, answered as { secretKey } and never audited', async () => {
    const res = await api('POST', `${base()}/secret-key`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ secretKey: expect.stringMatching(/^\w{20}$/) });
    const [req] = fake.requestsTo('POST', `${upstream()}/generate-secret-key`);
    expect(req.headers.authorization).toBe(`Bearer ${FAKE_SOCKETLABS_KEY}`);
    expect(await auditRows('subaccounts.event-webhooks.generate-secret-key')).toEqual([
      expect.objectContaining({ status: 200, target: String(subaccountId) }),
    ]);
    expect(JSON.stringify(await t.dataSource.query('SELECT * FROM audit_log'))).not.toContain(res.json().secretKey);
  });

  it('creates a webhook elsewhere: the body passes through as given, SocketLabs data comes back, the secret is redacted in the audit', async () => {
    const body = {
      url: 'https://hooks.example.com/socketlabs',
      name: 'Prod',
      enabled: true,
      eventTypes: ['sent', 'Failed'],
      secretKey: 'MySecretKey-1234567',
      extra: 'ignored',
    };
    const res = await api('POST', base(), body);
    expect(res.statusCode).toBe(201);
    const [req] = fake.requestsTo('POST', upstream());
    expect(req.body).toEqual({
      url: body.url,
      name: 'Prod',
      enabled: true,
      eventTypes: ['Sent', 'Failed'],
      secretKey: 'MySecretKey-1234567',
    });
    expect(res.json()).toMatchObject({
      id: expect.any(Number),
      url: body.url,
      name: 'Prod',
      eventTypes: ['Sent', 'Failed'],
    });
    expect(res.json().receiverEndpointId).toBeUndefined();
    expect(fake.requestsTo('POST', `${upstream()}/generate-secret-key`)).toHaveLength(0);
    expect(await t.dataSource.query('SELECT id FROM webhook_endpoints')).toEqual([]);

    const [row] = await auditRows('subaccounts.event-webhooks.create');
    expect(row).toMatchObject({ status: 201, target: `${subaccountId}/${res.json().id}` });
    expect(row.details.body.secretKey).toBe('[redacted]');
    expect(JSON.stringify(row)).not.toContain('MySecretKey-1234567');
  });

  it.each([
    ['an http:// URL', { url: 'http://hooks.example.com/x' }, 'url'],
    ['an unknown event type', { url: 'https://hooks.example.com/x', eventTypes: ['Bounced'] }, 'eventTypes'],
    ['a short secret', { url: 'https://hooks.example.com/x', secretKey: 'short' }, 'secretKey'],
  ])('refuses %s with 400 before any call', async (_what, body, fieldName) => {
    const res = await api('POST', base(), body);
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json().message)).toContain(fieldName);
    expect(fake.requests).toHaveLength(0);
  });

  it('lists with paging passed through, gets one, and passes 404 through for an unknown one', async () => {
    const id = await createHook({ name: 'A' });
    await createHook({ name: 'B' });
    const list = await api('GET', `${base()}?pageSize=1&sortField=name&sortDirection=desc`);
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({ data: [expect.objectContaining({ name: 'B' })], total: 2 });
    expect(fake.requestsTo('GET', upstream())[0].query).toEqual({
      pageNumber: '0',
      pageSize: '1',
      sortField: 'name',
      sortDirection: 'dsc',
    });

    const one = await api('GET', `${base()}/${id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ id, name: 'A' });
    expect(fake.requestsTo('GET', `${upstream()}/${id}`)).toHaveLength(1);

    const missing = await api('GET', `${base()}/999`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toBe('SocketLabs: Event webhook 999 was not found.');
  });

  it('updates the given fields with PUT and deletes with DELETE (204), both audited', async () => {
    const id = await createHook({ name: 'Old' });
    const updated = await api('PUT', `${base()}/${id}`, { name: 'New', enabled: false });
    expect(updated.statusCode).toBe(200);
    expect(fake.requestsTo('PUT', `${upstream()}/${id}`)[0].body).toEqual({ name: 'New', enabled: false });
    expect(updated.json()).toMatchObject({ id, name: 'New', enabled: false });

    const deleted = await api('DELETE', `${base()}/${id}`);
    expect(deleted.statusCode).toBe(204);
    expect(fake.requestsTo('DELETE', `${upstream()}/${id}`)).toHaveLength(1);
    expect(await auditRows('subaccounts.event-webhooks.update')).toEqual([
      expect.objectContaining({ status: 200, target: `${subaccountId}/${id}` }),
    ]);
    expect(await auditRows('subaccounts.event-webhooks.delete')).toEqual([
      expect.objectContaining({ status: 204, target: `${subaccountId}/${id}` }),
    ]);
  });

  it.each([
    ['Sent', 'Sent', 'Delivered'],
    ['sent', 'Sent', 'Delivered'],
    ['Failed', 'Failed', 'Failed'],
    ['Deferred', 'Deferred', 'Deferred'],
    ['Complaint', 'Complaint', 'Complaint'],
    ['Click', 'Click', 'Tracking'],
    ['Open', 'Open', 'Tracking'],
    ['Queued', 'Queued', 'Queued'],
  ])(
    'performs a test of type %s: GET .../perform-test?type=%s, answers the sample event',
    async (given, sent, wireType) => {
      const id = await createHook({ secretKey: 'TheHookSecret-0001' });
      const res = await api('POST', `${base()}/${id}/test?type=${given}`);
      expect(res.statusCode).toBe(200);
      const [req] = fake.requestsTo('GET', `${upstream()}/${id}/perform-test`);
      expect(req.query).toEqual({ type: sent });
      expect(res.json()).toMatchObject({ Type: wireType, ServerId: subaccountId });
    },
  );

  it.each(['', 'Bounce', 'Validation'])('refuses test type "%s" with 400 before any call', async (type) => {
    const res = await api('POST', `${base()}/7/test?type=${type}`);
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json().message)).toContain('type');
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a bad subaccountId or webhookId with 400 before any call', async () => {
    for (const [method, url] of [
      ['GET', '/subaccounts/0/event-webhooks'],
      ['POST', '/subaccounts/abc/event-webhooks/secret-key'],
      ['GET', '/subaccounts/-3/event-webhooks/1'],
      ['GET', `${base()}/bad%20id`],
      ['DELETE', `${base()}/${'x'.repeat(65)}`],
    ] as const) {
      const res = await api(method, url);
      expect({ url, status: res.statusCode }).toEqual({ url, status: 400 });
    }
    expect(fake.requests).toHaveLength(0);
  });

  it('maps upstream failures: 409 and 422 passed through, 5xx on a GET retried then 502', async () => {
    const id = await createHook();
    fake.misbehave({ method: 'PUT', status: 409 });
    expect((await api('PUT', `${base()}/${id}`, { name: 'x' })).statusCode).toBe(409);
    fake.misbehave({ method: 'PUT', status: 422 });
    expect((await api('PUT', `${base()}/${id}`, { name: 'x' })).statusCode).toBe(422);
    fake.requests.length = 0;
    fake.misbehave({ method: 'GET', status: 503, times: 3, retryAfter: 0 });
    const res = await api('GET', base());
    expect(res.statusCode).toBe(502);
    expect(fake.requestsTo('GET', upstream())).toHaveLength(3);
  });

  it('lets a socketlabs:read key list and get but not create, update, delete, test or generate (403, nothing sent)', async () => {
    const id = await createHook();
    const reader = (await api('POST', '/api-keys', { name: 'reader', scopes: ['socketlabs:read'] })).json().key;
    expect((await api('GET', base(), undefined, reader)).statusCode).toBe(200);
    expect((await api('GET', `${base()}/${id}`, undefined, reader)).statusCode).toBe(200);
    fake.requests.length = 0;
    for (const [method, url, body] of [
      ['POST', `${base()}/secret-key`, undefined],
      ['POST', base(), { url: 'https://hooks.example.com/x' }],
      ['PUT', `${base()}/${id}`, { name: 'x' }],
      ['DELETE', `${base()}/${id}`, undefined],
      ['POST', `${base()}/${id}/test?type=Sent`, undefined],
    ] as const) {
      expect({ url, status: (await api(method, url, body, reader)).statusCode }).toEqual({ url, status: 403 });
    }
    expect(fake.requests).toHaveLength(0);
  });
});
