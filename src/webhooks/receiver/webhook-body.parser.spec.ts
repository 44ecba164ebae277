import { deliveredEvent, formBody, legacyFormDelivered, toFormFields } from '../../../test/fixtures/socketlabs-events';
import { bodyFormatOf, eventTypeOf, fieldValues, isValidationType, parseWebhookBody, WebhookRefusal } from './webhook-body.parser';

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
    expect(parseWebhookBody(Buffer.from(JSON.stringify(event)), 'json')).toEqual([event]);
  });

  it('parses an array as several events', () => {
    const events = [deliveredEvent({ MessageId: 'a' }), deliveredEvent({ MessageId: 'b' })];
    expect(parseWebhookBody(JSON.stringify(events), 'json')).toEqual(events);
  });

  it('unwraps the {"data": {...}} envelope of perform-test output, and only when the root has no Type', () => {
    const inner = { ...deliveredEvent(), SecretKey: 'k' };
    expect(parseWebhookBody(JSON.stringify({ data: inner }), 'json')).toEqual([inner]);
    expect(parseWebhookBody(JSON.stringify({ Data: inner }), 'json')).toEqual([inner]);
    // A real event has Type and a Data object of its own (Meta/Tags): never unwrapped.
    const real = { ...deliveredEvent(), SecretKey: 'k' };
    expect(parseWebhookBody(JSON.stringify(real), 'json')).toEqual([real]);
    // No Type but a SecretKey at the root: it is the event (stored with type null), not an envelope.
    expect(parseWebhookBody(JSON.stringify({ SecretKey: 'k', Data: { Meta: [] } }), 'json')).toEqual([{ SecretKey: 'k', Data: { Meta: [] } }]);
  });

  it('accepts a UTF-8 byte order mark', () => {
    expect(parseWebhookBody(Buffer.from('\uFEFF{"Type":"Queued"}'), 'json')).toEqual([{ Type: 'Queued' }]);
  });

  it('keeps a field named __proto__ as data', () => {
    const [event] = parseWebhookBody('{"Type":"Queued","__proto__":{"x":1}}', 'json');
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
    const body = 'Type=Delivered&MailingId=&Response=250+2.6.0%20Message+received%0D%0A&ServerId=1000&SecretKey=abc%2B1';
    expect(parseWebhookBody(Buffer.from(body), 'form')).toEqual([
      { Type: 'Delivered', MailingId: '', Response: '250 2.6.0 Message received\r\n', ServerId: '1000', SecretKey: 'abc+1' },
    ]);
  });

  it('round-trips the legacy fixtures', () => {
    const fields = { ...legacyFormDelivered(), SecretKey: 's' };
    expect(parseWebhookBody(formBody(fields), 'form')).toEqual([fields]);
    const converted = toFormFields(deliveredEvent());
    expect(parseWebhookBody(formBody(converted), 'form')).toEqual([converted]);
  });

  it('keeps every value of a repeated field, as an array', () => {
    expect(parseWebhookBody('SecretKey=a&Type=Queued&SecretKey=b', 'form')).toEqual([{ SecretKey: ['a', 'b'], Type: 'Queued' }]);
  });

  it('refuses an empty form body', () => {
    expect(reason(() => parseWebhookBody(Buffer.alloc(0), 'form'))).toBe('400 empty_body');
  });
});

describe('field helpers', () => {
  it('finds fields whatever their case', () => {
    expect(fieldValues({ ServerID: 1, serverId: '2', Other: 3 }, 'serverid')).toEqual([1, '2']);
    expect(eventTypeOf({ type: 'Tracking' })).toBe('Tracking');
    expect(eventTypeOf({ TYPE: 'Bo\u0000gus' })).toBe('Bogus');
    expect(eventTypeOf({ Address: 'x' })).toBeNull();
  });

  it('recognises Validation in any case', () => {
    expect(isValidationType(eventTypeOf({ Type: 'Validation' }))).toBe(true);
    expect(isValidationType(eventTypeOf({ type: 'VALIDATION' }))).toBe(true);
    expect(isValidationType(eventTypeOf({ Type: 'Validated' }))).toBe(false);
    expect(isValidationType(eventTypeOf({}))).toBe(false);
  });
});
