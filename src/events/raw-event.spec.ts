import { parseRawEvent, stripSecretKeys } from './raw-event';

describe('raw event output', () => {
  it('removes SecretKey in any case and at any depth, keeping everything else', () => {
    const raw = JSON.stringify({
      Type: 'Failed',
      SecretKey: 'a',
      secretkey: 'b',
      Data: { Meta: [{ Key: 'x', Value: 'y', SECRETKEY: 'c' }], WebhookSecretKeyHint: 'd' },
      Address: 'jane@example.com',
    });
    const parsed = parseRawEvent(raw, 'json');
    // The one rule (isSecretKeyName): the member named SecretKey, whatever its case; another name is data.
    expect(parsed).toEqual({
      Type: 'Failed',
      Data: { Meta: [{ Key: 'x', Value: 'y' }], WebhookSecretKeyHint: 'd' },
      Address: 'jane@example.com',
    });
    expect(JSON.stringify(parsed)).not.toMatch(/"a"|"b"|"c"/);
  });

  it('never returns text it cannot parse as an object, since a secret in it could not be removed', () => {
    expect(parseRawEvent('SecretKey=abc&Type=Delivered', 'json')).toBeNull();
    expect(parseRawEvent('[{"SecretKey":"a"}]', 'json')).toBeNull();
    expect(parseRawEvent('"text"', 'json')).toBeNull();
    expect(parseRawEvent('', 'json')).toBeNull();
    expect(parseRawEvent(null, 'json')).toBeNull();
  });

  it('leaves scalars alone and does not modify its input', () => {
    const input = { SecretKey: 'a', n: 1 };
    expect(stripSecretKeys(input)).toEqual({ n: 1 });
    expect(input).toEqual({ SecretKey: 'a', n: 1 });
    expect(stripSecretKeys('SecretKey')).toBe('SecretKey');
    expect(stripSecretKeys(null)).toBeNull();
  });
});

describe('parseRawEvent of form bodies', () => {
  it('parses the stored name=value text, without any SecretKey', () => {
    expect(parseRawEvent('Type=Delivered&Reason=a+b&SecretKey=x', 'form')).toEqual({
      Type: 'Delivered',
      Reason: 'a b',
    });
  });

  it('keeps __proto__ as data', () => {
    const parsed = parseRawEvent('{"Type":"Queued","__proto__":{"a":1}}', 'json')!;
    expect(Object.keys(parsed)).toEqual(['Type', '__proto__']);
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
  });
});
