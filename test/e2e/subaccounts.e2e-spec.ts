import { FAKE_SOCKETLABS_KEY, FakeSocketLabs } from '../fake-socketlabs/fake-socketlabs';
import { apiCaller, auditSinceMark, createTestApp, TestApp } from '../utils/test-app';
import { captureOutput } from '../utils/capture-output';

/**
 * The subaccounts module against the fake SocketLabs: what reaches SocketLabs, what our caller gets back,
 * what is refused before any call, how upstream errors come back, scopes, and that credentials never reach
 * the audit log or a log line.
 */
describe('subaccounts (e2e)', () => {
  let fake: FakeSocketLabs;
  let t: TestApp;
  const audit = auditSinceMark(() => t);
  let logs: string[];
  let restoreLogs: () => void;

  beforeAll(async () => {
    fake = await FakeSocketLabs.start();
    ({ logs, restore: restoreLogs } = captureOutput());
    // Every log line is produced (verbose) so that the secret checks below look at all of them.
    t = await createTestApp({ ...fake.env(), SOCKETLABS_MAX_RETRIES: '2', LOG_LEVEL: 'verbose' });
  });
  afterAll(async () => {
    await t?.close();
    restoreLogs();
    await fake.stop();
  });
  beforeEach(async () => {
    fake.reset();
    await audit.mark();
  });

  const api = apiCaller(() => t);

  async function seedSubaccount(name = 'Seeded'): Promise<number> {
    const res = await api('POST', '/subaccounts', { name, useRuleEngine: true });
    expect(res.statusCode).toBe(201);
    fake.requests.length = 0;
    return res.json().subaccountId;
  }

  async function seedPool(): Promise<number> {
    const res = await api('POST', '/accounts/ip-pools', { name: 'Pool', ipAssignmentIds: ['ipa-1001'] });
    expect(res.statusCode).toBe(201);
    fake.requests.length = 0;
    return res.json().ipPoolId;
  }

  const auditRows = audit.rows;

  describe('create', () => {
    it('creates a rule-engine subaccount: sends { name, useRuleEngine: true } with our key, answers SocketLabs data, audits it', async () => {
      const res = await api('POST', '/subaccounts', { name: 'Shop', useRuleEngine: true, unknownField: 'ignored' });
      expect(res.statusCode).toBe(201);
      const [req] = fake.requestsTo('POST', '/v2/subaccount');
      expect(req.headers.authorization).toBe(`Bearer ${FAKE_SOCKETLABS_KEY}`);
      expect(req.body).toEqual({ name: 'Shop', useRuleEngine: true });
      expect(req.query).toEqual({});
      expect(res.json()).toMatchObject({ name: 'Shop', status: 'Active', useRuleEngine: true, accountId: 98765 });
      expect(fake.state.subaccounts.has(res.json().subaccountId)).toBe(true);
      expect(Object.keys(res.json()).sort()).toEqual(
        [
          'accountId',
          'createdOn',
          'dailyVolume',
          'hasDkim',
          'hasSpf',
          'name',
          'status',
          'streamScore',
          'subaccountId',
          'urgency',
          'useRuleEngine',
        ].sort(),
      );
      const [row] = await auditRows('subaccounts.create');
      expect(row).toMatchObject({ status: 201, outcome: 'success', target: String(res.json().subaccountId) });
      expect(row.details).toEqual({ body: { name: 'Shop', useRuleEngine: true, unknownField: 'ignored' } });
    });

    it('creates a subaccount on an IP pool (also spelled ipPoolID; useRuleEngine "false" is not sent) and answers its assignedIpPool', async () => {
      const pool = await seedPool();
      const res = await api('POST', '/subaccounts', { name: 'Pooled', ipPoolID: pool, useRuleEngine: 'false' });
      expect(res.statusCode).toBe(201);
      expect(fake.requestsTo('POST', '/v2/subaccount')[0].body).toEqual({ name: 'Pooled', ipPoolId: pool });
      expect(res.json().assignedIpPool).toMatchObject({ ipPoolId: pool, name: 'Pool' });
    });

    it.each([
      ['neither', { name: 'x' }],
      ['useRuleEngine false only', { name: 'x', useRuleEngine: false }],
      ['both', { name: 'x', ipPoolId: 3, useRuleEngine: true }],
      ['both, rule engine as a string', { name: 'x', ipPoolId: 3, useRuleEngine: 'true' }],
    ])('refuses %s of ipPoolId/useRuleEngine with 400 without calling SocketLabs', async (_what, body) => {
      const res = await api('POST', '/subaccounts', body);
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(res.json().message)).toMatch(/ipPoolId or useRuleEngine/);
      expect(fake.requests).toHaveLength(0);
    });

    it.each([
      ['no name', { useRuleEngine: true }, 'name'],
      ['a bad ipPoolId', { name: 'x', ipPoolId: -4 }, 'ipPoolId'],
      ['a non-boolean useRuleEngine', { name: 'x', useRuleEngine: 'yes' }, 'useRuleEngine'],
    ])('refuses %s with 400 naming the field, without calling SocketLabs', async (_what, body, fieldName) => {
      const res = await api('POST', '/subaccounts', body);
      expect(res.statusCode).toBe(400);
      expect(JSON.stringify(res.json().message)).toContain(fieldName);
      expect(fake.requests).toHaveLength(0);
    });

    it('passes SocketLabs 400 (an unknown pool) through with its message, and audits the failure', async () => {
      const res = await api('POST', '/subaccounts', { name: 'x', ipPoolId: 777 });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        code: 'SOCKETLABS_BAD_REQUEST',
        message: 'SocketLabs: IP pool 777 was not found.',
      });
      const [row] = await auditRows('subaccounts.create');
      expect(row).toMatchObject({ status: 400, outcome: 'failure', error: 'SocketLabs: IP pool 777 was not found.' });
    });

    it('does not repeat a POST that SocketLabs failed with 500 (it may have acted): 502 after one attempt', async () => {
      fake.misbehave({ path: '/v2/subaccount', status: 500, times: 5, retryAfter: 0 });
      const res = await api('POST', '/subaccounts', { name: 'x', useRuleEngine: true });
      expect(res.statusCode).toBe(502);
      expect(fake.requestsTo('POST', '/v2/subaccount')).toHaveLength(1);
    });
  });

  describe('list, get, update, delete', () => {
    it('lists with paging, sorting and filters passed through as SocketLabs expects them', async () => {
      await seedSubaccount('alpha shop');
      await seedSubaccount('beta');
      const res = await api(
        'GET',
        '/subaccounts?pageNumber=0&pageSize=5&sortField=name&sortDirection=desc&filters=name=like:shop&extra=1',
      );
      expect(res.statusCode).toBe(200);
      const [req] = fake.requestsTo('GET', '/v2/subaccount');
      expect(req.query).toEqual({
        pageNumber: '0',
        pageSize: '5',
        sortField: 'name',
        sortDirection: 'dsc',
        filters: 'name=like:shop',
      });
      expect(req.headers.authorization).toBe(`Bearer ${FAKE_SOCKETLABS_KEY}`);
      expect(res.json()).toEqual({ data: [expect.objectContaining({ name: 'alpha shop' })], total: 1 });
    });

    it('gets one subaccount; an unknown one is SocketLabs 404 passed through', async () => {
      const id = await seedSubaccount('one');
      const res = await api('GET', `/subaccounts/${id}`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ subaccountId: id, name: 'one' });
      expect(fake.requestsTo('GET', `/v2/subaccount/${id}`)).toHaveLength(1);

      const missing = await api('GET', '/subaccounts/4040');
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toMatchObject({
        code: 'SOCKETLABS_NOT_FOUND',
        message: 'SocketLabs: Subaccount 4040 was not found.',
      });
    });

    it.each(['0', '-1', 'abc', '1.5', '1e3', '99999999999'])(
      'refuses subaccountId %s with 400 before any call',
      async (bad) => {
        for (const [method, url] of [
          ['GET', `/subaccounts/${bad}`],
          ['PUT', `/subaccounts/${bad}`],
          ['DELETE', `/subaccounts/${bad}`],
          ['POST', `/subaccounts/${bad}/credentials/injection-api`],
          ['GET', `/subaccounts/${bad}/credentials/smtp`],
          ['PUT', `/subaccounts/${bad}/credentials/smtp`],
        ] as const) {
          const res = await api(method, url, method === 'PUT' ? { name: 'x', password: 'long-enough-1' } : undefined);
          expect({ method, url, status: res.statusCode }).toEqual({ method, url, status: 400 });
          expect(JSON.stringify(res.json().message)).toContain('subaccountId');
        }
        expect(fake.requests).toHaveLength(0);
      },
    );

    it('updates the given fields only, and refuses an empty or contradictory update before any call', async () => {
      const id = await seedSubaccount('before');
      // A SocketLabs-shaped body: an unknown field is ignored, as SocketLabs ignores it, and not sent on.
      const res = await api('PUT', `/subaccounts/${id}`, { name: 'after', nickname: 'ignored' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ subaccountId: id, name: 'after' });
      const [req] = fake.requestsTo('PUT', `/v2/subaccount/${id}`);
      expect(req.body).toEqual({ name: 'after' });
      expect((await auditRows('subaccounts.update'))[0]).toMatchObject({ status: 200, target: String(id) });

      fake.requests.length = 0;
      expect((await api('PUT', `/subaccounts/${id}`, {})).statusCode).toBe(400);
      expect((await api('PUT', `/subaccounts/${id}`, { ipPoolId: 2, useRuleEngine: true })).statusCode).toBe(400);
      expect(fake.requests).toHaveLength(0);
    });

    it('retries an idempotent PUT on 5xx and answers 502 once the retries are spent', async () => {
      const id = await seedSubaccount();
      fake.misbehave({ path: `/v2/subaccount/${id}`, status: 500, times: 10, retryAfter: 0 });
      const res = await api('PUT', `/subaccounts/${id}`, { name: 'x' });
      expect(res.statusCode).toBe(502);
      expect(res.json().code).toBe('SOCKETLABS_UPSTREAM_ERROR');
      expect(fake.requestsTo('PUT', `/v2/subaccount/${id}`)).toHaveLength(3);
    });

    it('maps SocketLabs 409 and 422 to 409 and 422 with the upstream message', async () => {
      const id = await seedSubaccount();
      fake.misbehave({
        path: `/v2/subaccount/${id}`,
        status: 409,
        body: { data: { error: [{ errorType: 'Conflict', message: 'Name taken.' }] } },
      });
      const conflict = await api('PUT', `/subaccounts/${id}`, { name: 'x' });
      expect(conflict.statusCode).toBe(409);
      expect(conflict.json()).toMatchObject({ code: 'SOCKETLABS_CONFLICT', message: 'SocketLabs: Name taken.' });
      fake.misbehave({ path: `/v2/subaccount/${id}`, status: 422 });
      const unprocessable = await api('PUT', `/subaccounts/${id}`, { name: 'x' });
      expect(unprocessable.statusCode).toBe(422);
      expect(unprocessable.json().code).toBe('SOCKETLABS_UNPROCESSABLE');
    });

    it('deletes: 204, DELETE reached SocketLabs, audited', async () => {
      const id = await seedSubaccount();
      const res = await api('DELETE', `/subaccounts/${id}`);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect(fake.requestsTo('DELETE', `/v2/subaccount/${id}`)).toHaveLength(1);
      expect(fake.state.subaccounts.has(id)).toBe(false);
      expect((await auditRows('subaccounts.delete'))[0]).toMatchObject({
        status: 204,
        target: String(id),
        outcome: 'success',
      });
    });
  });

  describe('credentials', () => {
    it('creates the Injection API key: returned to the caller, absent from the audit log and from every log line', async () => {
      const id = await seedSubaccount();
      const res = await api('POST', `/subaccounts/${id}/credentials/injection-api`);
      expect(res.statusCode).toBe(201);
      const [req] = fake.requestsTo('POST', `/v2/subaccount/${id}/credentials/injection-api`);
      expect(req.body).toBeUndefined();
      expect(req.headers.authorization).toBe(`Bearer ${FAKE_SOCKETLABS_KEY}`);
      const issued = fake.state.injectionCredentials.get(id)!;
      expect(res.json()).toEqual(issued);

      const rows = await auditRows('subaccounts.credentials.injection-api.create');
      expect(rows).toEqual([expect.objectContaining({ status: 201, target: String(id) })]);
      expect(JSON.stringify(await t.dataSource.query('SELECT * FROM audit_log'))).not.toContain(issued.apiKey);
      expect(logs.join('')).toContain('subaccounts.createInjectionApiCredentials POST'); // the capture works
      expect(logs.join('')).not.toContain(issued.apiKey);
    });

    it('gets the SMTP credentials with a GET', async () => {
      const id = await seedSubaccount();
      const res = await api('GET', `/subaccounts/${id}/credentials/smtp`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        username: `subaccount${id}`,
        password: expect.any(String),
        gateway: 'smtp.socketlabs.com',
      });
      expect(fake.requestsTo('GET', `/v2/subaccount/${id}/credentials/smtp`)).toHaveLength(1);
    });

    it('sets the SMTP password with PUT { password }; the password is redacted in the audit log and in no log line', async () => {
      const id = await seedSubaccount();
      const password = 'Sekr3t-Pa55word-for-smtp';
      const res = await api('PUT', `/subaccounts/${id}/credentials/smtp`, { password, note: 'ignored' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ username: `subaccount${id}`, password, gateway: 'smtp.socketlabs.com' });
      const [req] = fake.requestsTo('PUT', `/v2/subaccount/${id}/credentials/smtp`);
      expect(req.body).toEqual({ password });

      const [row] = await auditRows('subaccounts.credentials.smtp.set-password');
      expect(row).toMatchObject({
        status: 200,
        target: String(id),
        details: { body: { password: '[redacted]', note: 'ignored' } },
      });
      expect(JSON.stringify(await t.dataSource.query('SELECT * FROM audit_log'))).not.toContain(password);
      expect(logs.join('')).toContain('subaccounts.setSmtpPassword PUT');
      expect(logs.join('')).not.toContain(password);
    });

    it.each([
      ['empty', ''],
      ['too short', 'short'],
      ['too long', 'x'.repeat(129)],
      ['with a space', 'has a space in it'],
      ['not a string', 12345678],
    ])('refuses a password that is %s with 400, without calling SocketLabs or echoing it', async (_what, password) => {
      const id = await seedSubaccount();
      const res = await api('PUT', `/subaccounts/${id}/credentials/smtp`, { password });
      expect(res.statusCode).toBe(400);
      expect(JSON.stringify(res.json().message)).toContain('password');
      if (String(password).length > 3) expect(res.body).not.toContain(String(password));
      expect(fake.requests).toHaveLength(0);
      const rows = await auditRows('subaccounts.credentials.smtp.set-password');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: 400, outcome: 'failure', details: { body: { password: '[redacted]' } } });
    });

    it('passes SocketLabs 404 through for the credentials of an unknown subaccount', async () => {
      const res = await api('POST', '/subaccounts/999/credentials/injection-api');
      expect(res.statusCode).toBe(404);
      expect(res.json().message).toBe('SocketLabs: Subaccount 999 was not found.');
    });
  });

  describe('scopes', () => {
    it('lets a socketlabs:read key read but not write (403, nothing sent); a socketlabs:write key writes', async () => {
      const id = await seedSubaccount();
      const reader = (await api('POST', '/api-keys', { name: 'reader', scopes: ['socketlabs:read'] })).json().key;
      const writer = (await api('POST', '/api-keys', { name: 'writer', scopes: ['socketlabs:write'] })).json().key;

      expect((await api('GET', '/subaccounts', undefined, reader)).statusCode).toBe(200);
      expect((await api('GET', `/subaccounts/${id}/credentials/smtp`, undefined, reader)).statusCode).toBe(200);
      fake.requests.length = 0;
      for (const [method, url, body] of [
        ['POST', '/subaccounts', { name: 'x', useRuleEngine: true }],
        ['PUT', `/subaccounts/${id}`, { name: 'x' }],
        ['DELETE', `/subaccounts/${id}`, undefined],
        ['POST', `/subaccounts/${id}/credentials/injection-api`, undefined],
        ['PUT', `/subaccounts/${id}/credentials/smtp`, { password: 'long-enough-1' }],
      ] as const) {
        const res = await api(method, url, body, reader);
        expect({ method, url, status: res.statusCode }).toEqual({ method, url, status: 403 });
      }
      expect(fake.requests).toHaveLength(0);
      expect((await api('PUT', `/subaccounts/${id}`, { name: 'by writer' }, writer)).statusCode).toBe(200);
      expect((await api('GET', '/subaccounts', undefined, writer)).statusCode).toBe(403);
    });
  });
});
