import {
  deliveredEvent,
  failedEvent,
  formBody,
  queuedEvent,
  toFormFields,
} from '../../../test/fixtures/socketlabs-events';
import { dedupeKey } from './dedupe-key';
import { parseWebhookBody } from './webhook-body.parser';

describe('dedupeKey', () => {
  it('is a SHA-256 hex string', () => {
    expect(dedupeKey(deliveredEvent())).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is the same for the JSON and the form encoding of one event', () => {
    const event = {
      Type: 'Delivered',
      ServerId: 1000,
      MessageSize: 18234,
      Address: 'a@example.com',
      Response: '250 OK\r\n',
      MailingId: '',
    };
    const [{ fields: json }] = parseWebhookBody(JSON.stringify({ ...event, SecretKey: 'k1' }), 'json');
    const [{ fields: form }] = parseWebhookBody(formBody({ ...toFormFields(event), SecretKey: 'k1' }), 'form');
    expect(form.ServerId).toBe('1000');
    expect(dedupeKey(json)).toBe(dedupeKey(form));
  });

  it('ignores the SecretKey, its value and its case', () => {
    const event = failedEvent();
    const key = dedupeKey(event);
    expect(dedupeKey({ ...event, SecretKey: 'old-secret' })).toBe(key);
    expect(dedupeKey({ ...event, secretkey: 'new-secret' })).toBe(key);
    expect(dedupeKey({ ...event, SECRETKEY: 'x' })).toBe(key);
  });

  it('ignores the order and the case of field names, at every depth', () => {
    const a = { Type: 'Queued', ServerId: 1, Data: { Meta: [{ Key: 'k', Value: 'v' }], Tags: ['t'] } };
    const b = { data: { tags: ['t'], meta: [{ value: 'v', key: 'k' }] }, serverid: 1, type: 'Queued' };
    expect(dedupeKey(a)).toBe(dedupeKey(b));
  });

  it('tells different events apart', () => {
    const base = queuedEvent();
    const key = dedupeKey(base);
    expect(dedupeKey(queuedEvent({ MessageId: 'other' }))).not.toBe(key);
    expect(dedupeKey(queuedEvent({ DateTime: '2023-06-12T10:04:56.3694683Z' }))).not.toBe(key);
    expect(dedupeKey({ ...base, Extra: '' })).not.toBe(key);
    // The order of array items is meaningful (Tags ["a","b"] is not ["b","a"]), and an object is not an array.
    expect(dedupeKey({ Tags: ['a', 'b'] })).not.toBe(dedupeKey({ Tags: ['b', 'a'] }));
    expect(dedupeKey({ X: { '0': 'a' } })).not.toBe(dedupeKey({ X: ['a'] }));
    // null is not the string "null", and values are not lower-cased.
    expect(dedupeKey({ SubaccountId: null })).not.toBe(dedupeKey({ SubaccountId: 'null' }));
    expect(dedupeKey({ Address: 'A@example.com' })).not.toBe(dedupeKey({ Address: 'a@example.com' }));
  });

  it('never changes for a given event (a retry received after an upgrade must still be a duplicate)', () => {
    const event = {
      Type: 'Failed',
      DateTime: '2023-06-12T10:04:56.3694683Z',
      ServerId: 12345,
      SubaccountId: null,
      Address: 'Bob@Example.com',
      SecretKey: 's',
      Data: { Meta: [{ Key: 'x"y', Value: '\u00fc\n' }], Tags: ['b', 'a'] },
      type: 'dup',
      Extra: { '0': 'a', z: [1, null, true] },
    };
    expect(dedupeKey(event)).toBe('a6ddfa136d26b0fde5c75a5bb95d2189c8bef509a1bcc9593622a5ca9ac41a20');
  });

  it('keeps fields whose names differ only in case', () => {
    expect(dedupeKey({ Type: 'a', type: 'b' })).toBe(dedupeKey({ type: 'b', Type: 'a' }));
    expect(dedupeKey({ Type: 'a', type: 'b' })).not.toBe(dedupeKey({ Type: 'a' }));
  });
});

describe('dedupeKey and prototype keys', () => {
  it('counts a field named __proto__, constructor or prototype as data', () => {
    for (const name of ['__proto__', 'constructor', 'prototype']) {
      const [{ fields }] = parseWebhookBody(`{"Type":"Queued","${name}":{"x":1}}`, 'json');
      const [{ fields: without }] = parseWebhookBody('{"Type":"Queued"}', 'json');
      expect(dedupeKey(fields)).not.toBe(dedupeKey(without));
    }
  });
});
