import { createHash } from 'node:crypto';
import { getQueueToken } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { QueueName } from '../../src/core/queue/queue.constants';
import { IngestRow, IngestWriter, StoreUnavailableError } from '../../src/webhooks/receiver/ingest.writer';
import { ReceiverStats } from '../../src/webhooks/receiver/receiver.stats';
import { parseStoredEvent } from '../../src/webhooks/receiver/webhook-body.parser';
import {
  complaintEvent,
  deliveredEvent,
  EVENT_FIXTURES,
  failedEvent,
  formBody,
  legacyFormComplaint,
  legacyFormDelivered,
  legacyFormFailed,
  queuedEvent,
  SocketLabsEvent,
  toFormFields,
  trackingOpenEvent,
  validationEvent,
  withSecret,
} from '../fixtures/socketlabs-events';
import { createTestApp, TestApp, TestResponse, waitFor } from '../utils/test-app';

const ENV_SECRET = 'env-secret-Qm4k29ZpX7';
const SECRET = 'n7BJk25EtAr39Sfa4K8R';
const LEGACY_SECRET = 'legacy-secret-7Hq2';
const LEGACY_VALIDATION_KEY = 'VALIDATION-KEY-2013-abc';
const BODY_LIMIT = 64 * 1024;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

interface EventRow {
  id: string;
  endpoint_id: string | null;
  received_at: Date;
  dedupe_key: string;
  format: string;
  raw: string;
  type: string | null;
  known_type: boolean | null;
  occurred_at: string;
  address: string | null;
  message_id: string | null;
  txid: string | null;
  state: string;
  normalize: boolean | null;
}

describe('Webhook receiver (e2e)', () => {
  let t: TestApp;
  let endpointId: string;
  let legacyEndpointId: string;
  let url: string;
  const warnSpy = jest.spyOn(Logger.prototype, 'warn');
  const errorSpy = jest.spyOn(Logger.prototype, 'error');
  const logSpy = jest.spyOn(Logger.prototype, 'log');

  beforeAll(async () => {
    // ROLE=api: no processor in this process, so stored rows and queued jobs stay as the receiver left them.
    t = await createTestApp({
      ROLE: 'api',
      WEBHOOK_SECRET_KEY: ENV_SECRET,
      WEBHOOK_SERVER_ID: '16332',
      WEBHOOK_BODY_LIMIT: String(BODY_LIMIT),
    });
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/webhook-endpoints',
      body: { name: 'subaccount 16332', secretKeys: [SECRET], expectedServerId: 16332, expectedSubaccountId: 16332 },
    });
    expect(created.statusCode).toBe(201);
    endpointId = created.json().id;
    url = `/webhooks/socketlabs/${endpointId}`;
    const legacy = await t.request({
      method: 'POST',
      url: '/api/v1/webhook-endpoints',
      body: { name: 'legacy notification API', secretKeys: [LEGACY_SECRET], validationKey: LEGACY_VALIDATION_KEY },
    });
    legacyEndpointId = legacy.json().id;
  });

  afterAll(async () => {
    await t.close();
  });

  function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<TestResponse> {
    return t.request({ method: 'POST', url: path, body, headers, apiKey: null });
  }

  async function rows(where = 'TRUE', params: unknown[] = []): Promise<EventRow[]> {
    // The event's row, its dedupe key as hex, and its backlog row (processed without one).
    return t.dataSource.query(
      `SELECT * FROM (
         SELECT e.id, e.endpoint_id, e.received_at, encode(e.dedupe_key, 'hex') AS dedupe_key, e.format, e.raw, e.type, e.known_type,
           e.occurred_at::text AS occurred_at, e.address, e.message_id, e.txid::text AS txid, coalesce(b.state, 'processed') AS state, b.normalize
         FROM email_events e LEFT JOIN event_backlog b ON b.event_id = e.id
       ) r WHERE ${where} ORDER BY id`,
      params,
    );
  }

  async function countRows(): Promise<number> {
    return Number((await t.dataSource.query('SELECT count(*)::int AS n FROM email_events'))[0].n);
  }

  function expectError(res: TestResponse, status: number, code: string): void {
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json();
    expect(body).toMatchObject({ statusCode: status, code });
    expect(typeof body.error).toBe('string');
    expect(typeof body.message).toBe('string');
    expect(body.requestId).toBe(res.headers['x-request-id']);
  }

  describe('stores every event type', () => {
    it.each(Object.entries(EVENT_FIXTURES))('%s in JSON, with SecretKey absent from raw', async (name, make) => {
      const event = make({ MessageId: `json-${name}` });
      const res = await post(url, withSecret(event, SECRET));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ received: 1, stored: 1, duplicates: 0, validations: 0 });
      expect(res.headers['x-request-id']).toBeTruthy();

      const [row] = await rows(`raw LIKE $1`, [`%json-${name}%`]);
      // Stored with its typed columns, in the backlog to be processed (not to be normalized: it is), with its
      // change-feed position.
      expect(row).toMatchObject({
        endpoint_id: endpointId,
        format: 'json',
        type: event.Type,
        known_type: true,
        state: 'pending',
        normalize: false,
      });
      expect(row).toMatchObject({ address: 'jane.doe@example.com', message_id: `json-${name}` });
      expect(row.occurred_at).toMatch(/^2023-06-/);
      expect(row.txid).toMatch(/^\d+$/);
      expect(row.dedupe_key).toMatch(/^[0-9a-f]{64}$/);
      expect(Date.now() - new Date(row.received_at).getTime()).toBeLessThan(60_000);
      expect(JSON.parse(row.raw)).toEqual(event);
      expect(row.raw).not.toContain(SECRET);
      expect(row.raw).not.toMatch(/secretkey/i);
    });

    it.each(Object.entries(EVENT_FIXTURES))(
      '%s in form encoding (strings, RFC 1123 date), with SecretKey absent from raw',
      async (name, make) => {
        const fields = toFormFields(make({ MessageId: `form-${name}` }));
        expect(fields.DateTime).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
        const res = await post(url, `${formBody(fields)}&SecretKey=${SECRET}`, FORM);
        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({ stored: 1 });

        // Stored as sent: the space in the name is a `+`.
        const [row] = await rows(`raw LIKE $1`, [`%form-${name.replace(/ /g, '+')}%`]);
        expect(row).toMatchObject({
          endpoint_id: endpointId,
          format: 'form',
          type: fields.Type,
          known_type: true,
          message_id: `form-${name}`,
          state: 'pending',
        });
        // The body as sent, without its SecretKey pair.
        expect(row.raw).toBe(formBody(fields));
        expect(row.raw).not.toContain(SECRET);
      },
    );

    it('stores the 2013 form examples as sent: empty values, CRLF in Response, User-Agent, any case of the field names', async () => {
      for (const fields of [legacyFormFailed(), legacyFormDelivered(), legacyFormComplaint()]) {
        // The 2013 examples are ServerId 1000: post them to an endpoint that does not expect a ServerId.
        const res = await post(
          `/webhooks/socketlabs/${legacyEndpointId}`,
          formBody({ ...fields, secretKey: LEGACY_SECRET }),
          FORM,
        );
        expect(res.statusCode).toBe(200);
      }
      const stored = await rows('endpoint_id = $1 AND type IS NOT NULL', [legacyEndpointId]);
      const delivered = parseStoredEvent(stored.find((r) => r.type === 'Delivered')!.raw, 'form');
      expect(delivered.Response).toBe('250 2.6.0 Message received and queued\r\n');
      expect(delivered.MailingId).toBe('');
      expect(parseStoredEvent(stored.find((r) => r.type === 'Complaint')!.raw, 'form')['User-Agent']).toBe(
        'Yahoo!-Mail-Feedback/1.0',
      );
      for (const r of stored) expect(r.raw).not.toContain(LEGACY_SECRET);
    });

    it('accepts a JSON array, each event checked and stored on its own, a twin in the same request counted as a duplicate', async () => {
      const a = withSecret(queuedEvent({ MessageId: 'array-1' }), SECRET);
      const b = withSecret(deliveredEvent({ MessageId: 'array-1' }), SECRET);
      const res = await post(url, [a, b, { ...a }]);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ received: 3, stored: 2, duplicates: 1, validations: 0 });
      expect((await rows(`raw LIKE '%array-1%'`)).map((r) => r.type)).toEqual(['Queued', 'Delivered']);
    });

    it('unwraps the {"data": {...}} envelope', async () => {
      const event = deliveredEvent({ MessageId: 'wrapped-1' });
      const res = await post(url, { data: withSecret(event, SECRET) });
      expect(res.statusCode).toBe(200);
      const [row] = await rows(`raw LIKE '%wrapped-1%'`);
      expect(JSON.parse(row.raw)).toEqual(event);
    });

    it('stores an unknown Type lower-cased (raw keeps it as sent), with 200', async () => {
      const res = await post(url, {
        Type: 'Bounced',
        DateTime: '2024-02-01T09:00:00.1234567Z',
        Address: 'x@example.com',
        ServerId: 16332,
        secretkey: SECRET,
        Novel: { a: 1 },
      });
      expect(res.statusCode).toBe(200);
      const [row] = await rows(`type = 'bounced'`);
      expect(row).toMatchObject({
        known_type: false,
        address: 'x@example.com',
        occurred_at: '2024-02-01 09:00:00.123456+00',
      });
      expect(JSON.parse(row.raw)).toEqual({
        Type: 'Bounced',
        DateTime: '2024-02-01T09:00:00.1234567Z',
        Address: 'x@example.com',
        ServerId: 16332,
        Novel: { a: 1 },
      });
    });

    it('stores events of the endpoint configured from the environment with endpoint_id NULL, and checks its ServerId', async () => {
      const event = trackingOpenEvent({ MessageId: 'env-1' });
      const res = await post('/webhooks/socketlabs', withSecret(event, ENV_SECRET));
      expect(res.statusCode).toBe(200);
      const [row] = await rows(`raw LIKE '%env-1%'`);
      expect(row.endpoint_id).toBeNull();

      const before = await countRows();
      expectError(
        await post(
          '/webhooks/socketlabs',
          withSecret(trackingOpenEvent({ MessageId: 'env-2', ServerId: 999 }), ENV_SECRET),
        ),
        401,
        'SERVER_ID_MISMATCH',
      );
      expectError(
        await post('/webhooks/socketlabs', withSecret(trackingOpenEvent({ MessageId: 'env-3' }), SECRET)),
        401,
        'WRONG_SECRET',
      );
      expect(await countRows()).toBe(before);
    });
  });

  describe('validation handshake', () => {
    it('answers 200 to Type=Validation in JSON and in form encoding, stores nothing, records validated_at', async () => {
      const before = await countRows();
      const json = await post(url, withSecret(validationEvent(), SECRET));
      expect(json.statusCode).toBe(200);
      expect(json.json()).toEqual({ received: 1, stored: 0, duplicates: 0, validations: 1 });
      const form = await post(url, formBody({ Type: 'validation', ServerId: '16332', SecretKey: SECRET }), FORM);
      expect(form.statusCode).toBe(200);
      expect(await countRows()).toBe(before);
      const [endpoint] = await t.dataSource.query('SELECT validated_at FROM webhook_endpoints WHERE id = $1', [
        endpointId,
      ]);
      expect(endpoint.validated_at).toBeInstanceOf(Date);
      const api = await t.request({ method: 'GET', url: `/api/v1/webhook-endpoints/${endpointId}` });
      expect(api.json().validatedAt).toBeTruthy();
    });

    it('refuses a Validation with a wrong key', async () => {
      expectError(await post(url, withSecret(validationEvent(), 'not-the-secret')), 401, 'WRONG_SECRET');
    });

    it('echoes the legacy validation key as text/plain on every 200 of a legacy endpoint', async () => {
      const legacyUrl = `/webhooks/socketlabs/${legacyEndpointId}`;
      const validation = await post(
        legacyUrl,
        formBody({ Type: 'Validation', ServerId: '1000', SecretKey: LEGACY_SECRET }),
        FORM,
      );
      expect(validation.statusCode).toBe(200);
      expect(validation.headers['content-type']).toMatch(/^text\/plain/);
      expect(validation.body).toBe(LEGACY_VALIDATION_KEY);

      const fields = { ...legacyFormDelivered({ MessageId: 'legacy-echo' }), SecretKey: LEGACY_SECRET };
      for (let i = 0; i < 2; i++) {
        // The first stores the event, the second is a duplicate: both carry the key.
        const res = await post(legacyUrl, formBody(fields), FORM);
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toMatch(/^text\/plain/);
        expect(res.body).toBe(LEGACY_VALIDATION_KEY);
      }
      expect(await rows(`raw LIKE '%legacy-echo%'`)).toHaveLength(1);
      const [endpoint] = await t.dataSource.query('SELECT validated_at FROM webhook_endpoints WHERE id = $1', [
        legacyEndpointId,
      ]);
      expect(endpoint.validated_at).toBeInstanceOf(Date);

      // Errors keep the JSON error shape.
      expectError(await post(legacyUrl, formBody({ ...fields, SecretKey: 'wrong-secret' }), FORM), 401, 'WRONG_SECRET');
    });
  });

  describe('refusals', () => {
    let disabledId: string;
    beforeAll(async () => {
      const created = await t.request({
        method: 'POST',
        url: '/api/v1/webhook-endpoints',
        body: { name: 'to disable', secretKeys: [SECRET] },
      });
      disabledId = created.json().id;
      // Resolve it once, so that the disable below must also drop the receiver's cached copy.
      expect(
        (
          await post(
            `/webhooks/socketlabs/${disabledId}`,
            withSecret(deliveredEvent({ MessageId: 'before-disable' }), SECRET),
          )
        ).statusCode,
      ).toBe(200);
      expect((await t.request({ method: 'DELETE', url: `/api/v1/webhook-endpoints/${disabledId}` })).statusCode).toBe(
        200,
      );
    });

    it.each([
      [
        'an unknown endpoint',
        () => '/webhooks/socketlabs/7b0c5f43-3f8e-4a8e-9d57-1f0a6c1e2d3b',
        () => withSecret(deliveredEvent(), SECRET),
        'UNKNOWN_ENDPOINT',
      ],
      [
        'an endpoint id that is not a UUID',
        () => '/webhooks/socketlabs/not-a-uuid',
        () => withSecret(deliveredEvent(), SECRET),
        'UNKNOWN_ENDPOINT',
      ],
      [
        'a disabled endpoint',
        () => `/webhooks/socketlabs/${disabledId}`,
        () => withSecret(deliveredEvent({ MessageId: 'r-1' }), SECRET),
        'DISABLED_ENDPOINT',
      ],
      [
        'a wrong SecretKey',
        () => url,
        () => withSecret(deliveredEvent({ MessageId: 'r-2' }), 'wrong-secret-123'),
        'WRONG_SECRET',
      ],
      ['a missing SecretKey', () => url, () => deliveredEvent({ MessageId: 'r-3' }), 'MISSING_SECRET'],
      [
        'a wrong ServerId',
        () => url,
        () => withSecret(deliveredEvent({ MessageId: 'r-4', ServerId: 1 }), SECRET),
        'SERVER_ID_MISMATCH',
      ],
      [
        'a wrong ServerID spelled in capitals',
        () => url,
        () => withSecret({ ...deliveredEvent({ MessageId: 'r-5' }), ServerId: undefined, ServerID: '2' }, SECRET),
        'SERVER_ID_MISMATCH',
      ],
      [
        'a wrong SubaccountId',
        () => url,
        () => withSecret(deliveredEvent({ MessageId: 'r-6', SubaccountId: 5 }), SECRET),
        'SUBACCOUNT_ID_MISMATCH',
      ],
      [
        'an array with one bad event',
        () => url,
        () => [
          withSecret(deliveredEvent({ MessageId: 'r-7' }), SECRET),
          withSecret(failedEvent({ MessageId: 'r-7' }), 'wrong-secret-123'),
        ],
        'WRONG_SECRET',
      ],
    ])('401 for %s, nothing stored', async (_name, path, body, code) => {
      const before = await countRows();
      expectError(await post(path(), body()), 401, code);
      expect(await countRows()).toBe(before);
    });

    it('401 for a form post without the right key, nothing stored', async () => {
      const before = await countRows();
      expectError(
        await post(url, formBody(toFormFields(complaintEvent({ MessageId: 'r-8' }))), FORM),
        401,
        'MISSING_SECRET',
      );
      expectError(
        await post(
          url,
          formBody({ ...toFormFields(complaintEvent({ MessageId: 'r-9' })), SecretKey: `${SECRET}x` }),
          FORM,
        ),
        401,
        'WRONG_SECRET',
      );
      // The legacy test suite's junk body: no SecretKey, so 401 (never stored).
      expectError(await post(url, 'incorrect', FORM), 401, 'MISSING_SECRET');
      expect(await countRows()).toBe(before);
    });

    it.each([
      ['invalid JSON', '{"Type": "Delivered", "SecretKey": ', 'application/json', 'UNPARSEABLE_BODY'],
      ['a JSON string', '"Delivered"', 'application/json', 'UNPARSEABLE_BODY'],
      ['an empty JSON body', '', 'application/json', 'EMPTY_BODY'],
      ['an empty form body', '', 'application/x-www-form-urlencoded', 'EMPTY_BODY'],
      ['an empty array', '[]', 'application/json', 'EMPTY_BODY'],
    ])('400 for %s', async (_name, body, contentType, code) => {
      expectError(await post(url, body, { 'content-type': contentType }), 400, code);
    });

    it('400 for a post without body or content type', async () => {
      const res = await t.app.inject({ method: 'POST', url });
      expectError(
        { statusCode: res.statusCode, headers: res.headers, body: res.body, json: () => JSON.parse(res.body) },
        400,
        'EMPTY_BODY',
      );
    });

    it('413 above the body limit', async () => {
      const big = withSecret(deliveredEvent({ MessageId: 'too-big', Response: 'x'.repeat(BODY_LIMIT) }), SECRET);
      expectError(await post(url, big), 413, 'PAYLOAD_TOO_LARGE');
      expect(await rows(`raw LIKE '%too-big%'`)).toHaveLength(0);
    });

    it('accepts a body just under the limit', async () => {
      const event = withSecret(deliveredEvent({ MessageId: 'almost-too-big' }), SECRET);
      const filler = BODY_LIMIT - JSON.stringify({ ...event, Response: '' }).length - 10;
      expect((await post(url, { ...event, Response: 'y'.repeat(filler) })).statusCode).toBe(200);
    });

    it.each([['text/plain'], ['multipart/form-data; boundary=abc'], ['application/xml']])(
      '415 for %s',
      async (contentType) => {
        expectError(
          await post(url, JSON.stringify(withSecret(deliveredEvent(), SECRET)), { 'content-type': contentType }),
          415,
          'UNSUPPORTED_MEDIA_TYPE',
        );
      },
    );

    it('counts every rejection by reason, for admins, and logs them without the secret', async () => {
      const stats = await t.request({ method: 'GET', url: '/api/v1/webhook-endpoints/receiver-stats' });
      expect(stats.statusCode).toBe(200);
      const body = stats.json();
      for (const reason of [
        'unknown_endpoint',
        'disabled_endpoint',
        'wrong_secret',
        'missing_secret',
        'server_id_mismatch',
        'subaccount_id_mismatch',
        'unparseable_body',
        'empty_body',
        'payload_too_large',
        'unsupported_media_type',
      ]) {
        expect(body.rejections[reason]).toBeGreaterThan(0);
      }
      expect(body.rejectedRequests).toBe(
        Object.values(body.rejections as Record<string, number>).reduce((a, b) => a + b, 0),
      );
      expect(body.acceptedRequests).toBeGreaterThan(0);
      expect(body.storedEvents).toBeGreaterThan(0);
      expect(
        (await t.request({ method: 'GET', url: '/api/v1/webhook-endpoints/receiver-stats', apiKey: null })).statusCode,
      ).toBe(401);

      const lines = [...warnSpy.mock.calls, ...errorSpy.mock.calls, ...logSpy.mock.calls].map((c) =>
        c.map(String).join(' '),
      );
      expect(lines.some((l) => l.includes('webhook refused: 401 wrong_secret'))).toBe(true);
      for (const secret of [SECRET, ENV_SECRET, LEGACY_SECRET, 'wrong-secret-123', `${SECRET}x`]) {
        expect(lines.filter((l) => l.includes(secret))).toEqual([]);
      }
    });
  });

  describe('secret rotation', () => {
    it('accepts the old and the new secret during a rotation, and refuses the removed one', async () => {
      const NEW_SECRET = 'rotated-secret-0042';
      const added = await t.request({
        method: 'POST',
        url: `/api/v1/webhook-endpoints/${endpointId}/secrets`,
        body: { secretKey: NEW_SECRET },
      });
      expect(added.statusCode).toBe(201);
      expect(added.json().newSecret.secretKey).toBe(NEW_SECRET);
      expect(added.json().secrets).toHaveLength(2);

      expect((await post(url, withSecret(deliveredEvent({ MessageId: 'rot-old' }), SECRET))).statusCode).toBe(200);
      expect((await post(url, withSecret(deliveredEvent({ MessageId: 'rot-new' }), NEW_SECRET))).statusCode).toBe(200);

      const oldId = added.json().secrets.find((s: { id: string }) => s.id !== added.json().newSecret.id).id;
      expect(
        (await t.request({ method: 'DELETE', url: `/api/v1/webhook-endpoints/${endpointId}/secrets/${oldId}` }))
          .statusCode,
      ).toBe(200);

      expectError(await post(url, withSecret(deliveredEvent({ MessageId: 'rot-old-2' }), SECRET)), 401, 'WRONG_SECRET');
      expect((await post(url, withSecret(deliveredEvent({ MessageId: 'rot-new-2' }), NEW_SECRET))).statusCode).toBe(
        200,
      );
      expect((await rows(`raw LIKE '%rot-%'`)).map((r) => JSON.parse(r.raw).MessageId)).toEqual([
        'rot-old',
        'rot-new',
        'rot-new-2',
      ]);

      // Put the original secret back for the other tests, and drop the rotated one.
      await t.request({
        method: 'POST',
        url: `/api/v1/webhook-endpoints/${endpointId}/secrets`,
        body: { secretKey: SECRET },
      });
      await t.request({
        method: 'DELETE',
        url: `/api/v1/webhook-endpoints/${endpointId}/secrets/${added.json().newSecret.id}`,
      });
    });
  });

  describe('deduplication and group commit', () => {
    it('stores the same event posted 50 times concurrently once, and answers 200 to all', async () => {
      const event = withSecret(failedEvent({ MessageId: 'dup-50' }), SECRET);
      const answers = await Promise.all(Array.from({ length: 50 }, () => post(url, event)));
      expect(answers.map((a) => a.statusCode)).toEqual(Array(50).fill(200));
      expect(answers.reduce((n, a) => n + a.json().stored, 0)).toBe(1);
      expect(answers.reduce((n, a) => n + a.json().duplicates, 0)).toBe(49);
      expect(await rows(`raw LIKE '%dup-50%'`)).toHaveLength(1);
    });

    it('treats the JSON and the form post of one event, through two endpoints, as one event', async () => {
      const event: SocketLabsEvent = {
        Type: 'Delivered',
        DateTime: 'Tue, 14 Aug 2018 16:35:37 GMT',
        MessageId: 'cross-1',
        Address: 'a@example.com',
        MessageSize: 1200,
      };
      expect((await post(url, withSecret(event, SECRET))).json().stored).toBe(1);
      const again = await post(
        `/webhooks/socketlabs/${legacyEndpointId}`,
        formBody({ ...toFormFields(event), SecretKey: LEGACY_SECRET }),
        FORM,
      );
      expect(again.statusCode).toBe(200);
      expect(await rows(`raw LIKE '%cross-1%'`)).toHaveLength(1);
    });

    it('writes concurrent posts of distinct events, every one stored', async () => {
      const answers = await Promise.all(
        Array.from({ length: 120 }, (_, i) =>
          post(url, withSecret(trackingOpenEvent({ MessageId: `burst-${i}` }), SECRET)),
        ),
      );
      expect(answers.every((a) => a.statusCode === 200 && a.json().stored === 1)).toBe(true);
      expect(await rows(`raw LIKE '%burst-%'`)).toHaveLength(120);
    });

    it('counts every request in flight until it is answered, accepted or refused, and times each one', async () => {
      const stats = t.app.get(ReceiverStats);
      const started = jest.spyOn(stats, 'requestStarted');
      const timedBefore = stats.requestSeconds.snapshot().count;
      try {
        const answers = await Promise.all([
          ...Array.from({ length: 20 }, (_, i) =>
            post(url, withSecret(deliveredEvent({ MessageId: `gauge-${i}` }), SECRET)),
          ),
          post(url, withSecret(deliveredEvent({ MessageId: 'gauge-wrong' }), 'wrong-secret')),
          post(url, '{"Type":', { 'content-type': 'application/json' }),
        ]);
        expect(answers.map((a) => a.statusCode).sort()).toEqual([...Array(20).fill(200), 400, 401]);
        expect(started).toHaveBeenCalledTimes(22);
        expect(stats.inFlight).toBe(0);
        expect(stats.requestSeconds.snapshot().count - timedBefore).toBe(22);
      } finally {
        started.mockRestore();
      }
    });

    it('IngestWriter: concurrent writes share one INSERT, twins are one row, a row PostgreSQL refuses fails alone', async () => {
      const writer = t.app.get(IngestWriter);
      const row = (i: number, endpoint: string | null = endpointId): IngestRow => ({
        endpointId: endpoint,
        receivedAt: new Date(),
        dedupeKey: createHash('sha256').update(`writer-test-${i}`).digest('hex'),
        format: 'json',
        raw: JSON.stringify({ Type: 'Delivered', MessageId: `writer-${i}` }),
        columns: { type: 'Delivered', known_type: true, message_id: `writer-${i}`, occurred_at: '-infinity' },
      });
      // One call of `insert` is one INSERT statement.
      const spy = jest.spyOn(writer as unknown as { insert: (rows: IngestRow[]) => Promise<unknown> }, 'insert');
      try {
        const results = await Promise.all([
          writer.write([row(1)]),
          writer.write([row(2), row(3)]),
          writer.write([row(1)]),
        ]);
        expect(spy).toHaveBeenCalledTimes(1);
        expect(results[0][0].id).toMatch(/^\d+$/);
        expect(results[1].every((o) => /^\d+$/.test(String(o.id)))).toBe(true);
        expect(results[2]).toEqual([{ id: null }]);

        const [good, bad] = await Promise.allSettled([writer.write([row(4)]), writer.write([row(5, 'not-a-uuid')])]);
        expect(good.status).toBe('fulfilled');
        expect(bad.status).toBe('rejected');
        expect((bad as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
      } finally {
        spy.mockRestore();
      }
      expect((await rows(`raw LIKE '%"writer-%'`)).map((r) => JSON.parse(r.raw).MessageId)).toEqual([
        'writer-1',
        'writer-2',
        'writer-3',
        'writer-4',
      ]);
    });

    it('enqueues processing jobs for the stored rows, and no job payload holds a secret', async () => {
      const queue = t.app.get<Queue>(getQueueToken(QueueName.Events));
      const stored = await rows();
      const storedIds = new Set(stored.map((r) => String(r.id)));
      const jobs = await waitFor(
        async () => {
          const all = await queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized']);
          const queued = new Set(all.flatMap((j) => (j.data as { eventIds: string[] }).eventIds));
          return [...storedIds].every((id) => queued.has(id)) ? all : null;
        },
        10_000,
        'a job for every stored row',
      );
      for (const job of jobs) {
        expect(job.name).toBe('process-events');
        expect(job.data).toEqual({ eventIds: expect.any(Array) });
        expect(job.id).not.toContain(':');
      }
      const payloads = JSON.stringify(jobs.map((j) => [j.id, j.data, j.opts]));
      for (const secret of [SECRET, ENV_SECRET, LEGACY_SECRET, 'rotated-secret-0042'])
        expect(payloads).not.toContain(secret);
      // Group commit: fewer jobs (one per committed batch) than rows.
      expect(jobs.length).toBeLessThan(stored.length);
    });
  });
});
