import fc from 'fast-check';
import { dedupeKey } from '../../src/webhooks/receiver/dedupe-key';
import { eventTypeOf, isValidationType, parseWebhookBody } from '../../src/webhooks/receiver/webhook-body.parser';
import { deliveredEvent } from '../fixtures/socketlabs-events';
import { formBody, fuzzParameters, jsonBody, withInvalidUtf8 } from '../fuzz/webhook-bodies';
import { createTestApp, TestApp, waitFor } from '../utils/test-app';

const SECRET = 'fuzz-receiver-secret-3Wd7';
const ANSWERS = [200, 400, 401, 413, 415];

/**
 * Random bodies against the real receiver, PostgreSQL and the workers of a ROLE=all app (seeded: FUZZ_SEED and
 * FUZZ_RUNS; `npm run fuzz` runs many more). Each case posts one random body beside one well-formed event.
 */
describe('Webhook receiver under random bodies (property-based, e2e)', () => {
  let t: TestApp;
  /** Dedupe keys of every event acknowledged as stored or duplicate. */
  const acknowledged = new Set<string>();
  let n = 0;

  beforeAll(async () => {
    t = await createTestApp({ ROLE: 'all', WEBHOOK_SECRET_KEY: SECRET, WEBHOOK_BODY_LIMIT: String(256 * 1024) });
  });

  afterAll(async () => {
    await t?.close();
  });

  const post = (payload: string | Buffer, contentType: string) =>
    t.app.inject({ method: 'POST', url: '/webhooks/socketlabs', headers: { 'content-type': contentType }, payload });

  const cases = fc.oneof(
    jsonBody(SECRET).map((b) => [b, 'application/json'] as const),
    formBody(SECRET).map((b) => [b, 'application/x-www-form-urlencoded'] as const),
    jsonBody(SECRET)
      .chain(withInvalidUtf8)
      .map((b) => [b, 'application/json; charset=utf-8'] as const),
    fc.tuple(fc.string({ maxLength: 40 }), fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data')),
  );

  it('answers only 200/400/401/413/415, never refuses a good neighbour, and every 200 is stored and processed', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async ([body, contentType]) => {
        const good = JSON.stringify({ ...deliveredEvent({ MessageId: `fuzz-good-${n++}` }), SecretKey: SECRET });
        const [res, neighbour] = await Promise.all([post(body, contentType), post(good, 'application/json')]);
        expect(ANSWERS).toContain(res.statusCode);
        expect(neighbour.statusCode).toBe(200);
        for (const [answer, sent, format] of [
          [res, body, contentType.includes('json') ? 'json' : 'form'],
          [neighbour, good, 'json'],
        ] as const) {
          if (answer.statusCode !== 200) continue;
          const ack = answer.json();
          expect(ack.stored + ack.duplicates + ack.validations).toBe(ack.received);
          for (const { fields } of parseWebhookBody(typeof sent === 'string' ? Buffer.from(sent) : sent, format)) {
            if (!isValidationType(eventTypeOf(fields))) acknowledged.add(dedupeKey(fields));
          }
        }
      }),
      fuzzParameters(1000),
    );

    // Every acknowledged event is in the database, processed, and no stored text holds the secret.
    const keys = [...acknowledged];
    expect(keys.length).toBeGreaterThanOrEqual(n);
    await waitFor(
      async () =>
        (await t.dataSource.query(`SELECT count(*)::int AS n FROM event_backlog WHERE state = 'pending'`))[0].n === 0,
      60_000,
      'every stored event processed',
    );
    const rows: { state: string; n: number }[] = await t.dataSource.query(
      `SELECT coalesce(b.state, 'processed') AS state, count(*)::int AS n
       FROM email_events e LEFT JOIN event_backlog b ON b.event_id = e.id
       WHERE encode(e.dedupe_key, 'hex') = ANY($1) GROUP BY 1`,
      [keys],
    );
    expect(rows).toEqual([{ state: 'processed', n: keys.length }]);
    const [{ leaked }] = await t.dataSource.query(
      `SELECT count(*)::int AS leaked FROM email_events WHERE raw LIKE $1`,
      [`%${SECRET}%`],
    );
    expect(leaked).toBe(0);
  });
});
