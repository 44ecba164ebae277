import { randomUUID } from 'node:crypto';
import { FakeHandlerRequest, FakeSocketLabs, sl } from '../fake-socketlabs/fake-socketlabs';
import { createTestApp, TestApp } from '../utils/test-app';

const PUBLIC_URL = 'https://gateway.example.test';
const RECEIVER = `${PUBLIC_URL}/webhooks/socketlabs`;
/** What the fake's generate-secret-key answers here, so that a test can follow the key. */
const GENERATED = 'FakeGeneratedKey0001';

/**
 * Creating a subaccount event webhook whose URL points at this service registers the receiver endpoint first.
 * The fake's create route is replaced by one that does what SocketLabs does: it posts a Validation event to
 * the URL (here through app.inject) while handling the create, and refuses the webhook unless it gets a 200.
 */
describe('subaccount event webhooks: receiver auto-registration (e2e)', () => {
  let fake: FakeSocketLabs;
  let t: TestApp;
  let subaccountId: number;
  /** The Validation posts the fake made during creates, and the status our receiver answered. */
  let validations: Array<{ url: string; status: number }>;

  beforeAll(async () => {
    fake = await FakeSocketLabs.start();
    t = await createTestApp({ ...fake.env(), SOCKETLABS_MAX_RETRIES: '1', PUBLIC_URL });
    fake.route('POST', '/v2/subaccount/:subaccountId/event-webhook', createValidatingWebhook);
    fake.route('POST', '/v2/subaccount/:subaccountId/event-webhook/generate-secret-key', () =>
      sl.data({ secretKey: GENERATED }),
    );
  });
  afterAll(async () => {
    await t?.close();
    await fake.stop();
  });
  beforeEach(async () => {
    fake.reset();
    validations = [];
    // This file's own database: each test starts without receiver endpoints.
    await t.dataSource.query('DELETE FROM webhook_endpoints');
    subaccountId = (await api('POST', '/subaccounts', { name: 'Hooks', useRuleEngine: true })).json().subaccountId;
    fake.requests.length = 0;
  });

  const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH', url: string, body?: unknown) =>
    t.request({ method, url: `/api/v1${url}`, body });
  const hooks = () => `/subaccounts/${subaccountId}/event-webhooks`;
  const upstream = () => `/v2/subaccount/${subaccountId}/event-webhook`;

  /** What SocketLabs does on a create: validate the URL by posting to it, then keep the webhook. */
  async function createValidatingWebhook(req: FakeHandlerRequest, f: FakeSocketLabs) {
    const sub = Number(req.params.subaccountId);
    if (!f.state.subaccounts.has(sub)) return sl.error(404, `Subaccount ${sub} was not found.`);
    const url = String(req.field('url'));
    const secretKey = req.field('secretKey') as string | undefined;
    if (url.startsWith(PUBLIC_URL)) {
      const res = await postToReceiver(url, {
        Type: 'Validation',
        DateTime: new Date().toISOString(),
        ServerId: sub,
        SubaccountId: sub,
        SecretKey: secretKey,
      });
      validations.push({ url, status: res.statusCode });
      if (res.statusCode !== 200) return sl.error(400, `The endpoint did not validate (HTTP ${res.statusCode}).`);
    }
    const id = f.newId();
    const hook = {
      id,
      subaccountId: sub,
      name: req.field('name') ?? null,
      url,
      enabled: true,
      eventTypes: req.field('eventTypes') ?? ['Sent'],
      secretKey,
    };
    f.state.eventWebhooks.set(id, hook);
    const { subaccountId: _s, ...view } = hook;
    return sl.data(view);
  }

  function postToReceiver(url: string, event: Record<string, unknown>) {
    return t.request({ method: 'POST', url: url.slice(PUBLIC_URL.length), body: event, apiKey: null });
  }

  const validation = (secretKey: string, extra: Record<string, unknown> = {}) => ({
    Type: 'Validation',
    ServerId: subaccountId,
    SubaccountId: subaccountId,
    SecretKey: secretKey,
    ...extra,
  });

  async function endpointRow(id: string) {
    const [row] = await t.dataSource.query(
      'SELECT id, name, enabled, secrets, expected_subaccount_id, validated_at FROM webhook_endpoints WHERE id = $1',
      [id],
    );
    return row as {
      id: string;
      name: string;
      enabled: boolean;
      secrets: Array<{ id: string; hint: string }>;
      expected_subaccount_id: number | null;
      validated_at: Date | null;
    };
  }

  async function existingEndpoint(body: Record<string, unknown> = {}): Promise<string> {
    const res = await api('POST', '/webhook-endpoints', {
      name: 'Existing',
      secretKeys: ['OldSecret-0000001'],
      ...body,
    });
    expect(res.statusCode).toBe(201);
    return res.json().id;
  }

  describe('URL without an endpoint id', () => {
    it('generates the secret at SocketLabs, registers a new endpoint, sends the rewritten URL, and the validation succeeds', async () => {
      const res = await api('POST', hooks(), { url: RECEIVER, name: 'Prod' });
      expect(res.statusCode).toBe(201);
      const endpointId: string = res.json().receiverEndpointId;
      expect(endpointId).toMatch(/^[0-9a-f-]{36}$/);

      // Order and content of what reached SocketLabs.
      expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        `POST ${upstream()}/generate-secret-key`,
        `POST ${upstream()}`,
      ]);
      const generated = GENERATED;
      const createBody = fake.requestsTo('POST', upstream())[0].body as Record<string, unknown>;
      expect(createBody).toEqual({ url: `${RECEIVER}/${endpointId}`, name: 'Prod', secretKey: generated });
      expect(res.json()).toMatchObject({
        id: expect.any(Number),
        url: `${RECEIVER}/${endpointId}`,
        receiverEndpointId: endpointId,
      });

      // SocketLabs' validation during the create found the endpoint and its secret.
      expect(validations).toEqual([{ url: `${RECEIVER}/${endpointId}`, status: 200 }]);
      const row = await endpointRow(endpointId);
      expect(row).toMatchObject({
        enabled: true,
        expected_subaccount_id: subaccountId,
        name: `SocketLabs subaccount ${subaccountId}: Prod`,
      });
      expect(row.validated_at).not.toBeNull();
      expect(row.secrets).toHaveLength(1);

      // And afterwards, as SocketLabs would post it.
      expect((await postToReceiver(`${RECEIVER}/${endpointId}`, validation(generated))).statusCode).toBe(200);
      expect((await postToReceiver(`${RECEIVER}/${endpointId}`, validation('WrongSecret-000000'))).statusCode).toBe(
        401,
      );
      expect(
        (await postToReceiver(`${RECEIVER}/${endpointId}`, validation(generated, { SubaccountId: subaccountId + 1 })))
          .statusCode,
      ).toBe(401);

      // The secret is stored hashed and redacted everywhere else.
      expect(JSON.stringify(await t.dataSource.query('SELECT * FROM webhook_endpoints'))).not.toContain(generated);
      expect(JSON.stringify(await t.dataSource.query('SELECT * FROM audit_log'))).not.toContain(generated);
    });

    it('uses the secret of the body without generating one (a trailing slash is fine)', async () => {
      const res = await api('POST', hooks(), { url: `${RECEIVER}/`, secretKey: 'CallerSecret-000001' });
      expect(res.statusCode).toBe(201);
      const endpointId = res.json().receiverEndpointId;
      expect(fake.requestsTo('POST', `${upstream()}/generate-secret-key`)).toHaveLength(0);
      expect(fake.requestsTo('POST', upstream())[0].body).toEqual({
        url: `${RECEIVER}/${endpointId}`,
        secretKey: 'CallerSecret-000001',
      });
      expect(validations).toEqual([{ url: `${RECEIVER}/${endpointId}`, status: 200 }]);
      expect((await postToReceiver(`${RECEIVER}/${endpointId}`, validation('CallerSecret-000001'))).statusCode).toBe(
        200,
      );
    });

    it('recognises the host case-insensitively', async () => {
      const res = await api('POST', hooks(), {
        url: 'https://GATEWAY.example.test/webhooks/socketlabs',
        secretKey: 'CallerSecret-000001',
      });
      expect(res.statusCode).toBe(201);
      expect(res.json().receiverEndpointId).toBeDefined();
      expect(validations).toEqual([{ url: `${RECEIVER}/${res.json().receiverEndpointId}`, status: 200 }]);
    });

    it('disables the new endpoint when SocketLabs refuses the webhook (422), and answers the refusal', async () => {
      fake.misbehave({ method: 'POST', path: upstream(), status: 422 });
      const res = await api('POST', hooks(), { url: RECEIVER, secretKey: 'CallerSecret-000001' });
      expect(res.statusCode).toBe(422);
      const rows = await t.dataSource.query('SELECT id, enabled FROM webhook_endpoints');
      expect(rows).toEqual([{ id: expect.any(String), enabled: false }]);
      expect((await postToReceiver(`${RECEIVER}/${rows[0].id}`, validation('CallerSecret-000001'))).statusCode).toBe(
        401,
      );
      const [audit] = await t.dataSource.query(
        `SELECT status, outcome FROM audit_log WHERE action = 'subaccounts.event-webhooks.create' ORDER BY id DESC LIMIT 1`,
      );
      expect(audit).toEqual({ status: 422, outcome: 'failure' });
    });

    it('keeps the endpoint when the failure leaves open whether SocketLabs created the webhook (500), and says so', async () => {
      fake.misbehave({ method: 'POST', path: upstream(), status: 500 });
      const res = await api('POST', hooks(), { url: RECEIVER, secretKey: 'CallerSecret-000001' });
      expect(res.statusCode).toBe(502);
      const [row] = await t.dataSource.query('SELECT id, enabled FROM webhook_endpoints');
      expect(row.enabled).toBe(true);
      expect(res.json().message).toContain(`Receiver endpoint ${row.id} was kept`);
    });

    it('registers nothing when generating the secret fails', async () => {
      fake.misbehave({ method: 'POST', path: `${upstream()}/generate-secret-key`, status: 500 });
      const res = await api('POST', hooks(), { url: RECEIVER });
      expect(res.statusCode).toBe(502);
      expect(await t.dataSource.query('SELECT id FROM webhook_endpoints')).toEqual([]);
      expect(fake.requestsTo('POST', upstream())).toHaveLength(0);
    });
  });

  describe('URL with an endpoint id', () => {
    it('adds the secret to the endpoint (once), keeps the old one working, and SocketLabs validates', async () => {
      const id = await existingEndpoint();
      const url = `${RECEIVER}/${id}`;
      const res = await api('POST', hooks(), { url, secretKey: 'NewSecret-00000002' });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ url, receiverEndpointId: id });
      expect(fake.requestsTo('POST', upstream())[0].body).toEqual({ url, secretKey: 'NewSecret-00000002' });
      expect(validations).toEqual([{ url, status: 200 }]);
      expect((await endpointRow(id)).secrets.map((s) => s.hint)).toEqual(['0001', '0002']);
      expect((await postToReceiver(url, validation('OldSecret-0000001'))).statusCode).toBe(200);
      expect((await postToReceiver(url, validation('NewSecret-00000002'))).statusCode).toBe(200);

      // The same secret again (a second webhook to the same endpoint) is not added twice.
      const again = await api('POST', hooks(), { url, secretKey: 'NewSecret-00000002' });
      expect(again.statusCode).toBe(201);
      expect((await endpointRow(id)).secrets).toHaveLength(2);
    });

    it('generates the secret when none is given and adds it', async () => {
      const id = await existingEndpoint();
      const res = await api('POST', hooks(), { url: `${RECEIVER}/${id}` });
      expect(res.statusCode).toBe(201);
      expect(fake.requestsTo('POST', `${upstream()}/generate-secret-key`)).toHaveLength(1);
      expect(fake.requestsTo('POST', upstream())[0].body).toEqual({ url: `${RECEIVER}/${id}`, secretKey: GENERATED });
      expect((await endpointRow(id)).secrets.map((s) => s.hint)).toEqual(['0001', GENERATED.slice(-4)]);
      expect((await postToReceiver(`${RECEIVER}/${id}`, validation(GENERATED))).statusCode).toBe(200);
    });

    it('removes the added secret when SocketLabs refuses the webhook (400)', async () => {
      const id = await existingEndpoint();
      fake.misbehave({ method: 'POST', path: upstream(), status: 400 });
      const res = await api('POST', hooks(), { url: `${RECEIVER}/${id}`, secretKey: 'NewSecret-00000002' });
      expect(res.statusCode).toBe(400);
      const row = await endpointRow(id);
      expect(row.enabled).toBe(true);
      expect(row.secrets.map((s) => s.hint)).toEqual(['0001']);
      expect((await postToReceiver(`${RECEIVER}/${id}`, validation('NewSecret-00000002'))).statusCode).toBe(401);
    });

    it.each([
      ['an unknown endpoint id', () => `${RECEIVER}/${randomUUID()}`, 'RECEIVER_ENDPOINT_UNKNOWN'],
      ['an id that is not a UUID', () => `${RECEIVER}/not-an-id`, 'RECEIVER_URL_INVALID'],
      ['a deeper path', () => `${RECEIVER}/${randomUUID()}/more`, 'RECEIVER_URL_INVALID'],
      ['a query string', () => `${RECEIVER}?x=1`, 'RECEIVER_URL_INVALID'],
    ])('refuses %s with 400 before any SocketLabs call', async (_what, url, code) => {
      const res = await api('POST', hooks(), { url: url() });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe(code);
      expect(fake.requests).toHaveLength(0);
    });

    it('refuses an endpoint bound to another subaccount, or disabled, with 400 before any SocketLabs call', async () => {
      const other = await existingEndpoint({ expectedSubaccountId: subaccountId + 100 });
      const mismatch = await api('POST', hooks(), { url: `${RECEIVER}/${other}` });
      expect(mismatch.statusCode).toBe(400);
      expect(mismatch.json().code).toBe('RECEIVER_ENDPOINT_MISMATCH');

      const disabled = await existingEndpoint({ enabled: false });
      const refused = await api('POST', hooks(), { url: `${RECEIVER}/${disabled}` });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().code).toBe('RECEIVER_ENDPOINT_DISABLED');
      expect(fake.requests).toHaveLength(0);
      expect((await endpointRow(other)).secrets).toHaveLength(1);
    });
  });

  it('leaves a URL that points elsewhere alone', async () => {
    const res = await api('POST', hooks(), { url: 'https://elsewhere.example.com/webhooks/socketlabs' });
    expect(res.statusCode).toBe(201);
    expect(res.json().receiverEndpointId).toBeUndefined();
    expect(fake.requestsTo('POST', upstream())[0].body).toEqual({
      url: 'https://elsewhere.example.com/webhooks/socketlabs',
    });
    expect(await t.dataSource.query('SELECT id FROM webhook_endpoints')).toEqual([]);
  });
});
