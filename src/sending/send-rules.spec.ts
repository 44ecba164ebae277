import { checkSendRules, isBase64, isTemplateId, isValidAddress, metadataAndTagsBytes } from './send-rules';

describe('send rules', () => {
  it('checks addresses as SocketLabs SDK does', () => {
    expect(isValidAddress('jane@example.com')).toBe(true);
    expect(isValidAddress(`${'a'.repeat(308)}@example.com`)).toBe(true); // 320 characters
    expect(isValidAddress(`${'a'.repeat(309)}@example.com`)).toBe(false);
    for (const bad of [
      '',
      'jane',
      '@example.com',
      'jane@',
      'a@b@c',
      'a b@c.com',
      'a,b@c.com',
      'a;b@c.com',
      'a@c.com\n',
      42,
    ]) {
      expect(isValidAddress(bad)).toBe(false);
    }
  });

  it('accepts base64 with line breaks and refuses anything else', () => {
    expect(isBase64('aGVsbG8gd29ybGQ=')).toBe(true);
    expect(isBase64('aGVsbG8g\r\nd29ybGQ=')).toBe(true);
    expect(isBase64('aGVsbG8gd29ybGQ')).toBe(false); // length not a multiple of 4
    expect(isBase64('aGVs*G8=')).toBe(false);
    expect(isBase64('')).toBe(false);
    expect(isBase64('a=bc')).toBe(false);
  });

  it('takes a template id as a positive integer or a string of digits', () => {
    expect(isTemplateId(4021)).toBe(true);
    expect(isTemplateId('4021')).toBe(true);
    for (const bad of [0, -1, 1.5, '0', 'abc', '', null]) expect(isTemplateId(bad)).toBe(false);
  });

  it('counts metadata and tags in UTF-8 bytes', () => {
    expect(metadataAndTagsBytes([{ key: 'k', value: 'é' }], ['ab'])).toBe(1 + 2 + 2);
  });

  const base = { to: [{}], textBody: 'hi' };

  it('passes a valid basic send and a valid bulk send', () => {
    expect(checkSendRules(base)).toEqual([]);
    expect(
      checkSendRules({ textBody: 'hi', mergeData: { perMessage: [[{ field: 'DeliveryAddress', value: 'a@b.com' }]] } }),
    ).toEqual([]);
  });

  const perMessage = [[{ field: 'DeliveryAddress', value: 'a@b.com' }]];

  it("takes a bulk send's To in SocketLabs' own form: the one %%DeliveryAddress%% placeholder, with or without %%RecipientName%%", () => {
    for (const to of [
      [{ emailAddress: '%%DeliveryAddress%%', friendlyName: '%%RecipientName%%' }],
      [{ emailAddress: '%%DeliveryAddress%%' }],
      [{ emailAddress: '%%deliveryaddress%%', friendlyName: '%%recipientname%%' }],
    ]) {
      expect(checkSendRules({ textBody: 'hi', to, mergeData: { perMessage } })).toEqual([]);
    }
  });

  it('refuses any other To in a bulk send, and the placeholder outside one', () => {
    const omitted = expect.stringContaining('to must be omitted in a bulk send, or be the single placeholder');
    expect(checkSendRules({ textBody: 'hi', to: [{ emailAddress: 'a@b.com' }], mergeData: { perMessage } })).toEqual([
      omitted,
    ]);
    expect(
      checkSendRules({
        textBody: 'hi',
        to: [{ emailAddress: '%%DeliveryAddress%%' }, { emailAddress: '%%DeliveryAddress%%' }],
        mergeData: { perMessage },
      }),
    ).toEqual([omitted]);
    expect(checkSendRules({ textBody: 'hi', to: [], mergeData: { perMessage } })).toEqual([omitted]);
    expect(
      checkSendRules({
        textBody: 'hi',
        to: [{ emailAddress: '%%DeliveryAddress%%', friendlyName: 'Jane' }],
        mergeData: { perMessage },
      }),
    ).toEqual([expect.stringContaining('to.0.friendlyName must be %%RecipientName%% or omitted in a bulk send')]);
    expect(
      checkSendRules({ textBody: 'hi', to: [{ emailAddress: 'a@b.com' }, { emailAddress: '%%DeliveryAddress%%' }] }),
    ).toEqual([
      expect.stringContaining(
        'to.1.emailAddress %%DeliveryAddress%% is the placeholder of a bulk send: give the recipients in mergeData.perMessage',
      ),
    ]);
  });

  it('counts To, Cc and Bcc together against the limit of 50', () => {
    const list = (n: number) => Array.from({ length: n }, () => ({}));
    expect(checkSendRules({ ...base, to: list(25), cc: list(25) })).toEqual([]);
    expect(checkSendRules({ ...base, to: list(25), cc: list(25), bcc: list(1) })).toEqual([
      'to, cc and bcc together must not have more than 50 recipients (got 51)',
    ]);
  });

  it('lists every problem at once', () => {
    const problems = checkSendRules({
      apiTemplate: 1,
      htmlBody: '<p>',
      metadata: [{ key: 'k'.repeat(50), value: 'v'.repeat(50) }],
    });
    expect(problems).toEqual([
      'to must contain at least one recipient',
      expect.stringContaining('MessageBodyConflict'),
      'metadata.0: key and value together must be less than 100 characters (got 100)',
    ]);
  });

  it('accepts an AMP body beside a text body or a template, not alone', () => {
    expect(checkSendRules({ to: [{}], ampBody: 'amp', htmlBody: 'html' })).toEqual([]);
    expect(checkSendRules({ to: [{}], ampBody: 'amp', apiTemplate: 3 })).toEqual([]);
    expect(checkSendRules({ to: [{}], ampBody: 'amp' })).toEqual([
      'ampBody needs a textBody or htmlBody as its fallback (or an apiTemplate)',
    ]);
  });

  it('checks global merge fields on a basic send too', () => {
    expect(
      checkSendRules({
        ...base,
        mergeData: {
          global: [
            { field: 'A', value: '1' },
            { field: 'a', value: '2' },
          ],
        },
      }),
    ).toEqual(['mergeData.global.1.field: a appears more than once']);
  });
});
