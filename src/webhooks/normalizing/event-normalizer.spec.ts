import {
  EVENT_FIXTURES,
  legacyFormComplaint,
  legacyFormDelivered,
  legacyFormFailed,
  toFormFields,
} from '../../../test/fixtures/socketlabs-events';
import { normalizeEvent, parseEventDate, readMeta, readTags } from './event-normalizer';
import { parseStoredEvent, parseWebhookBody } from '../receiver/webhook-body.parser';

const ISO_7 = '2023-06-12T10:04:56.3694682Z';
const ISO_7_NORMALIZED = '2023-06-12T10:04:56.369468Z';

describe('normalizeEvent: every event type, as SocketLabs sends it in JSON', () => {
  it('Queued', () => {
    const e = normalizeEvent({
      Type: 'Queued',
      DateTime: ISO_7,
      ServerId: 12345,
      SubaccountId: 678,
      Address: 'Recipient@Example.COM',
      FromAddress: 'sender@example.com',
      Subject: 'Hello',
      MailingId: 'mailing-1',
      MessageId: 'message-1',
      MessageSize: 2048,
      Data: { Meta: [{ Key: 'x-customer', Value: '42' }], Tags: ['welcome', 'newsletter'] },
    });
    expect(e).toMatchObject({
      knownType: true,
      canonicalType: 'Queued',
      occurredAt: ISO_7_NORMALIZED,
      serverId: 12345,
      subaccountId: 678,
      ipPoolId: null,
      address: 'recipient@example.com',
      fromAddress: 'sender@example.com',
      subject: 'Hello',
      mailingId: 'mailing-1',
      messageId: 'message-1',
      messageSize: 2048,
      meta: [{ key: 'x-customer', value: '42' }],
      tags: ['welcome', 'newsletter'],
      extra: null,
    });
  });

  it('Deferred', () => {
    const e = normalizeEvent({
      Type: 'Deferred',
      DateTime: ISO_7,
      ServerId: 1,
      IpPoolId: 9,
      Address: 'a@b.c',
      FromAddress: 'f@b.c',
      DeferralCode: 3001,
      Reason: '452 4.2.2 Mailbox full',
      MessageId: 'm',
      MailingId: '',
    });
    expect(e).toMatchObject({
      canonicalType: 'Deferred',
      ipPoolId: 9,
      deferralCode: 3001,
      reason: '452 4.2.2 Mailbox full',
      mailingId: '',
    });
  });

  it('Delivered, keeping a CRLF at the end of Response', () => {
    const e = normalizeEvent({
      Type: 'Delivered',
      DateTime: ISO_7,
      ServerId: 1,
      Address: 'a@b.c',
      Response: '250 2.0.0 OK 1234\r\n',
      LocalIp: '10.50.176.1',
      RemoteMta: 'mx.example.com',
      MessageId: 'm',
    });
    expect(e).toMatchObject({
      canonicalType: 'Delivered',
      response: '250 2.0.0 OK 1234\r\n',
      localIp: '10.50.176.1',
      remoteMta: 'mx.example.com',
    });
  });

  it('Failed', () => {
    const e = normalizeEvent({
      Type: 'Failed',
      DateTime: ISO_7,
      ServerId: 1,
      Address: 'a@b.c',
      FromAddress: 'f@b.c',
      BounceStatus: '5.1.1',
      DiagnosticCode: 'smtp; 550 5.1.1 unknown user',
      FailureType: 'Permanent',
      FailureCode: 2001,
      Reason: '550 5.1.1 User unknown In response to the RCPT TO command.',
      RemoteMta: 'mx.example.com',
      MessageId: 'm',
    });
    expect(e).toMatchObject({
      canonicalType: 'Failed',
      bounceStatus: '5.1.1',
      diagnosticCode: 'smtp; 550 5.1.1 unknown user',
      failureType: 'Permanent',
      failureCode: 2001,
      reason: '550 5.1.1 User unknown In response to the RCPT TO command.',
    });
  });

  it.each([
    [0, 'Click'],
    [1, 'Open'],
    [2, 'Unsubscribe'],
  ])('Tracking with TrackingType %s -> %s', (code, name) => {
    const e = normalizeEvent({
      Type: 'Tracking',
      DateTime: ISO_7,
      Address: 'a@b.c',
      TrackingType: code,
      UserAgent: 'Mozilla/5.0',
      ClientIp: '203.0.113.9',
      Url: 'https://example.com/x',
      Tag: 'cta-1',
    });
    expect(e).toMatchObject({
      canonicalType: 'Tracking',
      trackingType: name,
      userAgent: 'Mozilla/5.0',
      clientIp: '203.0.113.9',
      url: 'https://example.com/x',
      tag: 'cta-1',
    });
  });

  it('Complaint: From and To become fblFrom and fblTo', () => {
    const e = normalizeEvent({
      Type: 'Complaint',
      DateTime: ISO_7,
      Address: 'a@b.c',
      FblType: 'abuse',
      UserAgent: 'Yahoo!-Mail-Feedback/1.0',
      From: 'staff@hotmail.com',
      To: 'fbl@email-od.com',
      Length: 1234,
    });
    expect(e).toMatchObject({
      canonicalType: 'Complaint',
      fblType: 'abuse',
      fblFrom: 'staff@hotmail.com',
      fblTo: 'fbl@email-od.com',
      length: 1234,
      extra: null,
    });
  });

  it('an unknown Type is kept visible: knownType false, its fields still read', () => {
    const e = normalizeEvent({ Type: 'Random', DateTime: ISO_7, Address: 'a@b.c', Foo: 'bar' });
    expect(e).toMatchObject({
      knownType: false,
      canonicalType: null,
      occurredAt: ISO_7_NORMALIZED,
      address: 'a@b.c',
      extra: { Foo: 'bar' },
    });
  });

  it('a missing or non-string Type is unknown', () => {
    expect(normalizeEvent({ Address: 'a@b.c' }).knownType).toBe(false);
    expect(normalizeEvent({ Type: 3 }).knownType).toBe(false);
    expect(normalizeEvent({ Type: null }).knownType).toBe(false);
  });

  it('canonicalises Type in any case and with spaces around', () => {
    for (const t of ['delivered', 'DELIVERED', ' Delivered ', 'dElIvErEd'])
      expect(normalizeEvent({ Type: t }).canonicalType).toBe('Delivered');
    for (const t of ['queued', 'deferred', 'failed', 'tracking', 'complaint'])
      expect(normalizeEvent({ Type: t }).knownType).toBe(true);
  });
});

describe('normalizeEvent: legacy form posts (every value a string)', () => {
  it('Failed with numbers as strings, FailureType 0, an RFC 1123 date and empty values', () => {
    const e = normalizeEvent({
      Type: 'Failed',
      DateTime: 'Tue, 14 Aug 2018 16:35:37 GMT',
      ServerId: '12345',
      Address: 'someone@example.com',
      MailingId: '',
      MessageId: 'abc',
      FailureCode: '4003',
      FailureType: '0',
      Reason: '500 5.4.0 System rule action set to fail connection.',
      RemoteMta: '',
      BounceStatus: '',
      DiagnosticCode: '',
      FromAddress: 'sender@example.com',
    });
    expect(e).toMatchObject({
      knownType: true,
      occurredAt: '2018-08-14T16:35:37.000000Z',
      serverId: 12345,
      failureCode: 4003,
      failureType: 'Temporary',
      mailingId: '',
      remoteMta: '',
      bounceStatus: '',
      extra: null,
    });
  });

  it.each([
    ['0', 'Temporary'],
    ['1', 'Permanent'],
    ['2', 'Suppressed'],
    [0, 'Temporary'],
    [1, 'Permanent'],
    [2, 'Suppressed'],
    ['permanent', 'Permanent'],
    ['TEMPORARY', 'Temporary'],
    ['Suppressed', 'Suppressed'],
  ])('FailureType %p -> %s', (value, expected) => {
    expect(normalizeEvent({ Type: 'Failed', FailureType: value }).failureType).toBe(expected);
  });

  it.each([
    ['0', 'Click'],
    ['1', 'Open'],
    ['2', 'Unsubscribe'],
    ['click', 'Click'],
    ['OPEN', 'Open'],
    ['Unsubscribe', 'Unsubscribe'],
  ])('TrackingType %p -> %s', (value, expected) => {
    expect(normalizeEvent({ Type: 'Tracking', TrackingType: value }).trackingType).toBe(expected);
  });

  it('empty strings are null for numbers, enums and dates, and are not kept as junk', () => {
    const e = normalizeEvent({
      Type: 'Failed',
      ServerId: '',
      FailureCode: '',
      FailureType: '',
      DateTime: '',
      SubaccountId: '  ',
    });
    expect(e).toMatchObject({
      serverId: null,
      failureCode: null,
      failureType: null,
      occurredAt: null,
      subaccountId: null,
      extra: null,
    });
  });

  it('Data as JSON text is parsed; absent or empty Data is fine', () => {
    const e = normalizeEvent({
      Type: 'Delivered',
      Data: JSON.stringify({ Meta: [{ Key: 'k', Value: 'v' }], Tags: ['t'] }),
    });
    expect(e).toMatchObject({ meta: [{ key: 'k', value: 'v' }], tags: ['t'] });
    expect(normalizeEvent({ Type: 'Delivered' })).toMatchObject({ meta: null, tags: null, extra: null });
    expect(normalizeEvent({ Type: 'Delivered', Data: '' })).toMatchObject({ meta: null, tags: null, extra: null });
  });

  it('Data that is not JSON is kept in extra as sent', () => {
    expect(normalizeEvent({ Type: 'Delivered', Data: 'not json' })).toMatchObject({
      meta: null,
      extra: { Data: 'not json' },
    });
  });

  it('a 2013-style Complaint with User-Agent, FROM and TO', () => {
    const e = normalizeEvent({
      Type: 'Complaint',
      DateTime: 'Mon, 01 Oct 2012 14:07:26 GMT',
      'User-Agent': 'Hotmail FBL',
      FROM: 'staff@hotmail.com',
      TO: 'fbl@email-od.com',
      Length: '250',
      FBLType: 'abuse',
      Address: 'x@y.z',
    });
    expect(e).toMatchObject({
      occurredAt: '2012-10-01T14:07:26.000000Z',
      userAgent: 'Hotmail FBL',
      fblFrom: 'staff@hotmail.com',
      fblTo: 'fbl@email-od.com',
      length: 250,
      fblType: 'abuse',
      extra: null,
    });
  });
});

describe('normalizeEvent: field names', () => {
  it('maps the documented aliases and casings (docs/socketlabs-wire-format.md 1.4)', () => {
    const e = normalizeEvent({
      type: 'delivered',
      DATETIME: ISO_7,
      ServerID: '1',
      SubaccountID: '2',
      IPPoolID: '3',
      LocalIP: '10.0.0.1',
      RemoteMTA: 'mx',
      ClientIP: '1.2.3.4',
      URL: 'https://u',
      MailingID: 'ml',
      MessageID: 'ms',
      FBLType: 'abuse',
      'User-Agent': 'ua',
      SubjectLine: 'subj',
      address: 'A@B.C',
    });
    expect(e).toMatchObject({
      canonicalType: 'Delivered',
      occurredAt: ISO_7_NORMALIZED,
      serverId: 1,
      subaccountId: 2,
      ipPoolId: 3,
      localIp: '10.0.0.1',
      remoteMta: 'mx',
      clientIp: '1.2.3.4',
      url: 'https://u',
      mailingId: 'ml',
      messageId: 'ms',
      fblType: 'abuse',
      userAgent: 'ua',
      subject: 'subj',
      address: 'a@b.c',
      extra: null,
    });
  });

  it('camelCase names work too', () => {
    expect(
      normalizeEvent({ type: 'Failed', failureType: 'Permanent', failureCode: 2001, messageId: 'm' }),
    ).toMatchObject({
      failureType: 'Permanent',
      failureCode: 2001,
      messageId: 'm',
    });
  });

  it('From and To on anything but a complaint stay in extra', () => {
    expect(normalizeEvent({ Type: 'Delivered', From: 'f', To: 't' })).toMatchObject({
      fblFrom: null,
      fblTo: null,
      extra: { From: 'f', To: 't' },
    });
  });

  it('the same field twice: the first usable spelling wins, the other is kept in extra', () => {
    const e = normalizeEvent({ Type: 'Queued', ServerId: '', ServerID: '7', Subject: 'a', SubjectLine: 'b' });
    expect(e.serverId).toBe(7);
    expect(e.subject).toBe('a');
    expect(e.extra).toEqual({ ServerId: '', SubjectLine: 'b' });
  });

  it('keeps undocumented fields by their name as sent, and never a SecretKey', () => {
    const e = normalizeEvent({
      Type: 'Delivered',
      SecretKey: 's3cr3t',
      secretkey: 'x',
      NewField: { a: 1 },
      Another: [1, 2],
    });
    expect(e.extra).toEqual({ NewField: { a: 1 }, Another: [1, 2] });
    expect(JSON.stringify(e)).not.toContain('s3cr3t');
  });

  it('reads what it is given: the {data: {...}} envelope is unwrapped by the receiver, once, before it', () => {
    const e = normalizeEvent({ data: { Type: 'Delivered', Address: 'a@b.c', ServerId: 1 } });
    expect(e).toMatchObject({
      canonicalType: null,
      address: null,
      serverId: null,
      extra: { data: { Type: 'Delivered', Address: 'a@b.c', ServerId: 1 } },
    });
  });

  it('reads the event of a v2 API {data: {...}} envelope: the receiver unwraps it before normalizing (and stores it unwrapped)', () => {
    const [received] = parseWebhookBody(
      JSON.stringify({ data: { Type: 'Delivered', Address: 'a@b.c', ServerId: 1 } }),
      'json',
    );
    expect(normalizeEvent(received.fields)).toMatchObject({
      canonicalType: 'Delivered',
      address: 'a@b.c',
      serverId: 1,
    });
    // What a worker normalizes again (a replay) is the stored text, the inner object.
    expect(normalizeEvent(parseStoredEvent(received.raw, 'json'))).toMatchObject({
      canonicalType: 'Delivered',
      address: 'a@b.c',
      serverId: 1,
    });
  });
});

describe('normalizeEvent: junk values', () => {
  it('an unreadable value leaves its column null and is kept in extra under its name as sent', () => {
    const e = normalizeEvent({
      Type: 'Failed',
      DateTime: 'yesterday',
      ServerId: 'abc',
      FailureCode: '12.5',
      FailureType: 'Sometimes',
      TrackingType: 7,
      MessageSize: 99999999999,
      Address: { not: 'a string' },
      Reason: ['x'],
    });
    expect(e).toMatchObject({
      occurredAt: null,
      serverId: null,
      failureCode: null,
      failureType: null,
      trackingType: null,
      messageSize: null,
      address: null,
      reason: null,
    });
    expect(e.extra).toEqual({
      DateTime: 'yesterday',
      ServerId: 'abc',
      FailureCode: '12.5',
      FailureType: 'Sometimes',
      TrackingType: 7,
      MessageSize: 99999999999,
      Address: { not: 'a string' },
      Reason: ['x'],
    });
  });

  it('numbers in text fields become text; booleans too', () => {
    expect(normalizeEvent({ Type: 'Queued', MessageId: 123, MailingId: true })).toMatchObject({
      messageId: '123',
      mailingId: 'true',
    });
  });

  it('accepts integers written with a sign, spaces or .0', () => {
    expect(normalizeEvent({ ServerId: ' 42 ', FailureCode: '2001.0', Length: '+5' })).toMatchObject({
      serverId: 42,
      failureCode: 2001,
      length: 5,
    });
  });

  it('replaces NUL characters and unpaired surrogates, which PostgreSQL text and jsonb cannot store, by U+FFFD', () => {
    const e = normalizeEvent({
      Type: 'Delivered',
      Response: '250 ok\u0000',
      Weird: 'a\u0000b',
      Data: { Tags: ['t\u0000', '\ud800'] },
      'K\udc00': 1,
    });
    expect(e).toMatchObject({
      response: '250 ok\uFFFD',
      tags: ['t\uFFFD', '\uFFFD'],
      extra: { Weird: 'a\uFFFDb', 'K\uFFFD': 1 },
    });
    // In nested keys too, and a field named __proto__ beside one stays data.
    const nested = normalizeEvent(
      JSON.parse('{"Type":"Delivered","Odd":{"k\\u0000ey":"v","__proto__":{"x":"\\u0000y"}}}'),
    );
    expect(JSON.stringify(nested.extra)).toBe('{"Odd":{"k\uFFFDey":"v","__proto__":{"x":"\uFFFDy"}}}');
  });

  it.each(['__proto__', 'constructor', 'prototype'])('keeps a top-level field named %s in extra as data', (name) => {
    const e = normalizeEvent(JSON.parse(`{"Type":"Queued","${name}":{"a":1},"Data":{"${name}":2,"Tags":["t"]}}`));
    expect(Object.keys(e.extra!).sort()).toEqual([name, 'Data'].sort());
    expect(e.extra![name]).toEqual({ a: 1 });
    expect(Object.keys(e.extra!.Data as object)).toEqual([name]);
    expect(Object.getPrototypeOf(e.extra)).toBe(Object.prototype);
  });

  it('reads JSON text inside a form value only within the nesting limit', () => {
    const deep = `{"Tags":${'['.repeat(100)}${']'.repeat(100)}}`;
    expect(normalizeEvent({ Type: 'Queued', Data: deep })).toMatchObject({ tags: null, extra: { Data: deep } });
    expect(normalizeEvent({ Type: 'Queued', Data: '['.repeat(1_000_000) })).toMatchObject({
      extra: { Data: expect.any(String) },
    });
  });

  it('Data that is not an object is kept in extra', () => {
    expect(normalizeEvent({ Type: 'Queued', Data: [1, 2] })).toMatchObject({
      meta: null,
      tags: null,
      extra: { Data: [1, 2] },
    });
    expect(normalizeEvent({ Type: 'Queued', Data: null })).toMatchObject({ meta: null, tags: null, extra: null });
  });

  it('unknown keys inside Data and unreadable Meta or Tags are kept in extra.Data', () => {
    const e = normalizeEvent({ Type: 'Queued', Data: { Meta: 5, Tags: { a: 1 }, Other: 'x' } });
    expect(e).toMatchObject({ meta: null, tags: null, extra: { Data: { Meta: 5, Tags: { a: 1 }, Other: 'x' } } });
  });
});

describe('parseEventDate', () => {
  it.each([
    ['2023-06-12T10:04:56.3694682Z', '2023-06-12T10:04:56.369468Z'],
    ['2022-09-07T17:49:08.8139901Z', '2022-09-07T17:49:08.813990Z'],
    ['2023-06-26T11:00:00Z', '2023-06-26T11:00:00.000000Z'],
    ['1950-07-03T00:39:30.153Z', '1950-07-03T00:39:30.153000Z'],
    ['2022-01-01T07:00:00-05:00', '2022-01-01T12:00:00.000000Z'],
    ['2022-01-01T07:00:00+0130', '2022-01-01T05:30:00.000000Z'],
    ['2022-01-01T07:00:00', '2022-01-01T07:00:00.000000Z'],
    ['2022-01-01 07:00:00.5', '2022-01-01T07:00:00.500000Z'],
    ['Mon, 01 Oct 2012 14:07:26 GMT', '2012-10-01T14:07:26.000000Z'],
    ['Tue, 14 Aug 2018 16:35:37 GMT', '2018-08-14T16:35:37.000000Z'],
    ['1 Oct 2012 14:07:26 +0200', '2012-10-01T12:07:26.000000Z'],
    ['mon, 01 oct 2012 14:07:26 gmt', '2012-10-01T14:07:26.000000Z'],
  ])('%s -> %s', (input, expected) => {
    expect(parseEventDate(input)).toBe(expected);
  });

  it.each([
    '',
    'yesterday',
    '2023-13-01T00:00:00Z',
    '2023-02-30T00:00:00Z',
    '2023-01-01T25:00:00Z',
    'Mon, 32 Oct 2012 14:07:26 GMT',
    '1',
    '12/10/2012',
    '0000-01-01T00:00:00Z',
  ])('%p -> null', (input) => {
    expect(parseEventDate(input)).toBeNull();
  });

  it('only strings', () => {
    expect(parseEventDate(1700000000000)).toBeNull();
    expect(parseEventDate(null)).toBeNull();
  });
});

describe('Data.Meta and Data.Tags shapes', () => {
  it('an array of {Key, Value} in any key case', () => {
    expect(
      readMeta([
        { Key: 'a', Value: '1' },
        { key: 'b', value: '2' },
        { KEY: 'c', VALUE: null },
      ]),
    ).toEqual([
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
      { key: 'c', value: null },
    ]);
  });

  it('a single {Key, Value} object (the perform-test example)', () => {
    expect(readMeta({ Key: 'x-mycustommetadata', Value: 'I am custom metadata' })).toEqual([
      { key: 'x-mycustommetadata', value: 'I am custom metadata' },
    ]);
  });

  it('a plain map, values as text', () => {
    expect(readMeta({ 'x-mycustommetadata': 'I am custom metadata', n: 5, o: { p: 1 } })).toEqual([
      { key: 'x-mycustommetadata', value: 'I am custom metadata' },
      { key: 'n', value: '5' },
      { key: 'o', value: '{"p":1}' },
    ]);
  });

  it('an array of one-entry maps', () => {
    expect(readMeta([{ a: '1' }, { b: '2' }])).toEqual([
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
    ]);
  });

  it('numbers as Value become text; a missing Value is null', () => {
    expect(readMeta([{ Key: 'n', Value: 7 }, { Key: 'm' }])).toEqual([
      { key: 'n', value: '7' },
      { key: 'm', value: null },
    ]);
  });

  it('JSON text, empty, null, and unreadable shapes', () => {
    expect(readMeta('[{"Key":"a","Value":"1"}]')).toEqual([{ key: 'a', value: '1' }]);
    expect(readMeta(null)).toBeNull();
    expect(readMeta('')).toBeNull();
    expect(readMeta([])).toEqual([]);
    expect(readMeta(['a', 'b'])).toBeUndefined();
    expect(readMeta(5)).toBeUndefined();
    expect(readMeta('nope')).toBeUndefined();
  });

  it('Meta in normalizeEvent, in each shape and any key case of Data', () => {
    expect(normalizeEvent({ Type: 'Queued', data: { meta: { Key: 'k', Value: 'v' } } }).meta).toEqual([
      { key: 'k', value: 'v' },
    ]);
    expect(normalizeEvent({ Type: 'Queued', Data: { Meta: { k: 'v' } } }).meta).toEqual([{ key: 'k', value: 'v' }]);
    expect(normalizeEvent({ Type: 'Queued', Data: { Meta: [{ Key: 'k', Value: 'v' }] } }).meta).toEqual([
      { key: 'k', value: 'v' },
    ]);
  });

  it('Tags', () => {
    expect(readTags(['a', 'b'])).toEqual(['a', 'b']);
    expect(readTags([1, 'b'])).toEqual(['1', 'b']);
    expect(readTags('single')).toEqual(['single']);
    expect(readTags('["a","b"]')).toEqual(['a', 'b']);
    expect(readTags(null)).toBeNull();
    expect(readTags('')).toBeNull();
    expect(readTags([{ a: 1 }])).toBeUndefined();
    expect(readTags({ a: 1 })).toBeUndefined();
  });
});

describe('normalizeEvent over the shared SocketLabs fixtures', () => {
  const cases = [
    ...Object.entries(EVENT_FIXTURES).map(([name, make]) => [`${name} (JSON)`, make()] as const),
    ...Object.entries(EVENT_FIXTURES).map(([name, make]) => [`${name} (form)`, toFormFields(make())] as const),
    ['2013 Failed (form)', legacyFormFailed()] as const,
    ['2013 Delivered (form)', legacyFormDelivered()] as const,
    ['2013 Complaint (form)', legacyFormComplaint()] as const,
  ];

  it.each(cases)(
    '%s: a known type, a date, an address, and every field in a column (nothing left in extra)',
    (_name, event) => {
      const e = normalizeEvent(event);
      expect(e.knownType).toBe(true);
      expect(e.occurredAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
      expect(e.address).toMatch(/@/);
      expect(e.serverId).toEqual(expect.any(Number));
      expect(e.extra).toBeNull();
    },
  );

  it('JSON and form encodings of one event give the same columns, but for Data and sub-second precision', () => {
    for (const make of Object.values(EVENT_FIXTURES)) {
      const json = normalizeEvent(make());
      const form = normalizeEvent(toFormFields(make()));
      const strip = (e: ReturnType<typeof normalizeEvent>) => ({
        ...e,
        occurredAt: e.occurredAt?.slice(0, 19),
        meta: null,
        tags: null,
      });
      expect(strip(form)).toEqual(strip(json));
    }
  });
});
