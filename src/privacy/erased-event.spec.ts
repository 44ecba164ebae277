import { NO_DATE } from '../events/entities/email-event.entity';
import { normalizedRow } from '../webhooks/normalizing/event-columns';
import { normalizeEvent } from '../webhooks/normalizing/event-normalizer';
import { parseStoredEvent } from '../webhooks/receiver/webhook-body.parser';
import { EVENT_FIXTURES, formBody, toFormFields } from '../../test/fixtures/socketlabs-events';
import { ERASED_MARK, ErasableEvent, erasedEvent, plainPartOf, rawEventIsAbout } from './erased-event';

const PERSON = 'jane.doe@example.com';

/** The row of an event as the receiver stores it and the erasure reads it (ERASABLE_COLUMNS). */
function storedRow(fields: Record<string, unknown>, format: 'json' | 'form' = 'json'): ErasableEvent {
  const columns = normalizedRow(normalizeEvent(fields));
  const occurredAt = String(columns.occurred_at);
  return {
    ...columns,
    id: '7',
    occurred_at: occurredAt,
    date_time: occurredAt === NO_DATE ? null : occurredAt,
    type: (columns.type as string | undefined) ?? null,
    address: (columns.address as string | undefined) ?? null,
    message_id: (columns.message_id as string | undefined) ?? null,
    tracking_type: (columns.tracking_type as string | undefined) ?? null,
    raw: null,
    format,
  };
}

/** The fields that say who the event is about or what they did; none may survive an erasure. */
const PERSONAL = [
  'address',
  'from_address',
  'subject',
  'message_id',
  'reason',
  'response',
  'remote_mta',
  'diagnostic_code',
  'user_agent',
  'client_ip',
  'url',
  'tag',
  'fbl_from',
  'fbl_to',
  'meta',
  'tags',
];

describe('erasedEvent', () => {
  const cases = Object.entries(EVENT_FIXTURES).flatMap(([name, make]) => [
    [
      `${name} (JSON)`,
      make({ Address: ' Jane.Doe@Example.COM ', Data: { Meta: [{ Key: 'owner', Value: PERSON }], Tags: [PERSON] } }),
    ],
    [`${name} (form)`, parseStoredEvent(formBody(toFormFields(make({ Address: PERSON }))), 'form')],
  ]) as [string, Record<string, unknown>][];

  it.each(cases)(
    '%s: keeps the counter key, drops everything personal, and normalizes back to itself',
    (_name, fields) => {
      const row = storedRow(fields);
      expect(row.address).toBe(PERSON);
      const erased = erasedEvent(row);

      expect(erased.raw.toLowerCase()).not.toContain('jane');
      expect(JSON.stringify(erased.columns).toLowerCase()).not.toContain('jane');
      for (const column of PERSONAL) expect(erased.columns[column] ?? null).toBeNull();
      expect(JSON.parse(erased.raw)).toMatchObject({ [ERASED_MARK]: true });
      expect(erased.columns.extra).toEqual({ [ERASED_MARK]: true });

      // The statistics' key (type, tracking type, occurred_at) does not move, nor does the partition key.
      expect(erased.occurred_at).toBe(row.occurred_at);
      expect(erased.columns.type).toBe(row.type);
      expect(erased.columns.tracking_type ?? null).toBe(row.tracking_type);
      expect(erased.columns.known_type).toBe(true);

      // A replay normalizes the kept text again: the same row.
      const again = normalizedRow(normalizeEvent(parseStoredEvent(erased.raw, 'json')));
      expect(again.occurred_at).toBe(row.occurred_at);
      const { occurred_at: _o, ...rest } = again;
      expect(rest).toEqual(Object.fromEntries(Object.entries(erased.columns).filter(([, v]) => v !== null)));

      // What describes the sending stays.
      for (const column of [
        'server_id',
        'subaccount_id',
        'ip_pool_id',
        'mailing_id',
        'failure_type',
        'failure_code',
        'bounce_status',
        'deferral_code',
        'fbl_type',
      ]) {
        expect(erased.columns[column] ?? null).toEqual(row[column] ?? null);
      }
    },
  );

  it('keeps an unknown type as stored, and an event without a date at -infinity', () => {
    const row = storedRow({ Type: ' Bounced-Later ', Address: PERSON });
    expect(row).toMatchObject({ type: 'bounced-later', occurred_at: NO_DATE, date_time: null });
    const erased = erasedEvent(row);
    expect(erased.columns).toMatchObject({ type: 'bounced-later', known_type: false });
    expect(normalizedRow(normalizeEvent(parseStoredEvent(erased.raw, 'json')))).toMatchObject({
      type: 'bounced-later',
      occurred_at: NO_DATE,
    });
    expect(erasedEvent(storedRow({ Address: PERSON })).columns).toMatchObject({ type: null, known_type: false });
  });

  it("gives every erased event a dedupe key of its own, random, of a real key's size", () => {
    const row = storedRow(EVENT_FIXTURES.Delivered());
    const keys = new Set(Array.from({ length: 50 }, () => erasedEvent(row).dedupe_key));
    expect(keys.size).toBe(50);
    for (const k of keys) expect(k).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('rawEventIsAbout', () => {
  const address = 'ann+news@example.com';

  it('reads the Address of a stored JSON or form event, in any case and encoding', () => {
    expect(
      rawEventIsAbout(JSON.stringify({ Type: 'Delivered', Address: 'ANN+News@Example.com' }), 'json', address),
    ).toBe(true);
    expect(
      rawEventIsAbout(
        new URLSearchParams({ Type: 'Delivered', address: 'Ann+news@example.com' }).toString(),
        'form',
        address,
      ),
    ).toBe(true);
    expect(rawEventIsAbout('Type=Delivered&Address=ann%2bnews%40EXAMPLE.com', 'form', address)).toBe(true);
  });

  it('is not about the address when another one is the recipient, even if the text mentions it', () => {
    expect(
      rawEventIsAbout(
        JSON.stringify({ Type: 'Delivered', Address: 'bob@example.com', Data: { Meta: { cc: address } } }),
        'json',
        address,
      ),
    ).toBe(false);
  });

  it('falls back on the text itself, decoded, when it cannot be read as an event', () => {
    expect(rawEventIsAbout('{"Type":"Delivered","Address":"ANN+NEWS@example.com"', 'json', address)).toBe(true);
    expect(rawEventIsAbout('[1,2', 'json', address)).toBe(false);
  });

  it('narrows with a piece of the address that no encoding changes', () => {
    expect(plainPartOf('ann+news@example.com')).toBe('example');
    expect(plainPartOf('jo.d@x.io')).toBe('jo');
  });
});
