import { FAKE_SOCKETLABS_KEY, FakeSocketLabs } from '../fake-socketlabs/fake-socketlabs';
import { apiCaller, auditSinceMark, createTestApp, TestApp } from '../utils/test-app';
import { captureOutput } from '../utils/capture-output';

/** DKIM entries and custom bounce domains of a subaccount, against the fake SocketLabs. */
describe('authentication: DKIM and bounce domains (e2e)', () => {
  let fake: FakeSocketLabs;
  let t: TestApp;
  const audit = auditSinceMark(() => t);
  let logs: string[];
  let restoreLogs: () => void;
  let subaccountId: number;

  beforeAll(async () => {
    fake = await FakeSocketLabs.start();
    ({ logs, restore: restoreLogs } = captureOutput());
    t = await createTestApp({ ...fake.env(), SOCKETLABS_MAX_RETRIES: '2', LOG_LEVEL: 'verbose' });
  });
  afterAll(async () => {
    await t?.close();
    restoreLogs();
    await fake.stop();
  });
  beforeEach(async () => {
    fake.reset();
    subaccountId = (await api('POST', '/subaccounts', { name: 'Auth', useRuleEngine: true })).json().subaccountId;
    fake.requests.length = 0;
    await audit.mark();
  });

  const api = apiCaller(() => t);
  const sub = () => `/subaccounts/${subaccountId}`;
  const upstream = () => `/v2/subaccount/${subaccountId}`;
  const auditRows = audit.rows;
  const wholeAuditLog = async () => JSON.stringify(await t.dataSource.query('SELECT * FROM audit_log'));

  describe('DKIM', () => {
    it('generated: POST .../dkim?domain=&selector= without a body; the generated private key goes to the caller only', async () => {
      const res = await api('POST', `${sub()}/dkim`, { domain: 'example.com', selector: 'dkim1' });
      expect(res.statusCode).toBe(201);
      const [req] = fake.requestsTo('POST', `${upstream()}/dkim`);
      expect(req.query).toEqual({ domain: 'example.com', selector: 'dkim1' });
      expect(req.rawBody).toBe('');
      expect(req.headers['content-type']).toBeUndefined();
      expect(req.headers.authorization).toBe(`Bearer ${FAKE_SOCKETLABS_KEY}`);
      const answer = res.json();
      expect(answer).toMatchObject({
        DnsHostName: 'dkim1._domainkey.example.com',
        Domain: 'example.com',
        Selector: 'dkim1',
        PublicKey: expect.any(String),
      });
      expect(answer.PrivateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);

      expect(await auditRows('authentication.dkim.create')).toEqual([
        {
          status: 201,
          target: `${subaccountId}/example.com`,
          details: { body: { domain: 'example.com', selector: 'dkim1' } },
          error: null,
          outcome: 'success',
        },
      ]);
      expect(await wholeAuditLog()).not.toContain(answer.PrivateKey);
      expect(logs.join('')).toContain('authentication.createDkim POST');
      expect(logs.join('')).not.toContain(answer.PrivateKey);
    });

    it('provided: the key goes in the body; redacted in the audit log and absent from every log line', async () => {
      const privateKey = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7-provided-key';
      const res = await api('POST', `${sub()}/dkim`, { domain: 'mail.example.com', selector: 'sel-2', privateKey });
      expect(res.statusCode).toBe(201);
      const [req] = fake.requestsTo('POST', `${upstream()}/dkim`);
      expect(req.body).toEqual({ domain: 'mail.example.com', selector: 'sel-2', privateKey });
      expect(req.query).toEqual({});
      expect(res.json()).toMatchObject({
        Domain: 'mail.example.com',
        Selector: 'sel-2',
        truncatedPrivateKey: expect.stringMatching(/\.\.\.$/),
        recordType: 'TXT',
      });

      const [row] = await auditRows('authentication.dkim.create');
      expect(row.details).toEqual({
        body: { domain: 'mail.example.com', selector: 'sel-2', privateKey: '[redacted]' },
      });
      expect(await wholeAuditLog()).not.toContain(privateKey);
      expect(logs.join('')).not.toContain(privateKey);
    });

    it('passes SocketLabs refusing a provided key (400) through, audited as a failure without the key', async () => {
      const privateKey = 'INVALID-key-that-does-not-match-dns';
      const res = await api('POST', `${sub()}/dkim`, { domain: 'example.com', selector: 'dkim', privateKey });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        code: 'SOCKETLABS_BAD_REQUEST',
        message: expect.stringContaining('Unable to validate the private key'),
      });
      const [row] = await auditRows('authentication.dkim.create');
      expect(row).toMatchObject({ status: 400, details: { body: { privateKey: '[redacted]' } } });
      expect(await wholeAuditLog()).not.toContain(privateKey);
    });

    it.each([
      ['a bad domain', { domain: 'not a domain', selector: 'dkim' }, 'domain'],
      ['a single-label domain', { domain: 'localhost', selector: 'dkim' }, 'domain'],
      ['no selector', { domain: 'example.com' }, 'selector'],
      ['a bad selector', { domain: 'example.com', selector: 'dk_im!' }, 'selector'],
      ['a too short private key', { domain: 'example.com', selector: 'dkim', privateKey: 'abc' }, 'privateKey'],
    ])('refuses %s with 400 before any call', async (_what, body, fieldName) => {
      const res = await api('POST', `${sub()}/dkim`, body);
      expect(res.statusCode).toBe(400);
      expect(JSON.stringify(res.json().message)).toContain(fieldName);
      expect(fake.requests).toHaveLength(0);
    });

    it('lists (paging passed through) and deletes by domain; an unknown domain is a 404', async () => {
      await api('POST', `${sub()}/dkim`, { domain: 'example.com', selector: 'dkim1' });
      await api('POST', `${sub()}/dkim`, { domain: 'example.org', selector: 'dkim1' });
      fake.requests.length = 0;
      const list = await api('GET', `${sub()}/dkim?pageSize=1&sortField=Domain&sortDirection=desc`);
      expect(list.statusCode).toBe(200);
      expect(fake.requestsTo('GET', `${upstream()}/dkim`)[0].query).toEqual({
        pageNumber: '0',
        pageSize: '1',
        sortField: 'Domain',
        sortDirection: 'dsc',
      });
      expect(list.json()).toEqual({ data: [expect.objectContaining({ Domain: 'example.org' })], total: 2 });

      const deleted = await api('DELETE', `${sub()}/dkim/example.com`);
      expect(deleted.statusCode).toBe(204);
      expect(fake.requestsTo('DELETE', `${upstream()}/dkim/example.com`)).toHaveLength(1);
      expect(await auditRows('authentication.dkim.delete')).toEqual([
        expect.objectContaining({ status: 204, target: `${subaccountId}/example.com` }),
      ]);
      expect((await api('DELETE', `${sub()}/dkim/example.com`)).statusCode).toBe(404);
    });
  });

  describe('bounce domains', () => {
    it('creates with { domain, isDefault } (a "true" string sent as a boolean), audited with subaccount/domain', async () => {
      const res = await api('POST', `${sub()}/bounce-domains`, {
        domain: 'bounces.example.com',
        isDefault: 'true',
        other: 1,
      });
      expect(res.statusCode).toBe(201);
      const [req] = fake.requestsTo('POST', `${upstream()}/bounce`);
      expect(req.body).toEqual({ domain: 'bounces.example.com', isDefault: true });
      expect(req.headers.authorization).toBe(`Bearer ${FAKE_SOCKETLABS_KEY}`);
      expect(res.json()).toEqual({
        domain: 'bounces.example.com',
        isDefault: true,
        validationResult: 'Success',
        createdOn: expect.any(String),
        updatedOn: expect.any(String),
      });
      expect(await auditRows('authentication.bounce-domains.create')).toEqual([
        expect.objectContaining({ status: 201, target: `${subaccountId}/bounces.example.com` }),
      ]);
    });

    it('passes SocketLabs 409 (already set up) and 400 (no CNAME) through with their messages', async () => {
      await api('POST', `${sub()}/bounce-domains`, { domain: 'bounces.example.com' });
      const again = await api('POST', `${sub()}/bounce-domains`, { domain: 'bounces.example.com' });
      expect(again.statusCode).toBe(409);
      expect(again.json()).toMatchObject({
        code: 'SOCKETLABS_CONFLICT',
        message: 'SocketLabs: bounces.example.com is already set up for this subaccount.',
      });
      const noCname = await api('POST', `${sub()}/bounce-domains`, { domain: 'mail.example.invalid' });
      expect(noCname.statusCode).toBe(400);
      expect(noCname.json().message).toContain('No CNAME record');
    });

    it('lists, gets, updates (PUT { isDefault }) and deletes by domain', async () => {
      await api('POST', `${sub()}/bounce-domains`, { domain: 'b.example.com', isDefault: true });
      fake.requests.length = 0;
      const list = await api('GET', `${sub()}/bounce-domains?filters=domain=like:example`);
      expect(list.json()).toEqual({ data: [expect.objectContaining({ domain: 'b.example.com' })], total: 1 });
      expect(fake.requestsTo('GET', `${upstream()}/bounce`)[0].query).toEqual({
        pageNumber: '0',
        pageSize: '50',
        filters: 'domain=like:example',
      });

      const one = await api('GET', `${sub()}/bounce-domains/b.example.com`);
      expect(one.statusCode).toBe(200);
      expect(one.json()).toMatchObject({ domain: 'b.example.com', isDefault: true });
      expect(fake.requestsTo('GET', `${upstream()}/bounce/b.example.com`)).toHaveLength(1);

      const updated = await api('PUT', `${sub()}/bounce-domains/b.example.com`, { isDefault: false });
      expect(updated.statusCode).toBe(200);
      expect(updated.json().isDefault).toBe(false);
      expect(fake.requestsTo('PUT', `${upstream()}/bounce/b.example.com`)[0].body).toEqual({ isDefault: false });

      const deleted = await api('DELETE', `${sub()}/bounce-domains/b.example.com`);
      expect(deleted.statusCode).toBe(204);
      expect(fake.requestsTo('DELETE', `${upstream()}/bounce/b.example.com`)).toHaveLength(1);
      const missing = await api('GET', `${sub()}/bounce-domains/b.example.com`);
      expect(missing.statusCode).toBe(404);
      expect(missing.json().code).toBe('SOCKETLABS_NOT_FOUND');
      expect((await auditRows('authentication.bounce-domains.update'))[0]).toMatchObject({
        status: 200,
        target: `${subaccountId}/b.example.com`,
      });
    });

    it('refuses a bad domain, a bad subaccountId or a bad isDefault with 400 before any call', async () => {
      for (const [method, url, body] of [
        ['GET', `${sub()}/bounce-domains/not_a_domain`, undefined],
        ['GET', `${sub()}/bounce-domains/-bad.example.com`, undefined],
        ['PUT', `${sub()}/bounce-domains/localhost`, { isDefault: true }],
        ['DELETE', `${sub()}/bounce-domains/a..b.com`, undefined],
        ['DELETE', `${sub()}/dkim/exa%2Fmple.com`, undefined],
        ['POST', `${sub()}/bounce-domains`, { domain: 'http://example.com' }],
        ['POST', `${sub()}/bounce-domains`, { domain: 'example.com', isDefault: 'yes' }],
        ['PUT', `${sub()}/bounce-domains/example.com`, {}],
        ['GET', '/subaccounts/0/bounce-domains', undefined],
        ['POST', '/subaccounts/x/dkim', { domain: 'example.com', selector: 'dkim' }],
        ['GET', '/subaccounts/-1/dkim', undefined],
      ] as const) {
        const res = await api(method, url, body);
        expect({ method, url, status: res.statusCode }).toEqual({ method, url, status: 400 });
      }
      expect(fake.requests).toHaveLength(0);
    });

    it('maps 422 through and 5xx on a GET to 502 after the retries', async () => {
      fake.misbehave({ method: 'POST', status: 422 });
      expect((await api('POST', `${sub()}/bounce-domains`, { domain: 'b.example.com' })).statusCode).toBe(422);
      fake.requests.length = 0;
      fake.misbehave({ method: 'GET', status: 502, times: 3, retryAfter: 0 });
      const res = await api('GET', `${sub()}/bounce-domains`);
      expect(res.statusCode).toBe(502);
      expect(fake.requestsTo('GET', `${upstream()}/bounce`)).toHaveLength(3);
    });
  });

  it('lets a socketlabs:read key read but not change DKIM or bounce domains (403, nothing sent)', async () => {
    const reader = (await api('POST', '/api-keys', { name: 'reader', scopes: ['socketlabs:read'] })).json().key;
    expect((await api('GET', `${sub()}/dkim`, undefined, reader)).statusCode).toBe(200);
    expect((await api('GET', `${sub()}/bounce-domains`, undefined, reader)).statusCode).toBe(200);
    fake.requests.length = 0;
    for (const [method, url, body] of [
      ['POST', `${sub()}/dkim`, { domain: 'example.com', selector: 'dkim' }],
      ['DELETE', `${sub()}/dkim/example.com`, undefined],
      ['POST', `${sub()}/bounce-domains`, { domain: 'example.com' }],
      ['PUT', `${sub()}/bounce-domains/example.com`, { isDefault: true }],
      ['DELETE', `${sub()}/bounce-domains/example.com`, undefined],
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
