import { FAKE_SOCKETLABS_KEY, FakeSocketLabs } from '../fake-socketlabs/fake-socketlabs';
import { apiCaller, auditSinceMark, createTestApp, TestApp } from '../utils/test-app';

/** Engagement tracking domains of a subaccount, against the fake SocketLabs. */
describe('tracking domains (e2e)', () => {
  let fake: FakeSocketLabs;
  let t: TestApp;
  const audit = auditSinceMark(() => t);
  let subaccountId: number;

  beforeAll(async () => {
    fake = await FakeSocketLabs.start();
    t = await createTestApp({ ...fake.env(), SOCKETLABS_MAX_RETRIES: '2' });
  });
  afterAll(async () => {
    await t?.close();
    await fake.stop();
  });
  beforeEach(async () => {
    fake.reset();
    subaccountId = (await api('POST', '/subaccounts', { name: 'Tracking', useRuleEngine: true })).json().subaccountId;
    fake.requests.length = 0;
    await audit.mark();
  });

  const api = apiCaller(() => t);
  const base = () => `/subaccounts/${subaccountId}/tracking-domains`;
  const upstream = () => `/v2/subaccount/${subaccountId}/tracking`;
  const auditRows = audit.rows;

  it('accepts the quickstart sample (switches as "true"/"false" strings) and sends booleans', async () => {
    const sample = {
      domain: 'tracking.example.com',
      opensEnabled: 'false',
      clicksEnabled: 'false',
      unsubscribesEnabled: 'false',
      automaticTrackingEnabled: 'true',
      googleAnalyticsEnabled: 'TRUE',
      isDefault: 'false',
    };
    const res = await api('POST', base(), sample);
    expect(res.statusCode).toBe(201);
    const [req] = fake.requestsTo('POST', upstream());
    expect(req.headers.authorization).toBe(`Bearer ${FAKE_SOCKETLABS_KEY}`);
    expect(req.body).toEqual({
      domain: 'tracking.example.com',
      opensEnabled: false,
      clicksEnabled: false,
      unsubscribesEnabled: false,
      automaticTrackingEnabled: true,
      googleAnalyticsEnabled: true,
      isDefault: false,
    });
    expect(res.json()).toEqual({
      Domain: 'tracking.example.com',
      opensEnabled: false,
      clicksEnabled: false,
      unsubscribesEnabled: false,
      automaticTrackingEnabled: true,
      googleAnalyticsEnabled: true,
      isDefault: false,
      encryptedTrackingStatus: 'Active',
      createdOn: expect.any(String),
      updatedOn: expect.any(String),
    });
    expect(await auditRows('tracking.tracking-domains.create')).toEqual([
      expect.objectContaining({ status: 201, target: `${subaccountId}/tracking.example.com` }),
    ]);
  });

  it('sends only the switches that were given (booleans), and ignores unknown fields', async () => {
    const res = await api('POST', base(), { domain: 't.example.com', clicksEnabled: true, colour: 'blue' });
    expect(res.statusCode).toBe(201);
    expect(fake.requestsTo('POST', upstream())[0].body).toEqual({ domain: 't.example.com', clicksEnabled: true });
  });

  it.each([
    ['a switch that is not a boolean', { domain: 't.example.com', opensEnabled: 'yes' }, 'opensEnabled'],
    ['a number for a switch', { domain: 't.example.com', isDefault: 1 }, 'isDefault'],
    ['no domain', { opensEnabled: true }, 'domain'],
    ['a bad domain', { domain: 'tracking example.com' }, 'domain'],
  ])('refuses %s with 400 naming the field, before any call', async (_what, body, fieldName) => {
    const res = await api('POST', base(), body);
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json().message)).toContain(fieldName);
    expect(fake.requests).toHaveLength(0);
  });

  it('lists, gets, updates the given switches and deletes by domain', async () => {
    await api('POST', base(), { domain: 't.example.com', opensEnabled: true });
    fake.requests.length = 0;
    const list = await api('GET', `${base()}?pageNumber=0&pageSize=10&sortField=Domain&sortDirection=asc`);
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({ data: [expect.objectContaining({ Domain: 't.example.com' })], total: 1 });
    expect(fake.requestsTo('GET', upstream())[0].query).toEqual({
      pageNumber: '0',
      pageSize: '10',
      sortField: 'Domain',
      sortDirection: 'asc',
    });

    const one = await api('GET', `${base()}/t.example.com`);
    expect(one.statusCode).toBe(200);
    expect(fake.requestsTo('GET', `${upstream()}/t.example.com`)).toHaveLength(1);

    const updated = await api('PUT', `${base()}/t.example.com`, {
      opensEnabled: 'false',
      googleAnalyticsEnabled: true,
      domain: 'ignored.example.com',
    });
    expect(updated.statusCode).toBe(200);
    expect(fake.requestsTo('PUT', `${upstream()}/t.example.com`)[0].body).toEqual({
      opensEnabled: false,
      googleAnalyticsEnabled: true,
    });
    expect(updated.json()).toMatchObject({
      Domain: 't.example.com',
      opensEnabled: false,
      googleAnalyticsEnabled: true,
    });
    expect(await auditRows('tracking.tracking-domains.update')).toEqual([
      expect.objectContaining({ status: 200, target: `${subaccountId}/t.example.com` }),
    ]);

    const deleted = await api('DELETE', `${base()}/t.example.com`);
    expect(deleted.statusCode).toBe(204);
    expect(fake.requestsTo('DELETE', `${upstream()}/t.example.com`)).toHaveLength(1);
    expect(await auditRows('tracking.tracking-domains.delete')).toEqual([
      expect.objectContaining({ status: 204, target: `${subaccountId}/t.example.com` }),
    ]);
    const missing = await api('GET', `${base()}/t.example.com`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toBe('SocketLabs: t.example.com was not found.');
  });

  it('refuses an update without any switch, a bad domain or a bad subaccountId with 400 before any call', async () => {
    for (const [method, url, body] of [
      ['PUT', `${base()}/t.example.com`, {}],
      ['PUT', `${base()}/t.example.com`, { clicksEnabled: 'maybe' }],
      ['GET', `${base()}/bad_domain`, undefined],
      ['DELETE', `${base()}/example`, undefined],
      ['GET', '/subaccounts/0/tracking-domains', undefined],
      ['POST', '/subaccounts/1.5/tracking-domains', { domain: 't.example.com' }],
    ] as const) {
      const res = await api(method, url, body);
      expect({ method, url, status: res.statusCode }).toEqual({ method, url, status: 400 });
    }
    expect(fake.requests).toHaveLength(0);
  });

  it('maps upstream errors: 409 duplicate, 400 without CNAME, 422, and 5xx after retries to 502', async () => {
    await api('POST', base(), { domain: 't.example.com' });
    const dup = await api('POST', base(), { domain: 't.example.com' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().code).toBe('SOCKETLABS_CONFLICT');
    const noCname = await api('POST', base(), { domain: 't.example.invalid' });
    expect(noCname.statusCode).toBe(400);
    expect(noCname.json().message).toContain('CNAME');
    fake.misbehave({ method: 'PUT', status: 422 });
    expect((await api('PUT', `${base()}/t.example.com`, { isDefault: true })).statusCode).toBe(422);
    fake.requests.length = 0;
    fake.misbehave({ method: 'DELETE', status: 500, times: 3, retryAfter: 0 });
    const res = await api('DELETE', `${base()}/t.example.com`);
    expect(res.statusCode).toBe(502);
    expect(fake.requestsTo('DELETE', `${upstream()}/t.example.com`)).toHaveLength(3);
  });

  it('lets a socketlabs:read key read but not change tracking domains (403, nothing sent)', async () => {
    const reader = (await api('POST', '/api-keys', { name: 'reader', scopes: ['socketlabs:read'] })).json().key;
    expect((await api('GET', base(), undefined, reader)).statusCode).toBe(200);
    fake.requests.length = 0;
    for (const [method, url, body] of [
      ['POST', base(), { domain: 't.example.com' }],
      ['PUT', `${base()}/t.example.com`, { isDefault: true }],
      ['DELETE', `${base()}/t.example.com`, undefined],
    ] as const) {
      expect({ method, url, status: (await api(method, url, body, reader)).statusCode }).toEqual({
        method,
        url,
        status: 403,
      });
    }
    expect(fake.requests).toHaveLength(0);
  });
});
