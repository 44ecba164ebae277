import { parseRawEvent, parseStoredRaw, stripSecretKeys } from './raw-event';

describe('raw event output', () => {
  it('removes SecretKey in any case and at any depth, keeping everything else', () => {
    const raw = JSON.stringify({
      Type: 'Failed',
      SecretKey: 'a',
      secretkey: 'b',
      Data: { Meta: [{ Key: 'x', Value: 'y', SECRETKEY: 'c' }], WebhookSecretKey: 'd' },
      Address: 'jane@example.com',
    });
    const parsed = parseRawEvent(raw);
    expect(parsed).toEqual({ Type: 'Failed', Data: { Meta: [{ Key: 'x', Value: 'y' }] }, Address: 'jane@example.com' });
    expect(JSON.stringify(parsed)).not.toMatch(/secret/i);
  });

  it('never returns text it cannot parse as an object, since a secret in it could not be removed', () => {
    expect(parseRawEvent('SecretKey=abc&Type=Delivered')).toBeNull();
    expect(parseRawEvent('[{"SecretKey":"a"}]')).toBeNull();
    expect(parseRawEvent('"text"')).toBeNull();
    expect(parseRawEvent('')).toBeNull();
    expect(parseRawEvent(null)).toBeNull();
  });

  it('leaves scalars alone and does not modify its input', () => {
    const input = { SecretKey: 'a', n: 1 };
    expect(stripSecretKeys(input)).toEqual({ n: 1 });
    expect(input).toEqual({ SecretKey: 'a', n: 1 });
    expect(stripSecretKeys('SecretKey')).toBe('SecretKey');
    expect(stripSecretKeys(null)).toBeNull();
  });
});

describe('parseStoredRaw', () => {
  it('parses a JSON object', () => {
    expect(parseStoredRaw('{"Type":"Queued"}')).toEqual({ Type: 'Queued' });
  });

  it.each(['not json', '[1,2]', 'null', '"text"', '{"Type":'])('throws on %p', (raw) => {
    expect(() => parseStoredRaw(raw)).toThrow(/raw body/);
  });
});
