import { deliveredEvent, formBody, legacyFormDelivered, toFormFields } from '../../../test/fixtures/socketlabs-events';
import { MAX_JSON_DEPTH } from './json-text';
import {
  bodyFormatOf,
  eventTypeOf,
  isValidationType,
  parseStoredEvent,
  parseWebhookBody,
  WebhookRefusal,
} from './webhook-body.parser';

/** The parsed fields of each event of a body. */
const fieldsOf = (body: Buffer | string, format: 'json' | 'form') =>
  parseWebhookBody(body, format).map((e) => e.fields);
/** The text stored for each event of a body. */
const rawOf = (body: Buffer | string, format: 'json' | 'form') => parseWebhookBody(body, format).map((e) => e.raw);

function reason(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof WebhookRefusal) return `${err.status} ${err.reason}`;
    throw err;
  }
  return undefined;
}

describe('bodyFormatOf', () => {
  it.each([
    ['application/json', 'json'],
    ['application/json; charset=utf-8', 'json'],
    ['Application/JSON', 'json'],
    ['application/vnd.socketlabs+json', 'json'],
    ['application/x-www-form-urlencoded', 'form'],
    ['application/x-www-form-urlencoded; charset=UTF-8', 'form'],
    ['text/plain', null],
    ['multipart/form-data; boundary=x', null],
    [undefined, null],
  ])('%s -> %s', (contentType, format) => {
    expect(bodyFormatOf(contentType)).toBe(format);
  });
});

describe('parseWebhookBody (JSON)', () => {
  it('parses one event object', () => {
    const event = { ...deliveredEvent(), SecretKey: 'k' };
    expect(fieldsOf(Buffer.from(JSON.stringify(event)), 'json')).toEqual([event]);
  });

  it('parses an array as several events', () => {
    const events = [deliveredEvent({ MessageId: 'a' }), deliveredEvent({ MessageId: 'b' })];
    expect(fieldsOf(JSON.stringify(events), 'json')).toEqual(events);
  });

  it('unwraps the {"data": {...}} envelope of perform-test output, and only when the root has no Type', () => {
    const inner = { ...deliveredEvent(), SecretKey: 'k' };
    expect(fieldsOf(JSON.stringify({ data: inner }), 'json')).toEqual([inner]);
    expect(fieldsOf(JSON.stringify({ Data: inner }), 'json')).toEqual([inner]);
    // A real event has Type and a Data object of its own (Meta/Tags): never unwrapped.
    const real = { ...deliveredEvent(), SecretKey: 'k' };
    expect(fieldsOf(JSON.stringify(real), 'json')).toEqual([real]);
    // No Type but a SecretKey at the root: it is the event (stored with type null), not an envelope.
    expect(fieldsOf(JSON.stringify({ SecretKey: 'k', Data: { Meta: [] } }), 'json')).toEqual([
      { SecretKey: 'k', Data: { Meta: [] } },
    ]);
  });

  it('accepts a UTF-8 byte order mark', () => {
    expect(fieldsOf(Buffer.from('\uFEFF{"Type":"Queued"}'), 'json')).toEqual([{ Type: 'Queued' }]);
  });

  it('keeps a field named __proto__ as data', () => {
    const [{ fields: event }] = parseWebhookBody('{"Type":"Queued","__proto__":{"x":1}}', 'json');
    expect(Object.getPrototypeOf(event)).toBe(Object.prototype);
    expect(Object.keys(event)).toEqual(['Type', '__proto__']);
  });

  it.each([
    ['', '400 empty_body'],
    ['   \r\n', '400 empty_body'],
    ['[]', '400 empty_body'],
    ['{"Type": "Delivered",', '400 unparseable_body'],
    ['incorrect', '400 unparseable_body'],
    ['"a string"', '400 unparseable_body'],
    ['42', '400 unparseable_body'],
    ['null', '400 unparseable_body'],
    ['[{"Type":"Queued"}, 3]', '400 unparseable_body'],
  ])('refuses %j with %s', (body, expected) => {
    expect(reason(() => parseWebhookBody(body, 'json'))).toBe(expected);
  });
});

describe('parseWebhookBody (form)', () => {
  it('has URLSearchParams semantics: strings, empty values, + and %20 as spaces, CRLF kept', () => {
    const body =
      'Type=Delivered&MailingId=&Response=250+2.6.0%20Message+received%0D%0A&ServerId=1000&SecretKey=abc%2B1';
    expect(fieldsOf(Buffer.from(body), 'form')).toEqual([
      {
        Type: 'Delivered',
        MailingId: '',
        Response: '250 2.6.0 Message received\r\n',
        ServerId: '1000',
        SecretKey: 'abc+1',
      },
    ]);
  });

  it('round-trips the legacy fixtures', () => {
    const fields = { ...legacyFormDelivered(), SecretKey: 's' };
    expect(fieldsOf(formBody(fields), 'form')).toEqual([fields]);
    const converted = toFormFields(deliveredEvent());
    expect(fieldsOf(formBody(converted), 'form')).toEqual([converted]);
  });

  it('keeps every value of a repeated field, as an array', () => {
    expect(fieldsOf('SecretKey=a&Type=Queued&SecretKey=b', 'form')).toEqual([
      { SecretKey: ['a', 'b'], Type: 'Queued' },
    ]);
  });

  it('refuses an empty form body', () => {
    expect(reason(() => parseWebhookBody(Buffer.alloc(0), 'form'))).toBe('400 empty_body');
  });
});

describe('field helpers', () => {
  it('finds fields whatever their case', () => {
    expect(eventTypeOf({ type: 'Tracking' })).toBe('Tracking');
    expect(eventTypeOf({ TYPE: 'Bo\u0000gus' })).toBe('Bo\uFFFDgus');
    expect(eventTypeOf({ Type: '\ud800Queued' })).toBe('\uFFFDQueued');
    expect(eventTypeOf({ Address: 'x' })).toBeNull();
  });

  it('recognises Validation in any case', () => {
    expect(isValidationType(eventTypeOf({ Type: 'Validation' }))).toBe(true);
    expect(isValidationType(eventTypeOf({ type: 'VALIDATION' }))).toBe(true);
    expect(isValidationType(eventTypeOf({ Type: 'Validated' }))).toBe(false);
    expect(isValidationType(eventTypeOf({}))).toBe(false);
  });
});

describe('the text stored for each event (raw)', () => {
  it('is the JSON as sent, byte for byte, without the SecretKey members', () => {
    const body =
      '{ "Type" : "Delivered",\n  "SecretKey":"k", "ServerId": 1.0, "Big": 12345678901234567890,\n  "Reason":"a","Reason":"b" }';
    expect(rawOf(body, 'json')).toEqual([
      '{ "Type" : "Delivered",\n  "ServerId": 1.0, "Big": 12345678901234567890,\n  "Reason":"a","Reason":"b" }',
    ]);
  });

  it.each([
    ['{"SecretKey":"k","Type":"Queued"}', '{"Type":"Queued"}'],
    ['{"Type":"Queued","SecretKey":"k"}', '{"Type":"Queued"}'],
    ['{"Type":"Queued", "secretkey":"a", "X":1, "SECRETKEY":"b"}', '{"Type":"Queued", "X":1}'],
    ['{"SecretKey":"k"}', '{}'],
    ['{"Secret\\u004bey":"k","Type":"Queued"}', '{"Type":"Queued"}'],
    ['{"Type":"Queued","Data":{"SecretKey":"nested"}}', '{"Type":"Queued","Data":{"SecretKey":"nested"}}'],
  ])('%s -> %s', (body, raw) => {
    expect(rawOf(body, 'json')).toEqual([raw]);
    expect(JSON.parse(raw)).toEqual(
      Object.fromEntries(Object.entries(JSON.parse(body)).filter(([k]) => k.toLowerCase() !== 'secretkey')),
    );
  });

  it('is the text of each item of an array, and of the inner object of a {"data": {...}} envelope', () => {
    expect(rawOf('[ {"Type":"Queued","SecretKey":"k"} ,{"Type":"Failed", "SecretKey":"k"}]', 'json')).toEqual([
      '{"Type":"Queued"}',
      '{"Type":"Failed"}',
    ]);
    expect(rawOf('{"data": { "Type":"Queued", "SecretKey":"k" }}', 'json')).toEqual(['{ "Type":"Queued" }']);
    expect(rawOf('\uFEFF{"Type":"Queued"}', 'json')).toEqual(['{"Type":"Queued"}']);
  });

  it('keeps escapes PostgreSQL could not hold decoded (NUL, lone surrogates) as the six characters sent', () => {
    const body = '{"Type":"Failed","Reason":"x\\u0000y","Other":"\\ud800","SecretKey":"k"}';
    const [raw] = rawOf(body, 'json');
    expect(raw).toBe('{"Type":"Failed","Reason":"x\\u0000y","Other":"\\ud800"}');
    expect(raw).not.toContain('\u0000');
  });

  it('is the form body as sent, without the SecretKey pairs, a raw NUL byte as U+FFFD', () => {
    expect(rawOf('Type=Delivered&SecretKey=abc&Reason=a+b%20c&Secret%4Bey=x&secretkey=y&Empty=', 'form')).toEqual([
      'Type=Delivered&Reason=a+b%20c&Empty=',
    ]);
    expect(rawOf('Type=Queued&Reason=x\u0000y', 'form')).toEqual(['Type=Queued&Reason=x\uFFFDy']);
    expect(rawOf('Type=Queued&Reason=x%00y', 'form')).toEqual(['Type=Queued&Reason=x%00y']);
  });

  it('parses back (parseStoredEvent) into the fields the receiver saw, minus the SecretKey', () => {
    for (const [body, format] of [
      ['{"Type":"Queued","SecretKey":"k","__proto__":{"a":1},"Data":{"data":{"Type":"x"}}}', 'json'],
      ['{"data":{"Type":"Queued","N":1.5}}', 'json'],
      ['Type=Queued&SecretKey=k&Reason=a%00b&__proto__=x&__proto__=y', 'form'],
    ] as const) {
      const [{ fields, raw }] = parseWebhookBody(body, format);
      const { SecretKey: _secret, ...rest } = fields as Record<string, unknown>;
      const expected = Object.keys(rest).length === Object.keys(fields).length - 1 ? rest : fields;
      const stored = parseStoredEvent(raw, format);
      expect(Object.keys(stored)).toEqual(Object.keys(expected).filter((k) => k !== 'SecretKey'));
      expect(JSON.stringify(stored)).toBe(JSON.stringify(fields).replace(/"SecretKey":"k",?/, ''));
    }
  });
});

describe('nesting limit', () => {
  const nested = (levels: number) => `{"Type":"Queued","X":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;

  it(`accepts ${MAX_JSON_DEPTH} levels and refuses one more with 400 nesting_too_deep`, () => {
    expect(fieldsOf(nested(MAX_JSON_DEPTH), 'json')).toHaveLength(1);
    expect(reason(() => parseWebhookBody(nested(MAX_JSON_DEPTH + 1), 'json'))).toBe('400 nesting_too_deep');
  });

  it('refuses a million levels at once, without exhausting the stack', () => {
    expect(reason(() => parseWebhookBody('['.repeat(1_000_000), 'json'))).toBe('400 nesting_too_deep');
    expect(reason(() => parseWebhookBody(`{"a":${'{"a":'.repeat(5000)}1${'}'.repeat(5001)}`, 'json'))).toBe(
      '400 nesting_too_deep',
    );
  });

  it('does not count brackets inside strings', () => {
    expect(fieldsOf(`{"Type":"Queued","Reason":"${'['.repeat(1000)}"}`, 'json')).toHaveLength(1);
  });
});

describe('prototype keys are plain data', () => {
  it.each(['__proto__', 'constructor', 'prototype'])('%s in JSON and in form bodies', (name) => {
    const [{ fields: json }] = parseWebhookBody(`{"Type":"Queued","${name}":{"polluted":true}}`, 'json');
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype);
    expect(Object.keys(json)).toEqual(['Type', name]);
    const [{ fields: form }] = parseWebhookBody(`Type=Queued&${name}=a&${name}=b`, 'form');
    expect(Object.getPrototypeOf(form)).toBe(Object.prototype);
    expect(Object.keys(form)).toEqual(['Type', name]);
    expect(form[name]).toEqual(['a', 'b']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
