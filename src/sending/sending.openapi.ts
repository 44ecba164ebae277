import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { InjectionResultDto, SendErrorResponseDto } from './dto/injection-result.dto';
import { MergeFieldDto, SendMessageDto } from './dto/send-message.dto';

const REQUEST_ID = '0b6e2a52-5f3c-4a43-9d1c-7b1f3f4b9f10';

const error = (
  statusCode: number,
  errorText: string,
  code: string,
  message: string | string[],
  details?: Record<string, unknown>,
) => ({
  statusCode,
  error: errorText,
  code,
  message,
  requestId: REQUEST_ID,
  ...(details ? { details } : {}),
});

const refused = (
  status: number,
  errorText: string,
  code: string,
  errorCode: string,
  meaning: string,
  receipt: string | null = null,
) =>
  error(status, errorText, code, `SocketLabs refused the send: ${errorCode} (${meaning}). Nothing was sent.`, {
    operation: 'sending.inject',
    errorCode,
    injectionResponse: { ErrorCode: errorCode, MessageResults: [], TransactionReceipt: receipt },
  });

const DESCRIPTION = `Sends one message through SocketLabs' Injection API (\`POST {SOCKETLABS_INJECT_URL}/api/v1/email\`) with the
SocketLabs key held by this service, from \`serverId\` (default \`SOCKETLABS_SERVER_ID\`).

**Basic send**: recipients in \`to\`, \`cc\`, \`bcc\` (at least one To; at most 50 together). **Bulk send**: \`mergeData.perMessage\`
instead, one entry per recipient (at most 50) with a \`DeliveryAddress\` field; the message goes out once per recipient with
its merge fields substituted (\`%%FirstName%%\`). \`to\` is then left out, or given in SocketLabs' own form, as its SDKs write it:
\`[{ "emailAddress": "%%DeliveryAddress%%", "friendlyName": "%%RecipientName%%" }]\`; \`mergeData.PerMessage\` and
\`mergeData.Global\`, the SDKs' spelling, are taken too.

**Checked before anything is sent** (400 naming the field, nothing reaches SocketLabs): a recipient, at most 50, \`from\`, a
subject of at most 200 characters, a body (\`textBody\` or \`htmlBody\`, \`ampBody\` only beside one of them) or an
\`apiTemplate\` but not a template with a text/HTML body, address syntax (SocketLabs' SDK rule: one \`@\`, no comma, space or
semicolon, at most 320 characters), custom headers with a name and a value, at most 10 metadata pairs (key and value of a pair
under 100 characters), at most 25 tags, metadata and tags together under 12.5 KB, base64 attachment content, the merge data's
shape, \`serverId\` a positive integer.

**The answer is SocketLabs' own** (\`ErrorCode\`, \`MessageResults\`, \`TransactionReceipt\`, PascalCase as the Injection API
writes it), with a status that tells the truth:

| SocketLabs \`ErrorCode\` | status | meaning |
|---|---|---|
| \`Success\` | **200** | sent |
| \`Warning\`, a message accepted | **207** | sent, but some recipients were refused: see \`MessageResults[].AddressResults\` |
| \`Warning\`, every message refused (\`InvalidFromAddress\`, \`InvalidTemplateId\`...) | 422 | nothing sent |
| \`InvalidData\`, \`NoMessages\`, \`EmptyMessage\`, \`TooManyMessages\`, \`TooManyRecipients\`, \`NoValidRecipients\` | 422 | nothing sent |
| \`OverQuota\` | 429 | rate limited: slow down |
| \`InvalidAuthentication\`, \`TooManyErrors\`, \`AccountDisabled\` | 502 | this service's SocketLabs credentials or account: not the caller's fault |
| \`InternalError\`, an unknown code, SocketLabs answering 5xx | 502 | check before repeating: it may have been sent |
| no answer in time | 504 | check before repeating: it may have been sent |

A \`Warning\` is **not** answered 200: some recipients did not get the message. It is not answered 4xx/5xx either: the others
did, and a client that retries on errors would send it to them twice. 207 Multi-Status says "done in part, read the results".
Failures use the API's error shape with SocketLabs' code in \`details.errorCode\` and its whole answer in
\`details.injectionResponse\`.

**Not idempotent**: a send is never retried by this service after SocketLabs may have acted on it (a timeout, a dropped
connection, a 500/502/504). It is retried only when SocketLabs cannot have acted: connection refused, 429, 503. A 502 or 504
whose message says "may have" can mean the mail went out: look for its \`messageId\` in GET /api/v1/messages before sending again.`;

export const ApiSendMessage = () =>
  applyDecorators(
    ApiOperation({ summary: 'Send a message through the Injection API', description: DESCRIPTION }),
    ApiExtraModels(MergeFieldDto),
    ApiBody({
      type: SendMessageDto,
      examples: {
        basic: {
          summary: 'Basic send',
          value: {
            to: [{ emailAddress: 'jane.doe@example.com', friendlyName: 'Jane Doe' }],
            from: { emailAddress: 'shop@example.org', friendlyName: 'Example Shop' },
            replyTo: { emailAddress: 'support@example.org' },
            subject: 'Your order 7731 is confirmed',
            textBody: 'Hello Jane, your order 7731 is on its way.',
            htmlBody: '<p>Hello Jane, your order <b>7731</b> is on its way.</p>',
            messageId: 'order-7731-confirmation',
            customHeaders: [{ name: 'X-Order-Id', value: '7731' }],
            metadata: [{ key: 'x-customer-id', value: 'C-1042' }],
            tags: ['order-confirmation'],
          },
        },
        bulk: {
          summary: 'Bulk send with merge data',
          value: {
            from: { emailAddress: 'news@example.org' },
            subject: 'Spring sale, %%FirstName%%',
            htmlBody: '<p>Hello %%FirstName%%, the spring sale starts today.</p>',
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
                  { field: 'FirstName', value: 'Sam' },
                ],
              ],
              global: [{ field: 'SaleEnds', value: 'May 31' }],
            },
          },
        },
        template: {
          summary: 'Send with a SocketLabs template',
          value: {
            to: [{ emailAddress: 'jane.doe@example.com' }],
            from: { emailAddress: 'shop@example.org' },
            subject: 'Welcome',
            apiTemplate: 4021,
          },
        },
      },
    }),
    ApiResponse({
      status: 200,
      type: InjectionResultDto,
      description: 'SocketLabs accepted the message for every recipient (`ErrorCode: Success`).',
      example: { ErrorCode: 'Success', MessageResults: [], TransactionReceipt: null },
    }),
    ApiResponse({
      status: 207,
      type: InjectionResultDto,
      description:
        'SocketLabs answered `Warning`: the message was sent, but some recipients were refused (`AddressResults` with `Accepted: false`). Do not resend it as a whole: the accepted recipients would get it twice.',
      example: {
        ErrorCode: 'Warning',
        MessageResults: [
          {
            Index: 0,
            ErrorCode: 'Warning',
            AddressResults: [{ EmailAddress: 'not-an-address@', Accepted: false, ErrorCode: 'InvalidAddress' }],
          },
        ],
        TransactionReceipt: null,
      },
    }),
    ApiResponse({
      status: 400,
      type: SendErrorResponseDto,
      description: 'The send breaks a rule SocketLabs enforces; `message` names each field. Nothing was sent.',
      examples: {
        fields: {
          summary: 'Field errors',
          value: error(400, 'Bad Request', 'VALIDATION_FAILED', [
            'subject must be shorter than or equal to 200 characters',
            'to.0.emailAddress must be an email address (one @, no comma, space or semicolon, at most 320 characters)',
          ]),
        },
        conflict: {
          summary: 'Template and body together',
          value: error(400, 'Bad Request', 'VALIDATION_FAILED', [
            'apiTemplate cannot be combined with textBody or htmlBody (MessageBodyConflict): the template is the body',
          ]),
        },
      },
    }),
    ApiResponse({
      status: 422,
      type: SendErrorResponseDto,
      description:
        'SocketLabs refused the message (request-level code, or `Warning` with every message refused). Nothing was sent.',
      examples: {
        noValidRecipients: {
          summary: 'NoValidRecipients',
          value: refused(
            422,
            'Unprocessable Entity',
            'SOCKETLABS_UNPROCESSABLE',
            'NoValidRecipients',
            'no recipient of the message is valid',
          ),
        },
        invalidFrom: {
          summary: 'Warning, the only message refused (InvalidFromAddress)',
          value: error(
            422,
            'Unprocessable Entity',
            'SOCKETLABS_UNPROCESSABLE',
            'SocketLabs refused the message: InvalidFromAddress (the From address is invalid). Nothing was sent.',
            {
              operation: 'sending.inject',
              errorCode: 'Warning',
              injectionResponse: {
                ErrorCode: 'Warning',
                MessageResults: [{ Index: 0, ErrorCode: 'InvalidFromAddress', AddressResults: null }],
                TransactionReceipt: null,
              },
            },
          ),
        },
      },
    }),
    ApiResponse({
      status: 429,
      type: SendErrorResponseDto,
      description:
        'SocketLabs rate-limits this service (`OverQuota`, or HTTP 429 after the client waited as long as it may). Nothing was sent.',
      example: refused(
        429,
        'Too Many Requests',
        'SOCKETLABS_RATE_LIMITED',
        'OverQuota',
        'the rate limit was exceeded; slow down and try again later',
      ),
    }),
    ApiResponse({
      status: 502,
      type: SendErrorResponseDto,
      description:
        "SocketLabs refused this service's credentials (`InvalidAuthentication`, `TooManyErrors`), the account is disabled, or SocketLabs failed (`InternalError`, HTTP 5xx, a broken connection).",
      examples: {
        invalidAuthentication: {
          summary: 'InvalidAuthentication',
          value: refused(
            502,
            'Bad Gateway',
            'SOCKETLABS_AUTH_FAILED',
            'InvalidAuthentication',
            'the ServerId/API key combination is invalid: check SOCKETLABS_API_KEY and the serverId (SOCKETLABS_SERVER_ID)',
          ),
        },
        internalError: {
          summary: 'HTTP 500 from SocketLabs (not retried: it may have been sent)',
          value: error(
            502,
            'Bad Gateway',
            'SOCKETLABS_UPSTREAM_ERROR',
            'SocketLabs answered 500 Internal Server Error to POST /api/v1/email (sending.inject). SocketLabs may have carried it out: check before repeating it.',
            { operation: 'sending.inject', upstreamStatus: 500, attempts: 1, errorCode: 'InternalError' },
          ),
        },
      },
    }),
    ApiResponse({
      status: 503,
      type: SendErrorResponseDto,
      description: 'SOCKETLABS_API_KEY is not configured.',
    }),
    ApiResponse({
      status: 504,
      type: SendErrorResponseDto,
      description: 'SocketLabs did not answer in time. Not retried: it may have sent the message.',
      example: error(
        504,
        'Gateway Timeout',
        'SOCKETLABS_TIMEOUT',
        'SocketLabs did not answer sending.inject within 15000 ms (1 attempt). SocketLabs may have carried it out: check before repeating it.',
        { operation: 'sending.inject', attempts: 1, errorCode: 'Timeout' },
      ),
    }),
  );
