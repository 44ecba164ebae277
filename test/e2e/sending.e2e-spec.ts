import { FakeSocketLabs, FAKE_SOCKETLABS_KEY } from '../fake-socketlabs/fake-socketlabs';
import { createTestApp, TestApp } from '../utils/test-app';

const SERVER_ID = 16332;
const PDF_BASE64 = Buffer.from('%PDF-1.4 fake invoice').toString('base64');

/** A basic send using every field, valid. */
function fullSend(): Record<string, any> {
  return {
    to: [
      { emailAddress: 'jane.doe@example.com', friendlyName: 'Jane Doe', nickname: 'ignored' },
      { emailAddress: 'sam.roe@example.com' },
    ],
    cc: [{ emailAddress: 'cc@example.com' }],
    bcc: [{ emailAddress: 'audit@example.org' }],
    from: { emailAddress: 'shop@example.org', friendlyName: 'Example Shop' },
    replyTo: { emailAddress: 'support@example.org' },
    subject: 'Your order 7731 is confirmed',
    textBody: 'Hello Jane, your order 7731 is on its way.',
    htmlBody: '<p>Hello Jane, your order <b>7731</b> is on its way.</p>',
    ampBody: '<!doctype html><html ⚡4email><body>Order 7731</body></html>',
    messageId: 'order-7731-confirmation',
    mailingId: 'orders',
    charset: 'UTF-8',
    customHeaders: [{ name: 'X-Order-Id', value: '7731' }],
    attachments: [
      {
        name: 'invoice-7731.pdf',
        content: PDF_BASE64,
        contentType: 'application/pdf',
        contentId: 'invoice',
        customHeaders: [{ name: 'X-Scan', value: 'clean' }],
      },
    ],
    mergeData: { global: [{ field: 'Shop', value: 'Example Shop' }] },
    metadata: [{ key: 'x-customer-id', value: 'C-1042' }],
    tags: ['order-confirmation'],
    unknownField: 'SocketLabs ignores unknown fields; so do we',
  };
}

/** The smallest valid send. */
function minimalSend(): Record<string, any> {
  return {
    to: [{ emailAddress: 'jane.doe@example.com' }],
    from: { emailAddress: 'shop@example.org' },
    subject: 'Hello',
    textBody: 'Hello Jane',
  };
}

const injectionAnswer = (
  ErrorCode: string,
  MessageResults: unknown[] = [],
  TransactionReceipt: string | null = null,
) => ({
  ErrorCode,
  MessageResults,
  TransactionReceipt,
});

describe('POST /api/v1/messages: sending through the Injection API (e2e)', () => {
  let fake: FakeSocketLabs;
  let t: TestApp;

  beforeAll(async () => {
    fake = await FakeSocketLabs.start();
    t = await createTestApp({
      ...fake.env(),
      SOCKETLABS_SERVER_ID: String(SERVER_ID),
      SOCKETLABS_TIMEOUT_MS: '1000',
      SOCKETLABS_MAX_RETRIES: '2',
    });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
  });
  beforeEach(() => fake.reset());

  const send = (body: unknown, apiKey?: string) => t.request({ method: 'POST', url: '/api/v1/messages', body, apiKey });
  const injections = () => fake.requestsTo('POST', '/api/v1/email');
  const auditOf = async (requestId: string) => {
    const res = await t.request({ method: 'GET', url: '/api/v1/audit-log?action=sending.send&pageSize=500' });
    return res.json().data.find((e: { requestId: string }) => e.requestId === requestId);
  };

  it('translates every field into the Injection API request, with the key as Bearer, and answers Success with 200', async () => {
    const res = await send(fullSend());
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(injectionAnswer('Success'));

    const [req] = injections();
    expect(injections()).toHaveLength(1);
    expect(req.headers.authorization).toBe(`Bearer ${FAKE_SOCKETLABS_KEY}`);
    expect(req.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(req.body as object).sort()).toEqual(['messages', 'serverId']); // no apiKey in the body
    const body = req.body as { serverId: unknown; messages: unknown[] };
    expect(body.serverId).toBe(SERVER_ID);
    expect(body.messages).toHaveLength(1);
    expect(body.messages[0]).toEqual({
      To: [{ emailAddress: 'jane.doe@example.com', friendlyName: 'Jane Doe' }, { emailAddress: 'sam.roe@example.com' }],
      Cc: [{ emailAddress: 'cc@example.com' }],
      Bcc: [{ emailAddress: 'audit@example.org' }],
      From: { emailAddress: 'shop@example.org', friendlyName: 'Example Shop' },
      ReplyTo: { emailAddress: 'support@example.org' },
      Subject: 'Your order 7731 is confirmed',
      TextBody: 'Hello Jane, your order 7731 is on its way.',
      HtmlBody: '<p>Hello Jane, your order <b>7731</b> is on its way.</p>',
      AmpBody: '<!doctype html><html ⚡4email><body>Order 7731</body></html>',
      MessageId: 'order-7731-confirmation',
      MailingId: 'orders',
      Charset: 'UTF-8',
      CustomHeaders: [{ name: 'X-Order-Id', value: '7731' }],
      Attachments: [
        {
          name: 'invoice-7731.pdf',
          content: PDF_BASE64,
          contentType: 'application/pdf',
          contentId: 'invoice',
          customHeaders: [{ name: 'X-Scan', value: 'clean' }],
        },
      ],
      MergeData: { Global: [{ field: 'Shop', value: 'Example Shop' }] },
      Metadata: [{ key: 'x-customer-id', value: 'C-1042' }],
      Tags: ['order-confirmation'],
    });
    expect(fake.state.injected).toHaveLength(1);
  });

  it('records the send in the audit log without its content', async () => {
    const res = await send(fullSend());
    expect(res.statusCode).toBe(200);
    const entry = await auditOf(String(res.headers['x-request-id']));
    expect(entry).toMatchObject({
      action: 'sending.send',
      method: 'POST',
      path: '/api/v1/messages',
      target: 'order-7731-confirmation',
      status: 200,
      outcome: 'success',
      details: {
        bulk: false,
        recipients: 4,
        subjectLength: 'Your order 7731 is confirmed'.length,
        messageId: 'order-7731-confirmation',
        mailingId: 'orders',
        serverId: SERVER_ID,
        attachments: 1,
        errorCode: 'Success',
        refusedRecipients: 0,
      },
    });
    const text = JSON.stringify(entry);
    for (const content of [
      'jane.doe@example.com',
      'shop@example.org',
      'Your order 7731',
      'Hello Jane',
      PDF_BASE64,
      'C-1042',
      FAKE_SOCKETLABS_KEY,
    ]) {
      expect(text).not.toContain(content);
    }
  });

  it('sends from the serverId given in the request instead of SOCKETLABS_SERVER_ID', async () => {
    const res = await send({ ...minimalSend(), serverId: 40001 });
    expect(res.statusCode).toBe(200);
    expect((injections()[0].body as { serverId: number }).serverId).toBe(40001);
  });

  it('builds a bulk send: To is %%DeliveryAddress%%, recipients and their merge fields in MergeData.PerMessage', async () => {
    // The fake reads To literally (it does not expand %%DeliveryAddress%%), so it is told to accept this one.
    fake.misbehave({ path: '/api/v1/email', status: 200, body: injectionAnswer('Success') });
    const res = await send({
      from: { emailAddress: 'news@example.org' },
      subject: 'Spring sale, %%FirstName%%',
      htmlBody: '<p>Hello %%FirstName%%</p>',
      mailingId: 'spring-sale',
      mergeData: {
        perMessage: [
          [
            { field: 'DeliveryAddress', value: 'jane.doe@example.com' },
            { field: 'RecipientName', value: 'Jane Doe' },
            { field: 'FirstName', value: 'Jane' },
          ],
          [
            { field: 'DeliveryAddress', value: 'sam.roe@example.com' },
            { field: 'FirstName', value: 'Sam', extra: 'dropped' },
          ],
        ],
        global: [{ field: 'SaleEnds', value: 'May 31' }],
      },
    });
    expect(res.statusCode).toBe(200);
    const message = (injections()[0].body as { messages: Record<string, unknown>[] }).messages[0];
    expect(message.To).toEqual([{ emailAddress: '%%DeliveryAddress%%', friendlyName: '%%RecipientName%%' }]);
    expect(message.Cc).toBeUndefined();
    expect(message.MergeData).toEqual({
      PerMessage: [
        [
          { field: 'DeliveryAddress', value: 'jane.doe@example.com' },
          { field: 'RecipientName', value: 'Jane Doe' },
          { field: 'FirstName', value: 'Jane' },
        ],
        [
          { field: 'DeliveryAddress', value: 'sam.roe@example.com' },
          { field: 'FirstName', value: 'Sam' },
          { field: 'RecipientName', value: '' },
        ],
      ],
      Global: [{ field: 'SaleEnds', value: 'May 31' }],
    });
    const entry = await auditOf(String(res.headers['x-request-id']));
    expect(entry.details).toMatchObject({ bulk: true, recipients: 2, mailingId: 'spring-sale' });
  });

  it("accepts a bulk send in SocketLabs' own form, as its Node SDK builds it: To is the placeholder, PerMessage and Global in PascalCase", async () => {
    fake.misbehave({ path: '/api/v1/email', status: 200, body: injectionAnswer('Success') });
    // BulkMessage.toJSON() of @socketlabs/email: one recipient with a name, one without.
    const sdkMessage = {
      subject: 'Spring sale, %%FirstName%%',
      htmlBody: '<p>Hello %%FirstName%%, the sale ends %%SaleEnds%%.</p>',
      mailingId: 'spring-sale',
      from: { emailAddress: 'news@example.org', friendlyName: 'Example News' },
      to: [{ emailAddress: '%%DeliveryAddress%%', friendlyName: '%%RecipientName%%' }],
      mergeData: {
        PerMessage: [
          [
            { field: 'DeliveryAddress', value: 'jane.doe@example.com' },
            { field: 'RecipientName', value: 'Jane Doe' },
            { field: 'FirstName', value: 'Jane' },
          ],
          [
            { field: 'DeliveryAddress', value: 'sam.roe@example.com' },
            { field: 'FirstName', value: 'Sam' },
          ],
        ],
        Global: [{ field: 'SaleEnds', value: 'May 31' }],
      },
    };
    const res = await send(sdkMessage);
    expect(res.statusCode).toBe(200);
    expect(injections()).toHaveLength(1);
    expect(injections()[0].body).toEqual({
      serverId: SERVER_ID,
      messages: [
        {
          To: [{ emailAddress: '%%DeliveryAddress%%', friendlyName: '%%RecipientName%%' }],
          From: { emailAddress: 'news@example.org', friendlyName: 'Example News' },
          Subject: 'Spring sale, %%FirstName%%',
          HtmlBody: '<p>Hello %%FirstName%%, the sale ends %%SaleEnds%%.</p>',
          MailingId: 'spring-sale',
          MergeData: {
            PerMessage: [
              [
                { field: 'DeliveryAddress', value: 'jane.doe@example.com' },
                { field: 'RecipientName', value: 'Jane Doe' },
                { field: 'FirstName', value: 'Jane' },
              ],
              // No recipient sees the placeholder as its name: an empty RecipientName is added.
              [
                { field: 'DeliveryAddress', value: 'sam.roe@example.com' },
                { field: 'FirstName', value: 'Sam' },
                { field: 'RecipientName', value: '' },
              ],
            ],
            Global: [{ field: 'SaleEnds', value: 'May 31' }],
          },
        },
      ],
    });
    const entry = await auditOf(String(res.headers['x-request-id']));
    expect(entry.details).toMatchObject({ bulk: true, recipients: 2, mailingId: 'spring-sale' });
  });

  it('accepts the placeholder To without a display name, and a bulk send without To, alike', async () => {
    fake.misbehave({ path: '/api/v1/email', status: 200, body: injectionAnswer('Success'), times: 2 });
    const { to: _to, ...rest } = minimalSend();
    const perMessage = [[{ field: 'DeliveryAddress', value: 'jane.doe@example.com' }]];
    expect(
      (await send({ ...rest, to: [{ emailAddress: '%%DeliveryAddress%%' }], mergeData: { perMessage } })).statusCode,
    ).toBe(200);
    expect((await send({ ...rest, mergeData: { perMessage } })).statusCode).toBe(200);
    const sent = injections().map((r) => (r.body as { messages: Record<string, unknown>[] }).messages[0]);
    expect(sent).toHaveLength(2);
    for (const message of sent) {
      expect(message.To).toEqual([{ emailAddress: '%%DeliveryAddress%%' }]);
      expect(message.MergeData).toEqual({ PerMessage: perMessage });
    }
  });

  it('sends a template id as a number, without a body', async () => {
    const { textBody: _omit, ...rest } = minimalSend();
    const res = await send({ ...rest, apiTemplate: '4021' });
    expect(res.statusCode).toBe(200);
    const message = (injections()[0].body as { messages: Record<string, unknown>[] }).messages[0];
    expect(message.ApiTemplate).toBe(4021);
    expect(message.TextBody).toBeUndefined();
  });

  it('answers 207 with the AddressResults for a Warning: sent, but some recipients were refused', async () => {
    const answer = injectionAnswer('Warning', [
      {
        Index: 0,
        ErrorCode: 'Warning',
        AddressResults: [{ EmailAddress: 'sam.roe@example.com', Accepted: false, ErrorCode: 'InvalidAddress' }],
      },
    ]);
    fake.misbehave({ path: '/api/v1/email', status: 200, body: answer });
    const res = await send({
      ...minimalSend(),
      to: [{ emailAddress: 'jane.doe@example.com' }, { emailAddress: 'sam.roe@example.com' }],
    });
    expect(res.statusCode).toBe(207);
    expect(res.json()).toEqual(answer);
    expect(injections()).toHaveLength(1);
    const entry = await auditOf(String(res.headers['x-request-id']));
    expect(entry).toMatchObject({
      status: 207,
      outcome: 'success',
      details: { errorCode: 'Warning', refusedRecipients: 1, recipients: 2 },
    });
  });

  it('answers 422 for a Warning in which the only message was refused (nothing sent), with the answer in details', async () => {
    const answer = injectionAnswer('Warning', [{ Index: 0, ErrorCode: 'InvalidFromAddress', AddressResults: null }]);
    fake.misbehave({ path: '/api/v1/email', status: 200, body: answer });
    const res = await send(minimalSend());
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({
      statusCode: 422,
      code: 'SOCKETLABS_UNPROCESSABLE',
      details: { operation: 'sending.inject', errorCode: 'Warning', injectionResponse: answer },
    });
    expect(res.json().message).toContain('InvalidFromAddress');
  });

  it.each([
    ['InvalidAuthentication', 502, 'SOCKETLABS_AUTH_FAILED'],
    ['TooManyErrors', 502, 'SOCKETLABS_AUTH_FAILED'],
    ['AccountDisabled', 502, 'SOCKETLABS_UPSTREAM_ERROR'],
    ['OverQuota', 429, 'SOCKETLABS_RATE_LIMITED'],
    ['InvalidData', 422, 'SOCKETLABS_UNPROCESSABLE'],
    ['NoMessages', 422, 'SOCKETLABS_UNPROCESSABLE'],
    ['EmptyMessage', 422, 'SOCKETLABS_UNPROCESSABLE'],
    ['TooManyMessages', 422, 'SOCKETLABS_UNPROCESSABLE'],
    ['TooManyRecipients', 422, 'SOCKETLABS_UNPROCESSABLE'],
    ['NoValidRecipients', 422, 'SOCKETLABS_UNPROCESSABLE'],
    ['InternalError', 502, 'SOCKETLABS_UPSTREAM_ERROR'],
    ['SomethingNew', 502, 'SOCKETLABS_UPSTREAM_ERROR'],
  ])(
    'answers ErrorCode %s with %i %s and the Injection API code in details, without retrying',
    async (errorCode, status, code) => {
      const answer = injectionAnswer(errorCode, [], 'receipt-8f2c');
      fake.misbehave({ path: '/api/v1/email', status: 200, body: answer });
      const res = await send(minimalSend());
      expect(res.statusCode).toBe(status);
      expect(res.json()).toMatchObject({
        statusCode: status,
        code,
        details: { operation: 'sending.inject', errorCode, injectionResponse: answer },
      });
      expect(res.json().message).toContain(errorCode);
      expect(res.json().message).toContain('receipt-8f2c');
      expect(injections()).toHaveLength(1);
      const entry = await auditOf(String(res.headers['x-request-id']));
      expect(entry).toMatchObject({ status, outcome: 'failure', details: { errorCode } });
    },
  );

  it("answers 502 (never the caller's 401) when SocketLabs refuses our key with HTTP 401", async () => {
    fake.misbehave({
      path: '/api/v1/email',
      status: 401,
      body: injectionAnswer('InvalidAuthentication', [], 'receipt-401'),
    });
    const res = await send(minimalSend());
    expect(res.statusCode).toBe(502);
    expect(res.json()).toMatchObject({
      code: 'SOCKETLABS_AUTH_FAILED',
      details: { errorCode: 'InvalidAuthentication', upstreamStatus: 401 },
    });
    expect(res.body).not.toContain(FAKE_SOCKETLABS_KEY);
    expect(injections()).toHaveLength(1);
  });

  it('does not retry a send after an upstream 500: 502, and SocketLabs saw it exactly once', async () => {
    fake.misbehave({
      path: '/api/v1/email',
      status: 500,
      times: 3,
      body: injectionAnswer('InternalError', [], 'receipt-500'),
    });
    const res = await send(minimalSend());
    expect(res.statusCode).toBe(502);
    expect(res.json()).toMatchObject({
      code: 'SOCKETLABS_UPSTREAM_ERROR',
      details: { errorCode: 'InternalError', upstreamStatus: 500, attempts: 1 },
    });
    expect(res.json().message).toMatch(/may have carried it out/);
    expect(injections()).toHaveLength(1);
  });

  it('does not retry a send after a timeout: 504, and SocketLabs saw it exactly once', async () => {
    fake.misbehave({ path: '/api/v1/email', delayMs: 3000, times: 3 });
    const res = await send(minimalSend());
    expect(res.statusCode).toBe(504);
    expect(res.json()).toMatchObject({ code: 'SOCKETLABS_TIMEOUT', details: { errorCode: 'Timeout', attempts: 1 } });
    expect(res.json().message).toMatch(/may have carried it out/);
    expect(injections()).toHaveLength(1);
  });

  it('does not retry a send whose connection broke after it was sent: 502, exactly one request', async () => {
    fake.misbehave({ path: '/api/v1/email', drop: true, times: 3 });
    const res = await send(minimalSend());
    expect(res.statusCode).toBe(502);
    expect(res.json()).toMatchObject({ code: 'SOCKETLABS_UNREACHABLE', details: { attempts: 1 } });
    expect(injections()).toHaveLength(1);
  });

  it('retries a send that SocketLabs refused unprocessed (503), then answers its Success', async () => {
    fake.misbehave({ path: '/api/v1/email', status: 503 });
    const res = await send(minimalSend());
    expect(res.statusCode).toBe(200);
    expect(injections()).toHaveLength(2);
    expect(fake.state.injected).toHaveLength(1);
  });

  it('needs the socketlabs:write scope', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/api-keys',
      body: { name: 'reader', scopes: ['socketlabs:read'] },
    });
    const res = await send(minimalSend(), created.json().key);
    expect(res.statusCode).toBe(403);
    const writer = await t.request({
      method: 'POST',
      url: '/api/v1/api-keys',
      body: { name: 'sender', scopes: ['socketlabs:write'] },
    });
    expect((await send(minimalSend(), writer.json().key)).statusCode).toBe(200);
    expect(injections()).toHaveLength(1);
  });

  const long = (n: number, c = 'x') => c.repeat(n);
  const without = (key: string) => {
    const body = minimalSend();
    delete body[key];
    return body;
  };
  const bulk = (perMessage: unknown, extra: Record<string, unknown> = {}) => {
    const { to: _to, ...rest } = minimalSend();
    return { ...rest, mergeData: { perMessage }, ...extra };
  };
  const recipients = (n: number) => Array.from({ length: n }, (_, i) => ({ emailAddress: `r${i}@example.com` }));

  it.each<[string, Record<string, unknown>, string]>([
    ['no To', without('to'), 'to must contain at least one recipient'],
    ['an empty To', { ...minimalSend(), to: [] }, 'to must contain at least one recipient'],
    [
      'only Cc',
      { ...minimalSend(), to: [], cc: [{ emailAddress: 'cc@example.com' }] },
      'to must contain at least one recipient',
    ],
    [
      '51 recipients',
      { ...minimalSend(), to: recipients(30), cc: recipients(11), bcc: recipients(10) },
      'not have more than 50 recipients (got 51)',
    ],
    ['no subject', without('subject'), 'subject must be a string'],
    ['a blank subject', { ...minimalSend(), subject: '   ' }, 'subject must not be empty'],
    [
      'a 201-character subject',
      { ...minimalSend(), subject: long(201) },
      'subject must be shorter than or equal to 200 characters',
    ],
    ['no from', without('from'), 'from must be an object'],
    [
      'a from without @',
      { ...minimalSend(), from: { emailAddress: 'shop.example.org' } },
      'from.emailAddress must be an email address',
    ],
    [
      'an address with a comma',
      { ...minimalSend(), to: [{ emailAddress: 'a,b@example.com' }] },
      'to.0.emailAddress must be an email address',
    ],
    [
      'an address with a space',
      { ...minimalSend(), to: [{ emailAddress: 'jane doe@example.com' }] },
      'to.0.emailAddress must be an email address',
    ],
    [
      'an address with a semicolon',
      { ...minimalSend(), cc: [{ emailAddress: 'a@example.com;b@example.com' }] },
      'cc.0.emailAddress must be an email address',
    ],
    [
      'an address with two @',
      { ...minimalSend(), bcc: [{ emailAddress: 'a@b@example.com' }] },
      'bcc.0.emailAddress must be an email address',
    ],
    [
      'a 321-character address',
      { ...minimalSend(), to: [{ emailAddress: `${long(309)}@example.com` }] },
      'to.0.emailAddress must be an email address',
    ],
    [
      'a bad replyTo',
      { ...minimalSend(), replyTo: { emailAddress: 'nobody' } },
      'replyTo.emailAddress must be an email address',
    ],
    ['no body', without('textBody'), 'a body is required'],
    ['an empty body', { ...minimalSend(), textBody: '' }, 'a body is required'],
    [
      'an AMP body alone',
      { ...without('textBody'), ampBody: '<html ⚡4email></html>' },
      'ampBody needs a textBody or htmlBody',
    ],
    ['a template with a body', { ...minimalSend(), apiTemplate: 4021 }, 'MessageBodyConflict'],
    ['a template id 0', { ...without('textBody'), apiTemplate: 0 }, 'apiTemplate must be a SocketLabs template id'],
    [
      'a template id that is not a number',
      { ...without('textBody'), apiTemplate: 'welcome' },
      'apiTemplate must be a SocketLabs template id',
    ],
    [
      'a custom header without a name',
      { ...minimalSend(), customHeaders: [{ name: '', value: 'x' }] },
      'customHeaders.0.name should not be empty',
    ],
    [
      'a custom header without a value',
      { ...minimalSend(), customHeaders: [{ name: 'X-A', value: '' }] },
      'customHeaders.0.value should not be empty',
    ],
    [
      'a custom header name with a colon',
      { ...minimalSend(), customHeaders: [{ name: 'X-A:', value: 'x' }] },
      'customHeaders.0.name must be a header field name',
    ],
    [
      'a custom header value with a line break',
      { ...minimalSend(), customHeaders: [{ name: 'X-A', value: 'x\r\nBcc: evil@example.com' }] },
      'customHeaders.0.value must not contain line breaks',
    ],
    [
      '11 metadata pairs',
      { ...minimalSend(), metadata: Array.from({ length: 11 }, (_, i) => ({ key: `k${i}`, value: 'v' })) },
      'metadata must contain no more than 10 elements',
    ],
    [
      'a metadata pair of 100 characters',
      { ...minimalSend(), metadata: [{ key: 'k', value: long(99) }] },
      'metadata.0: key and value together must be less than 100 characters',
    ],
    [
      'a metadata pair without a key',
      { ...minimalSend(), metadata: [{ key: '', value: 'v' }] },
      'metadata.0.key should not be empty',
    ],
    [
      '26 tags',
      { ...minimalSend(), tags: Array.from({ length: 26 }, (_, i) => `t${i}`) },
      'tags must contain no more than 25 elements',
    ],
    [
      'metadata and tags over 12.5 KB',
      { ...minimalSend(), tags: Array.from({ length: 25 }, () => long(520)) },
      'metadata and tags together must be less than 12.5 KB',
    ],
    [
      'an attachment that is not base64',
      { ...minimalSend(), attachments: [{ name: 'a.txt', content: 'not base64!', contentType: 'text/plain' }] },
      'attachments.0.content must be base64',
    ],
    [
      'an attachment without a name',
      { ...minimalSend(), attachments: [{ name: '', content: 'aGk=', contentType: 'text/plain' }] },
      'attachments.0.name should not be empty',
    ],
    [
      'an attachment without a content type',
      { ...minimalSend(), attachments: [{ name: 'a.txt', content: 'aGk=' }] },
      'attachments.0.contentType must be a MIME type',
    ],
    [
      'a bulk recipient without DeliveryAddress',
      bulk([[{ field: 'FirstName', value: 'Jane' }]]),
      'mergeData.perMessage.0 must contain a DeliveryAddress field',
    ],
    [
      'a bulk recipient with a bad address',
      bulk([[{ field: 'DeliveryAddress', value: 'jane' }]]),
      'mergeData.perMessage.0.DeliveryAddress must be an email address',
    ],
    [
      'a bulk recipient that is not a list',
      bulk([{ field: 'DeliveryAddress', value: 'jane@example.com' }]),
      'mergeData.perMessage.0 must be an array',
    ],
    [
      'a bulk merge field without a name',
      bulk([
        [
          { field: 'DeliveryAddress', value: 'jane@example.com' },
          { field: '', value: 'x' },
        ],
      ]),
      'mergeData.perMessage.0.1.field must be a non-empty string',
    ],
    [
      'a bulk merge field twice',
      bulk([
        [
          { field: 'DeliveryAddress', value: 'jane@example.com' },
          { field: 'deliveryaddress', value: 'sam@example.com' },
        ],
      ]),
      'appears more than once',
    ],
    [
      '51 bulk recipients',
      bulk(Array.from({ length: 51 }, (_, i) => [{ field: 'DeliveryAddress', value: `r${i}@example.com` }])),
      'mergeData.perMessage must not have more than 50 recipients',
    ],
    ['no bulk recipient', bulk([]), 'mergeData.perMessage must contain at least one recipient'],
    [
      'a bulk send with To',
      {
        ...bulk([[{ field: 'DeliveryAddress', value: 'jane@example.com' }]]),
        to: [{ emailAddress: 'sam@example.com' }],
      },
      'to must be omitted in a bulk send',
    ],
    [
      'a bulk send with two To',
      {
        ...bulk([[{ field: 'DeliveryAddress', value: 'jane@example.com' }]]),
        to: [{ emailAddress: '%%DeliveryAddress%%' }, { emailAddress: 'sam@example.com' }],
      },
      'to must be omitted in a bulk send, or be the single placeholder',
    ],
    [
      'a bulk To with another display name',
      {
        ...bulk([[{ field: 'DeliveryAddress', value: 'jane@example.com' }]]),
        to: [{ emailAddress: '%%DeliveryAddress%%', friendlyName: 'Customer' }],
      },
      'to.0.friendlyName must be %%RecipientName%% or omitted',
    ],
    [
      'the bulk placeholder without merge data',
      { ...minimalSend(), to: [{ emailAddress: '%%DeliveryAddress%%', friendlyName: '%%RecipientName%%' }] },
      'to.0.emailAddress %%DeliveryAddress%% is the placeholder of a bulk send',
    ],
    [
      'the bulk placeholder in Cc',
      { ...minimalSend(), cc: [{ emailAddress: '%%DeliveryAddress%%' }] },
      'cc.0.emailAddress must be an email address',
    ],
    [
      'a bulk recipient with a bad address in PascalCase PerMessage',
      { ...without('to'), mergeData: { PerMessage: [[{ field: 'DeliveryAddress', value: 'jane' }]] } },
      'mergeData.perMessage.0.DeliveryAddress must be an email address',
    ],
    [
      'a bulk send with Cc',
      bulk([[{ field: 'DeliveryAddress', value: 'jane@example.com' }]], { cc: [{ emailAddress: 'sam@example.com' }] }),
      'cc is not supported in a bulk send',
    ],
    [
      'a global merge field without a value',
      { ...minimalSend(), mergeData: { global: [{ field: 'Shop' }] } },
      'mergeData.global.0.value must be a string',
    ],
    ['serverId 0', { ...minimalSend(), serverId: 0 }, 'serverId must not be less than 1'],
    ['serverId as a string', { ...minimalSend(), serverId: '16332' }, 'serverId must be an integer'],
    ['serverId not an integer', { ...minimalSend(), serverId: 1.5 }, 'serverId must be an integer'],
  ])('refuses %s with 400 naming the field; nothing reaches SocketLabs', async (_what, body, expected) => {
    const res = await send(body);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_FAILED');
    const messages: string[] = res.json().message;
    expect(messages.join('\n')).toContain(expected);
    expect(fake.requests).toHaveLength(0);
  });

  it('records a refused send in the audit log, still without its content', async () => {
    const res = await send({
      ...minimalSend(),
      subject: long(201),
      attachments: [{ name: 'a.txt', content: 'not base64!', contentType: 'text/plain' }],
    });
    expect(res.statusCode).toBe(400);
    const entry = await auditOf(String(res.headers['x-request-id']));
    expect(entry).toMatchObject({
      status: 400,
      outcome: 'failure',
      details: { subjectLength: 201, recipients: 1, attachments: 1 },
    });
    expect(entry.error).toContain('subject');
    expect(JSON.stringify(entry)).not.toContain('jane.doe@example.com');
    expect(JSON.stringify(entry)).not.toContain('not base64!');
  });
});

describe('POST /api/v1/messages without SocketLabs configuration (e2e)', () => {
  let fake: FakeSocketLabs;
  let t: TestApp;

  beforeAll(async () => {
    fake = await FakeSocketLabs.start();
    t = await createTestApp({ SOCKETLABS_INJECT_URL: fake.url, SOCKETLABS_API_URL: fake.url });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
  });

  const body = {
    to: [{ emailAddress: 'jane@example.com' }],
    from: { emailAddress: 'shop@example.org' },
    subject: 'Hi',
    textBody: 'Hi',
  };

  it('asks for a serverId when SOCKETLABS_SERVER_ID is not set (400), and answers 503 when no SocketLabs key is set', async () => {
    const noServer = await t.request({ method: 'POST', url: '/api/v1/messages', body });
    expect(noServer.statusCode).toBe(400);
    expect(noServer.json().message.join('\n')).toContain('serverId is required');

    const noKey = await t.request({ method: 'POST', url: '/api/v1/messages', body: { ...body, serverId: 16332 } });
    expect(noKey.statusCode).toBe(503);
    expect(noKey.json().code).toBe('SOCKETLABS_NOT_CONFIGURED');
    expect(fake.requests).toHaveLength(0);
  });
});
