import fc from 'fast-check';
import { pgValue } from '../../core/database/pg-text';
import { fuzzParameters, formBody, jsonBody, withInvalidUtf8 } from '../../../test/fuzz/webhook-bodies';
import { normalizeEvent } from '../normalizing/event-normalizer';
import { dedupeKey } from './dedupe-key';
import { parseStoredEvent, parseWebhookBody, ReceivedEvent, WebhookRefusal } from './webhook-body.parser';

const SECRET = 'fuzz-secret-Zq81';

/** Every string in `value`, keys included. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      strings(v, out);
    }
  }
  return out;
}

const storable = (s: string) => !s.includes('\u0000') && (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/** The body's events, or null when the parser refused it (always a 400). */
function parse(body: Buffer, format: 'json' | 'form'): ReceivedEvent[] | null {
  try {
    return parseWebhookBody(body, format);
  } catch (err) {
    expect(err).toBeInstanceOf(WebhookRefusal);
    expect((err as WebhookRefusal).status).toBe(400);
    return null;
  }
}

/** Properties of the parser and the normalizer over random bodies (seeded: FUZZ_SEED / FUZZ_RUNS, npm run fuzz). */
describe('webhook bodies (property-based)', () => {
  // Bytes, as the receiver reads them off the socket.
  const bodies = fc.oneof(
    jsonBody(SECRET).map((b) => [Buffer.from(b), 'json'] as const),
    formBody(SECRET).map((b) => [Buffer.from(b), 'form'] as const),
    jsonBody(SECRET)
      .chain(withInvalidUtf8)
      .map((b) => [b, 'json'] as const),
  );

  it('the parser refuses with a 400 or returns events whose stored text parses back to the same fields, the same identity, no SecretKey', () => {
    fc.assert(
      fc.property(bodies, ([body, format]) => {
        const events = parse(body, format);
        if (!events) return;
        for (const { fields, raw } of events) {
          expect(storable(raw)).toBe(true);
          const stored = parseStoredEvent(raw, format);
          expect(Object.keys(stored).some((k) => k.toLowerCase() === 'secretkey')).toBe(false);
          const withoutSecret = Object.fromEntries(
            Object.entries(fields).filter(([k]) => k.toLowerCase() !== 'secretkey'),
          );
          if (format === 'form' && body.includes(0)) {
            // A raw NUL byte (no valid form encoding) is stored as U+FFFD: the same once made storable.
            expect(pgValue(stored)).toEqual(pgValue(withoutSecret));
            continue;
          }
          expect(Object.keys(stored)).toEqual(Object.keys(withoutSecret));
          for (const k of Object.keys(withoutSecret)) expect(stored[k]).toEqual(fields[k]);
          expect(dedupeKey(stored)).toBe(dedupeKey(fields));
        }
      }),
      fuzzParameters(2000),
    );
  });

  it('the normalizer never throws, and everything it returns PostgreSQL can store', () => {
    fc.assert(
      fc.property(bodies, ([body, format]) => {
        for (const { raw } of parse(body, format) ?? []) {
          const normalized = normalizeEvent(parseStoredEvent(raw, format));
          for (const s of strings(normalized)) expect(storable(s)).toBe(true);
          expect(strings(normalized).join('')).not.toContain(SECRET);
        }
      }),
      fuzzParameters(2000),
    );
  });
});
