import { MAX_JSON_DEPTH } from '../../src/webhooks/receiver/json-text';
import { failedEvent, queuedEvent } from '../fixtures/socketlabs-events';
import { createTestApp, TestApp, TestResponse, waitFor } from '../utils/test-app';

const SECRET = 'bad-input-secret-5Kq8';
const JSON_TYPE = { 'content-type': 'application/json' };
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

interface StoredRow {
  id: string;
  raw: string;
  state: string;
  reason: string | null;
  extra: Record<string, unknown> | null;
  last_error: string | null;
}

/**
 * Bodies that a mail system really produces, posted with the right SecretKey: each is stored and answered 200, then
 * processed, whatever characters it holds (issue "Bad input never costs an event or the webhook"). One regression
 * test per case found by hand or by the fuzzer (receiver-fuzz.e2e-spec.ts).
 */
describe('Webhook receiver: bad input never costs an event (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ ROLE: 'all', WEBHOOK_SECRET_KEY: SECRET });
  });

  afterAll(async () => {
    await t?.close();
  });

  function post(body: string, headers: Record<string, string> = JSON_TYPE): Promise<TestResponse> {
    return t.request({ method: 'POST', url: '/webhooks/socketlabs', body, headers, apiKey: null });
  }

  /** The row of the event with this MessageId once the workers processed it (or gave up on it). */
  async function settled(messageId: string): Promise<StoredRow> {
    return waitFor(
      async () => {
        const rows: StoredRow[] = await t.dataSource.query(
          `SELECT * FROM (
             SELECT e.id::text AS id, e.raw, coalesce(b.state, 'processed') AS state, e.reason, e.extra, b.last_error
             FROM email_events e LEFT JOIN event_backlog b ON b.event_id = e.id WHERE e.raw LIKE $1
           ) r WHERE state <> 'pending'`,
          [`%${messageId}%`],
        );
        return rows[0];
      },
      10_000,
      `event ${messageId} processed`,
    );
  }

  /** A JSON event with `MessageId` and the SecretKey, `extra` members written as raw JSON text. */
  function jsonBody(messageId: string, extra: string): string {
    return `{"Type":"Failed","SecretKey":"${SECRET}","MessageId":"${messageId}","Address":"bad-input@example.com",${extra}}`;
  }

  it('a NUL escaped in a JSON value: 200, processed, the typed column with U+FFFD, raw as sent', async () => {
    const res = await post(jsonBody('nul-json', '"Reason":"550 x\\u0000y"'));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ stored: 1 });
    const row = await settled('nul-json');
    expect(row).toMatchObject({ state: 'processed', reason: '550 x\uFFFDy' });
    expect(row.raw).toBe(
      '{"Type":"Failed","MessageId":"nul-json","Address":"bad-input@example.com","Reason":"550 x\\u0000y"}',
    );

    const detail = (await t.request({ method: 'GET', url: `/api/v1/events/${row.id}` })).json();
    expect(detail.reason).toBe('550 x\uFFFDy');
    expect(detail.raw.Reason).toBe('550 x\u0000y');
  });

  it('a NUL in a form value (%00) and as a raw byte: 200, processed, raw as sent (the raw byte as U+FFFD)', async () => {
    for (const [id, reason, stored] of [
      ['nul-form-escaped', 'x%00y', 'x%00y'],
      ['nul-form-byte', 'x\u0000y', 'x\uFFFDy'],
    ]) {
      const res = await post(
        `Type=Failed&SecretKey=${SECRET}&MessageId=${id}&Address=a%40example.com&Reason=${reason}`,
        FORM,
      );
      expect(res.statusCode).toBe(200);
      const row = await settled(id);
      expect(row).toMatchObject({ state: 'processed', reason: 'x\uFFFDy' });
      expect(row.raw).toBe(`Type=Failed&MessageId=${id}&Address=a%40example.com&Reason=${stored}`);
    }
  });

  it('a NUL in a key, in JSON and in form bodies: the field kept in extra under the key with U+FFFD', async () => {
    expect((await post(jsonBody('nul-key-json', '"Odd\\u0000Key":"v"'))).statusCode).toBe(200);
    expect((await settled('nul-key-json')).extra).toEqual({ 'Odd\uFFFDKey': 'v' });
    expect((await post(`Type=Queued&SecretKey=${SECRET}&MessageId=nul-key-form&Odd%00Key=v`, FORM)).statusCode).toBe(
      200,
    );
    expect((await settled('nul-key-form')).extra).toEqual({ 'Odd\uFFFDKey': 'v' });
  });

  it('unpaired surrogate escapes, alone and in Data.Meta / Tags: 200, processed, U+FFFD', async () => {
    const res = await post(
      jsonBody(
        'surrogate',
        '"Reason":"\\ud800","Data":{"Meta":[{"Key":"\\udc00k","Value":"v\\ud83d"}],"Tags":["\\ud800"]}',
      ),
    );
    expect(res.statusCode).toBe(200);
    const row = await settled('surrogate');
    expect(row).toMatchObject({ state: 'processed', reason: '\uFFFD' });
    const [typed] = await t.dataSource.query('SELECT meta, tags FROM email_events WHERE id = $1', [row.id]);
    expect(typed).toEqual({ meta: [{ key: '\uFFFDk', value: 'v\uFFFD' }], tags: ['\uFFFD'] });
    expect(row.raw).toContain('"Reason":"\\ud800"');
  });

  it(`nesting: ${MAX_JSON_DEPTH} levels are stored, one more is a 400 that says so, 5,000 too`, async () => {
    const deep = (levels: number, id: string) =>
      jsonBody(id, `"Deep":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}`);
    expect((await post(deep(MAX_JSON_DEPTH, 'deep-ok'))).statusCode).toBe(200);
    expect((await settled('deep-ok')).state).toBe('processed');
    for (const levels of [MAX_JSON_DEPTH + 1, 5000]) {
      const res = await post(deep(levels, `deep-${levels}`));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        code: 'NESTING_TOO_DEEP',
        message: expect.stringContaining(String(MAX_JSON_DEPTH)),
      });
    }
    expect(await t.dataSource.query(`SELECT id FROM email_events WHERE raw LIKE '%deep-5000%'`)).toEqual([]);
  });

  it.each(['__proto__', 'constructor', 'prototype'])(
    'a key named %s is plain data: in raw, in extra, processed at once',
    async (name) => {
      const id = `proto-${name}`;
      const res = await post(jsonBody(id, `"${name}":{"polluted":"yes"},"Data":{"${name}":1}`));
      expect(res.statusCode).toBe(200);
      const row = await settled(id);
      expect(row.state).toBe('processed');
      expect(row.raw).toContain(`"${name}":{"polluted":"yes"}`);
      expect(Object.keys(row.extra!).sort()).toEqual([name, 'Data'].sort());
      expect(row.extra![name]).toEqual({ polluted: 'yes' });

      const detail = (await t.request({ method: 'GET', url: `/api/v1/events/${row.id}` })).json();
      expect(Object.keys(detail.raw)).toContain(name);
      expect(Object.keys(detail.extra)).toContain(name);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it('well-formed requests sent beside bad ones are all answered 200 and stored', async () => {
    const bad = [
      jsonBody('mix-nul', '"Reason":"\\u0000"'),
      jsonBody('mix-surrogate', '"Reason":"\\udfff"'),
      jsonBody('mix-deep', `"D":${'['.repeat(5000)}${']'.repeat(5000)}`),
      '{"Type":',
    ];
    const good = Array.from({ length: 20 }, (_, i) =>
      JSON.stringify({ ...queuedEvent({ MessageId: `mix-good-${i}` }), SecretKey: SECRET }),
    );
    const answers = await Promise.all(
      [
        ...good,
        ...bad,
        ...good.map((_, i) => JSON.stringify({ ...failedEvent({ MessageId: `mix-good-f${i}` }), SecretKey: SECRET })),
      ].map((b) => post(b)),
    );
    const byBody = answers.map((a) => a.statusCode);
    expect(byBody.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(byBody.slice(24).every((s) => s === 200)).toBe(true);
    expect(byBody.slice(20, 24)).toEqual([200, 200, 400, 400]);
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM email_events WHERE raw LIKE '%mix-good-%'`,
    );
    expect(n).toBe(40);
  });
});
