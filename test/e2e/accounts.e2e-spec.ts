import { FakeSocketLabs } from '../fake-socketlabs/fake-socketlabs';
import { createTestApp, TestApp } from '../utils/test-app';

describe('accounts: SocketLabs account operations (e2e, against the fake SocketLabs)', () => {
  let fake: FakeSocketLabs;
  let t: TestApp;
  let reader: string;
  let writer: string;
  let eventsOnly: string;

  const key = async (scopes: string[]) =>
    (await t.request({ method: 'POST', url: '/api/v1/api-keys', body: { name: scopes.join('+'), scopes } })).json()
      .key as string;
  const audit = async () =>
    (await t.request({ method: 'GET', url: '/api/v1/audit-log?sortDirection=asc&pageSize=500' })).json().data as Array<
      Record<string, any>
    >;

  beforeAll(async () => {
    fake = await FakeSocketLabs.start();
    t = await createTestApp({ ...fake.env(), SOCKETLABS_TIMEOUT_MS: '400', SOCKETLABS_MAX_RETRIES: '1' });
    reader = await key(['socketlabs:read']);
    writer = await key(['socketlabs:write']);
    eventsOnly = await key(['events:read']);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
  });
  beforeEach(() => fake.reset());

  describe('GET /api/v1/accounts/ip-allocations', () => {
    it('passes paging, sorting and filters through as SocketLabs expects and returns { data, total }', async () => {
      const res = await t.request({
        method: 'GET',
        url: '/api/v1/accounts/ip-allocations?pageNumber=0&pageSize=5&sortField=IpAddress&sortDirection=asc&filters=IpAddress%3Dlike%3A10.28.100',
        apiKey: reader,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        data: [
          expect.objectContaining({ ipAssignmentId: 'ipa-1001', ipAddress: '10.28.100.11' }),
          expect.objectContaining({ ipAssignmentId: 'ipa-1002', ipAddress: '10.28.100.12' }),
        ],
        total: 2,
      });
      expect(fake.requests).toHaveLength(1);
      const [sent] = fake.requests;
      expect(sent.method).toBe('GET');
      expect(sent.rawUrl).toBe(
        '/v2/ip-allocation?pageNumber=0&pageSize=5&sortField=IpAddress&sortDirection=asc&filters=IpAddress=like:10.28.100',
      );
      expect(sent.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    });

    it('sends the default page, desc as dsc, and repeated filters', async () => {
      const res = await t.request({
        method: 'GET',
        url: '/api/v1/accounts/ip-allocations?sortField=IpAddress&sortDirection=desc&filters=IpAddress=like:10.28&filters=isDedicated=eq:true',
        apiKey: reader,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().data.map((a: { ipAddress: string }) => a.ipAddress)).toEqual([
        '10.28.101.5',
        '10.28.100.12',
        '10.28.100.11',
      ]);
      expect(fake.requests[0].query).toEqual({
        pageNumber: '0',
        pageSize: '50',
        sortField: 'IpAddress',
        sortDirection: 'dsc',
        filters: ['IpAddress=like:10.28', 'isDedicated=eq:true'],
      });
    });

    it('refuses a bad query with 400 naming the field, before calling SocketLabs', async () => {
      for (const query of [
        'sortDirection=sideways',
        'pageSize=0',
        'pageNumber=-1',
        'filters=nonsense',
        'sortField=a%20b',
      ]) {
        const res = await t.request({ method: 'GET', url: `/api/v1/accounts/ip-allocations?${query}`, apiKey: reader });
        expect(res.statusCode).toBe(400);
        expect(JSON.stringify(res.json().message)).toContain(query.split('=')[0]);
      }
      expect(fake.requests).toHaveLength(0);
    });

    it('answers 403 to a key without socketlabs:read, without calling SocketLabs', async () => {
      const res = await t.request({ method: 'GET', url: '/api/v1/accounts/ip-allocations', apiKey: eventsOnly });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('SCOPE_MISSING');
      expect(fake.requests).toHaveLength(0);
    });

    it('answers 502 in our error shape when SocketLabs keeps failing, 504 when it is too slow', async () => {
      fake.misbehave({
        status: 500,
        times: 2,
        body: { data: { error: [{ errorType: 'ServerError', message: 'Boom' }] } },
      });
      const failed = await t.request({ method: 'GET', url: '/api/v1/accounts/ip-allocations', apiKey: reader });
      expect(failed.statusCode).toBe(502);
      expect(failed.json()).toMatchObject({
        statusCode: 502,
        error: 'Bad Gateway',
        code: 'SOCKETLABS_UPSTREAM_ERROR',
        message: 'SocketLabs: Boom (after 2 attempts)',
        requestId: failed.headers['x-request-id'],
      });
      expect(fake.requests).toHaveLength(2);

      fake.reset();
      fake.misbehave({ delayMs: 1500, times: 2 });
      const slow = await t.request({ method: 'GET', url: '/api/v1/accounts/ip-allocations', apiKey: reader });
      expect(slow.statusCode).toBe(504);
      expect(slow.json().code).toBe('SOCKETLABS_TIMEOUT');
    });
  });

  describe('IP pools', () => {
    it('creates a pool: sends ipAssignmentIDs as SocketLabs spells it, returns the pool, records the change', async () => {
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/accounts/ip-pools',
        apiKey: writer,
        body: { name: 'Transactional', ipAssignmentIds: ['ipa-1001', 'ipa-1002'], extra: 'ignored' },
      });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toEqual({
        ipPoolId: 1,
        accountId: 98765,
        name: 'Transactional',
        status: 'Active',
        createdOn: expect.any(String),
        isDefault: false,
        streamScore: 0,
        dailyVolume: 0,
      });
      const [sent] = fake.requestsTo('POST', '/v2/ip-pool');
      expect(sent.body).toEqual({ name: 'Transactional', ipAssignmentIDs: ['ipa-1001', 'ipa-1002'] });
      expect(sent.headers.authorization).toBe(`Bearer ${fake.apiKey}`);

      const entry = (await audit()).find((e) => e.action === 'accounts.ip-pools.create' && e.status === 201);
      expect(entry).toMatchObject({
        method: 'POST',
        path: '/api/v1/accounts/ip-pools',
        target: '1',
        outcome: 'success',
        apiKeyName: 'socketlabs:write',
      });
      expect(entry!.details.body).toMatchObject({ name: 'Transactional', ipAssignmentIds: ['ipa-1001', 'ipa-1002'] });
    });

    it("accepts SocketLabs' own spelling ipAssignmentIDs and numbers as ids", async () => {
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/accounts/ip-pools',
        apiKey: writer,
        body: { name: 'Bulk', ipAssignmentIDs: ['ipa-1003'] },
      });
      expect(res.statusCode).toBe(201);
      expect(fake.requests[0].body).toEqual({ name: 'Bulk', ipAssignmentIDs: ['ipa-1003'] });
      fake.reset();
      await t.request({
        method: 'POST',
        url: '/api/v1/accounts/ip-pools',
        apiKey: writer,
        body: { name: 'Numbers', ipAssignmentIds: [7] },
      });
      expect(fake.requests[0].body).toEqual({ name: 'Numbers', ipAssignmentIDs: ['7'] });
    });

    it('refuses a bad body with 400 naming the field, before calling SocketLabs', async () => {
      for (const [body, fieldName] of [
        [{ ipAssignmentIds: ['ipa-1001'] }, 'name'],
        [{ name: 'x' }, 'ipAssignmentIds'],
        [{ name: 'x', ipAssignmentIds: [] }, 'ipAssignmentIds'],
        [{ name: 'x', ipAssignmentIds: 'ipa-1001' }, 'ipAssignmentIds'],
      ] as const) {
        const res = await t.request({ method: 'POST', url: '/api/v1/accounts/ip-pools', apiKey: writer, body });
        expect(res.statusCode).toBe(400);
        expect(res.json().code).toBe('VALIDATION_FAILED');
        expect(JSON.stringify(res.json().message)).toContain(fieldName);
      }
      expect(fake.requests).toHaveLength(0);
    });

    it('answers 403 to a read-only key, without calling SocketLabs', async () => {
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/accounts/ip-pools',
        apiKey: reader,
        body: { name: 'x', ipAssignmentIds: ['ipa-1001'] },
      });
      expect(res.statusCode).toBe(403);
      expect(fake.requests).toHaveLength(0);
    });

    it("passes SocketLabs' 409 and 400 through with its message, and audits the failure", async () => {
      await t.request({
        method: 'POST',
        url: '/api/v1/accounts/ip-pools',
        apiKey: writer,
        body: { name: 'Dup', ipAssignmentIds: ['ipa-1001'] },
      });
      const dup = await t.request({
        method: 'POST',
        url: '/api/v1/accounts/ip-pools',
        apiKey: writer,
        body: { name: 'Dup', ipAssignmentIds: ['ipa-1001'] },
      });
      expect(dup.statusCode).toBe(409);
      expect(dup.json()).toMatchObject({
        code: 'SOCKETLABS_CONFLICT',
        message: "SocketLabs: An IP pool named 'Dup' already exists.",
      });
      const unknown = await t.request({
        method: 'POST',
        url: '/api/v1/accounts/ip-pools',
        apiKey: writer,
        body: { name: 'Other', ipAssignmentIds: ['ipa-9'] },
      });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json()).toMatchObject({
        code: 'SOCKETLABS_BAD_REQUEST',
        message: 'SocketLabs: Unknown IP assignment id(s): ipa-9.',
      });

      const failure = (await audit()).find((e) => e.action === 'accounts.ip-pools.create' && e.status === 409);
      expect(failure).toMatchObject({
        outcome: 'failure',
        error: "SocketLabs: An IP pool named 'Dup' already exists.",
        target: null,
      });
    });

    it('does not retry a create after a 502 (SocketLabs may have created it)', async () => {
      fake.misbehave({ path: '/v2/ip-pool', status: 502 });
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/accounts/ip-pools',
        apiKey: writer,
        body: { name: 'Once', ipAssignmentIds: ['ipa-1001'] },
      });
      expect(res.statusCode).toBe(502);
      expect(res.json().message).toContain('may have carried it out');
      expect(fake.requests).toHaveLength(1);
    });

    it('lists pools with the read scope', async () => {
      await t.request({
        method: 'POST',
        url: '/api/v1/accounts/ip-pools',
        apiKey: writer,
        body: { name: 'A', ipAssignmentIds: ['ipa-1001'] },
      });
      fake.requests.length = 0;
      const res = await t.request({
        method: 'GET',
        url: '/api/v1/accounts/ip-pools?pageSize=10&sortField=name',
        apiKey: reader,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ data: [expect.objectContaining({ ipPoolId: 1, name: 'A' })], total: 1 });
      expect(fake.requests[0].rawUrl).toBe('/v2/ip-pool?pageNumber=0&pageSize=10&sortField=name');
    });
  });

  describe('account event webhooks', () => {
    const base = '/api/v1/accounts/event-webhooks';
    const hook = {
      url: 'https://mail-events.example.com/webhooks/socketlabs',
      name: 'Production',
      enabled: true,
      eventTypes: ['Sent', 'Failed'],
    };

    it('generates a secret key, creates, lists, gets, updates, tests and deletes a webhook', async () => {
      const secret = await t.request({ method: 'POST', url: `${base}/secret-key`, apiKey: writer });
      expect(secret.statusCode).toBe(200);
      const { secretKey } = secret.json();
      expect(secretKey).toMatch(/^[A-Za-z0-9]{20}$/);
      expect(fake.requests[0]).toMatchObject({
        method: 'POST',
        path: '/v2/event-webhook/generate-secret-key',
        body: undefined,
      });

      const created = await t.request({
        method: 'POST',
        url: base,
        apiKey: writer,
        body: { ...hook, secretKey, unknownField: 1 },
      });
      expect(created.statusCode).toBe(201);
      const webhook = created.json();
      expect(webhook).toMatchObject({ id: expect.any(Number), ...hook, secretKey });
      expect(fake.requestsTo('POST', '/v2/event-webhook')[0].body).toEqual({ ...hook, secretKey });

      const list = await t.request({ method: 'GET', url: base, apiKey: reader });
      expect(list.statusCode).toBe(200);
      expect(list.json()).toEqual({ data: [webhook], total: 1 });
      expect(fake.requestsTo('GET', '/v2/event-webhook')[0].rawUrl).toBe('/v2/event-webhook?pageNumber=0&pageSize=50');

      const got = await t.request({ method: 'GET', url: `${base}/${webhook.id}`, apiKey: reader });
      expect(got.statusCode).toBe(200);
      expect(got.json()).toEqual(webhook);
      expect(fake.requestsTo('GET', `/v2/event-webhook/${webhook.id}`)).toHaveLength(1);

      const updated = await t.request({
        method: 'PUT',
        url: `${base}/${webhook.id}`,
        apiKey: writer,
        body: { enabled: false },
      });
      expect(updated.statusCode).toBe(200);
      expect(updated.json()).toMatchObject({ id: webhook.id, enabled: false, url: hook.url });
      expect(fake.requestsTo('PUT', `/v2/event-webhook/${webhook.id}`)[0].body).toEqual({ enabled: false });

      const tested = await t.request({ method: 'POST', url: `${base}/${webhook.id}/test?type=Sent`, apiKey: writer });
      expect(tested.statusCode).toBe(200);
      expect(tested.json()).toMatchObject({ Type: 'Delivered', SecretKey: secretKey, MessageId: 'SampleMessageId' });
      const [test] = fake.requestsTo('GET', `/v2/event-webhook/${webhook.id}/perform-test`);
      expect(test.query).toEqual({ type: 'Sent' });

      const deleted = await t.request({ method: 'DELETE', url: `${base}/${webhook.id}`, apiKey: writer });
      expect(deleted.statusCode).toBe(204);
      expect(deleted.body).toBe('');
      expect(fake.requestsTo('DELETE', `/v2/event-webhook/${webhook.id}`)).toHaveLength(1);

      const gone = await t.request({ method: 'GET', url: `${base}/${webhook.id}`, apiKey: reader });
      expect(gone.statusCode).toBe(404);
      expect(gone.json()).toMatchObject({
        code: 'SOCKETLABS_NOT_FOUND',
        message: `SocketLabs: Event webhook ${webhook.id} was not found.`,
      });

      // Every change is in the audit log, the secret key redacted.
      const entries = (await audit()).filter((e) => e.action.startsWith('accounts.event-webhooks.'));
      expect(entries.map((e) => [e.action, e.status, e.target])).toEqual([
        ['accounts.event-webhooks.generate-secret-key', 200, null],
        ['accounts.event-webhooks.create', 201, String(webhook.id)],
        ['accounts.event-webhooks.update', 200, String(webhook.id)],
        ['accounts.event-webhooks.test', 200, String(webhook.id)],
        ['accounts.event-webhooks.delete', 204, String(webhook.id)],
      ]);
      expect(entries[1].details.body).toMatchObject({ url: hook.url, secretKey: '[redacted]' });
      expect(entries[3].details.query).toEqual({ type: 'Sent' });
      expect(JSON.stringify(entries)).not.toContain(secretKey);
    });

    it('validates the test type (any casing of the event types) before calling SocketLabs', async () => {
      const created = (await t.request({ method: 'POST', url: base, apiKey: writer, body: hook })).json();
      fake.requests.length = 0;
      const bad = await t.request({ method: 'POST', url: `${base}/${created.id}/test?type=Bounce`, apiKey: writer });
      expect(bad.statusCode).toBe(400);
      expect(JSON.stringify(bad.json().message)).toContain('type');
      const missing = await t.request({ method: 'POST', url: `${base}/${created.id}/test`, apiKey: writer });
      expect(missing.statusCode).toBe(400);
      expect(fake.requests).toHaveLength(0);

      const open = await t.request({ method: 'POST', url: `${base}/${created.id}/test?type=open`, apiKey: writer });
      expect(open.statusCode).toBe(200);
      expect(open.json()).toMatchObject({ Type: 'Tracking', TrackingType: 1 });
      expect(fake.requests[0].query).toEqual({ type: 'Open' });
    });

    it('refuses bad bodies and ids with 400 naming the field, before calling SocketLabs', async () => {
      const cases: Array<[string, string, unknown, string]> = [
        ['POST', base, { url: 'http://insecure.example.com/hook' }, 'url'],
        ['POST', base, { name: 'no url' }, 'url'],
        ['POST', base, { url: hook.url, eventTypes: ['Bounced'] }, 'eventTypes'],
        ['POST', base, { url: hook.url, enabled: 'yes' }, 'enabled'],
        ['POST', base, { url: hook.url, secretKey: 'short' }, 'secretKey'],
        ['PUT', `${base}/42`, { url: 'ftp://x' }, 'url'],
        ['GET', `${base}/not%20an%20id`, undefined, 'webhookId'],
      ];
      for (const [method, url, body, fieldName] of cases) {
        const res = await t.request({
          method: method as 'POST',
          url,
          body,
          apiKey: method === 'GET' ? reader : writer,
        });
        expect(res.statusCode).toBe(400);
        expect(JSON.stringify(res.json().message)).toContain(fieldName);
      }
      expect(fake.requests).toHaveLength(0);
    });

    it('answers 403 for the wrong scope on every route, without calling SocketLabs', async () => {
      const routes: Array<[string, string, string]> = [
        ['GET', base, eventsOnly],
        ['GET', `${base}/1`, eventsOnly],
        ['POST', `${base}/secret-key`, reader],
        ['POST', base, reader],
        ['PUT', `${base}/1`, reader],
        ['DELETE', `${base}/1`, reader],
        ['POST', `${base}/1/test?type=Sent`, reader],
      ];
      for (const [method, url, apiKey] of routes) {
        const res = await t.request({
          method: method as 'GET',
          url,
          apiKey,
          body: method === 'POST' || method === 'PUT' ? hook : undefined,
        });
        expect([method, url, res.statusCode]).toEqual([method, url, 403]);
      }
      expect(fake.requests).toHaveLength(0);
    });
  });

  it('documents every accounts route in OpenAPI with its operation id', async () => {
    const doc = (await t.request({ method: 'GET', url: '/docs-json', apiKey: null })).json();
    const ops = Object.entries(doc.paths as Record<string, Record<string, { operationId: string }>>)
      .filter(([p]) => p.startsWith('/api/v1/accounts'))
      .flatMap(([p, methods]) => Object.entries(methods).map(([m, op]) => `${m.toUpperCase()} ${p} ${op.operationId}`))
      .sort();
    expect(ops).toEqual([
      'DELETE /api/v1/accounts/event-webhooks/{webhookId} deleteAccountEventWebhook',
      'GET /api/v1/accounts/event-webhooks listAccountEventWebhooks',
      'GET /api/v1/accounts/event-webhooks/{webhookId} getAccountEventWebhook',
      'GET /api/v1/accounts/ip-allocations listIpAllocations',
      'GET /api/v1/accounts/ip-pools listIpPools',
      'POST /api/v1/accounts/event-webhooks createAccountEventWebhook',
      'POST /api/v1/accounts/event-webhooks/secret-key generateAccountEventWebhookSecretKey',
      'POST /api/v1/accounts/event-webhooks/{webhookId}/test testAccountEventWebhook',
      'POST /api/v1/accounts/ip-pools createIpPool',
      'PUT /api/v1/accounts/event-webhooks/{webhookId} updateAccountEventWebhook',
    ]);
    const test = doc.paths['/api/v1/accounts/event-webhooks/{webhookId}/test'].post;
    expect(test.parameters.find((p: { name: string }) => p.name === 'type').schema.enum).toEqual([
      'Queued',
      'Sent',
      'Failed',
      'Deferred',
      'Complaint',
      'Click',
      'Open',
    ]);
    expect(Object.keys(test.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '404', '502', '504']),
    );
  });
});
