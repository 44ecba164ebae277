import type { OpenAPIObject } from '@nestjs/swagger';

type Operation = NonNullable<OpenAPIObject['paths'][string]['post']>;

const ERROR = (example: { statusCode: number; error: string; code: string; message: string }) => ({
  'application/json': {
    schema: {
      type: 'object',
      required: ['statusCode', 'error', 'code', 'message', 'requestId'],
      properties: {
        statusCode: { type: 'integer' },
        error: { type: 'string' },
        code: { type: 'string', description: 'Stable machine-readable reason.' },
        message: { type: 'string' },
        requestId: {
          type: 'string',
          description: 'Also in the X-Request-Id header; quote it when asking about a request.',
        },
      },
    },
    example: { ...example, requestId: '0b6f3c1e-8a2d-4e5f-9c7b-1d2e3f4a5b6c' },
  },
});

const EVENT_SCHEMA = {
  type: 'object',
  description:
    'One SocketLabs event, as SocketLabs posts it. Field names are matched case-insensitively (ServerId, ServerID, ' +
    'serverId...). Only SecretKey is required; every other field, known or not, is stored as sent. A root object ' +
    "with no Type and no SecretKey but a `data` object (the envelope of SocketLabs' perform-test output) is unwrapped.",
  required: ['SecretKey'],
  additionalProperties: true,
  properties: {
    Type: {
      type: 'string',
      description:
        'Queued, Deferred, Delivered, Failed, Tracking, Complaint or Validation (any case). An unknown Type is stored too, never refused.',
    },
    SecretKey: {
      type: 'string',
      description: "The webhook's Secret Key: one of the endpoint's active secrets. Never stored.",
    },
    ServerId: {
      type: 'integer',
      description: 'Refused (401) if the endpoint expects another ServerId. May be absent.',
    },
    SubaccountId: {
      type: 'integer',
      nullable: true,
      description: 'Refused (401) if the endpoint expects another SubaccountId. May be absent or null.',
    },
    DateTime: {
      type: 'string',
      description: 'ISO 8601 with seven fractional digits (JSON) or RFC 1123 (legacy form posts).',
    },
    MessageId: { type: 'string' },
    MailingId: { type: 'string' },
    Address: { type: 'string' },
    Data: { type: 'object', description: '`{ Meta: [{Key, Value}], Tags: [string] }` when given at send time.' },
  },
};

const EXAMPLE_EVENT = {
  Type: 'Delivered',
  Response: '250 2.0.0 Ok: queued as 099AF107754327X5AX342',
  LocalIp: '10.50.176.1',
  RemoteMta: 'mx1.example.com',
  DateTime: '2022-09-07T17:49:08.8139901Z',
  MailingId: 'SLNL-0-9999999-9999999',
  MessageId: 'order-7731-confirmation',
  Address: 'jane.doe@example.com',
  ServerId: 16332,
  SubaccountId: 16332,
  SecretKey: 'n7BJk25EtAr39Sfa4K8R',
  Data: { Meta: [{ Key: 'x-mycustommetadata', Value: 'I am custom metadata' }], Tags: ['Sample Tag'] },
};

function receiverOperation(
  operationId: string,
  summary: string,
  endpointNote: string,
  withPathParameter: boolean,
): Operation {
  return {
    operationId,
    tags: ['Webhook receiver'],
    summary,
    description: `${endpointNote}

No API key: SocketLabs authenticates with the \`SecretKey\` field of the body, compared in constant time with the
endpoint's active secrets (several during a rotation). Every accepted event is committed to PostgreSQL before the
\`200\` (SecretKey removed); a retry of an event already stored is acknowledged and not stored again (the
deduplication key is the hash of the event's content without SecretKey). \`Type=Validation\` is answered \`200\`
and only recorded as the endpoint's \`validatedAt\`.

The \`200\` body is a JSON acknowledgement, except for an endpoint with a legacy (2013 Notification API) validation
key: then every \`200\` is that key as \`text/plain\`, as that API requires.

Rejections (4xx, 503) are counted by reason at \`GET /api/v1/webhook-endpoints/receiver-stats\`.`,
    security: [],
    parameters: withPathParameter
      ? [
          {
            name: 'endpointId',
            in: 'path',
            required: true,
            schema: { type: 'string', format: 'uuid' },
            description: 'The id of an endpoint registered through POST /api/v1/webhook-endpoints.',
          },
        ]
      : [],
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: {
            oneOf: [
              EVENT_SCHEMA,
              {
                type: 'array',
                minItems: 1,
                items: EVENT_SCHEMA,
                description:
                  'Several events: each is checked and stored on its own; one event that fails authentication refuses the whole request.',
              },
            ],
          },
          example: EXAMPLE_EVENT,
        },
        'application/x-www-form-urlencoded': {
          schema: {
            type: 'object',
            description:
              'The legacy encoding (webhooks created before June 2021, and the 2013 Notification API): the same fields, every value a string, dates in RFC 1123.',
            required: ['SecretKey'],
            additionalProperties: { type: 'string' },
            properties: {
              Type: { type: 'string' },
              SecretKey: { type: 'string' },
              ServerId: { type: 'string' },
              DateTime: { type: 'string', example: 'Mon, 01 Oct 2012 14:07:26 GMT' },
            },
          },
          example:
            'Type=Delivered&DateTime=Mon%2C+01+Oct+2012+14%3A07%3A26+GMT&MailingId=m012&MessageId=0000000155&Address=test%40example.com&ServerId=1000&SecretKey=YOUR-SECRET-KEY&RemoteMTA=mx1.example.com&Response=250+2.6.0+Message+received+and+queued&LocalIp=10.50.176.1',
        },
      },
    },
    responses: {
      '200': {
        description: 'Every event of the body is stored (or was already), or the validation handshake succeeded.',
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: {
                received: { type: 'integer', description: 'Events in the body.' },
                stored: { type: 'integer', description: 'Events stored by this request.' },
                duplicates: {
                  type: 'integer',
                  description: 'Events already stored (a retry), acknowledged without storing them again.',
                },
                validations: { type: 'integer', description: 'Validation events (never stored).' },
              },
            },
            example: { received: 1, stored: 1, duplicates: 0, validations: 0 },
          },
          'text/plain': {
            schema: {
              type: 'string',
              description: 'Only for an endpoint with a legacy validation key: that key, on every 200.',
            },
            example: 'YOUR-VALIDATION-KEY',
          },
        },
      },
      '400': {
        description: 'The body is empty (EMPTY_BODY) or cannot be parsed (UNPARSEABLE_BODY).',
        content: ERROR({
          statusCode: 400,
          error: 'Bad Request',
          code: 'UNPARSEABLE_BODY',
          message: 'The body is not valid JSON',
        }),
      },
      '401': {
        description:
          'Nothing stored. UNKNOWN_ENDPOINT, DISABLED_ENDPOINT, ENDPOINT_NOT_CONFIGURED (POST /webhooks/socketlabs without WEBHOOK_SECRET_KEY), ' +
          'MISSING_SECRET, WRONG_SECRET, SERVER_ID_MISMATCH, SUBACCOUNT_ID_MISMATCH.',
        content: ERROR({
          statusCode: 401,
          error: 'Unauthorized',
          code: 'WRONG_SECRET',
          message: 'SecretKey does not match this endpoint',
        }),
      },
      '413': {
        description: 'The body is larger than WEBHOOK_BODY_LIMIT (default 1 MiB).',
        content: ERROR({
          statusCode: 413,
          error: 'Payload Too Large',
          code: 'PAYLOAD_TOO_LARGE',
          message: 'The body is larger than 1048576 bytes',
        }),
      },
      '415': {
        description: 'Neither application/json nor application/x-www-form-urlencoded.',
        content: ERROR({
          statusCode: 415,
          error: 'Unsupported Media Type',
          code: 'UNSUPPORTED_MEDIA_TYPE',
          message: 'Send application/json or application/x-www-form-urlencoded',
        }),
      },
      '503': {
        description:
          'PostgreSQL is unavailable: nothing was acknowledged that is not stored. SocketLabs retries (for up to four days).',
        headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds.' } },
        content: ERROR({
          statusCode: 503,
          error: 'Service Unavailable',
          code: 'EVENT_STORE_UNAVAILABLE',
          message: 'The event store is unavailable; the event was not stored, retry later',
        }),
      },
    },
  };
}

/**
 * The receiver routes are plain Fastify routes (see receiver/webhook-receiver.transport.ts), so Nest's explorer
 * does not see them: they are described here and merged into the OpenAPI document.
 */
export const RECEIVER_OPENAPI_PATHS: OpenAPIObject['paths'] = {
  '/webhooks/socketlabs/{endpointId}': {
    post: receiverOperation(
      'receiveSocketLabsEventsForEndpoint',
      'Receive SocketLabs events for a registered endpoint',
      'The URL to give a SocketLabs event webhook: one endpoint per webhook, registered through `POST /api/v1/webhook-endpoints`.',
      true,
    ),
  },
  '/webhooks/socketlabs': {
    post: receiverOperation(
      'receiveSocketLabsEvents',
      'Receive SocketLabs events for the endpoint configured from the environment',
      'The endpoint configured by `WEBHOOK_SECRET_KEY` (and optionally `WEBHOOK_SERVER_ID`, `WEBHOOK_VALIDATION_KEY`). Its events are stored without an endpoint id. Without `WEBHOOK_SECRET_KEY` it answers 401 to everything.',
      false,
    ),
  },
};
