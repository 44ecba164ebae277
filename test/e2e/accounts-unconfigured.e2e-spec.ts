import { createTestApp, TestApp } from '../utils/test-app';

describe('accounts without SocketLabs configured (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Nothing listens on port 9 of 127.0.0.1 (discard): a call that went out would be refused, not answered.
    t = await createTestApp({
      SOCKETLABS_API_KEY: '',
      SOCKETLABS_API_URL: 'http://127.0.0.1:9',
      SOCKETLABS_INJECT_URL: 'http://127.0.0.1:9',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 503 SOCKETLABS_NOT_CONFIGURED for reads and writes, and records the failed write', async () => {
    const read = await t.request({ method: 'GET', url: '/api/v1/accounts/ip-allocations' });
    expect(read.statusCode).toBe(503);
    expect(read.json()).toMatchObject({
      code: 'SOCKETLABS_NOT_CONFIGURED',
      message: 'SOCKETLABS_API_KEY is not configured: this service cannot call SocketLabs.',
      details: { attempts: 0 },
    });

    const write = await t.request({
      method: 'POST',
      url: '/api/v1/accounts/ip-pools',
      body: { name: 'x', ipAssignmentIds: ['ipa-1'] },
    });
    expect(write.statusCode).toBe(503);
    const audit = (await t.request({ method: 'GET', url: '/api/v1/audit-log?action=accounts.ip-pools.create' })).json();
    expect(audit.data).toEqual([
      expect.objectContaining({ status: 503, outcome: 'failure', apiKeyName: expect.any(String) }),
    ]);
  });
});
