import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../core/config/app-config';
import { errorBody } from '../../core/http/all-exceptions.filter';
import type { BodyFormat } from '../../events/entities/email-event.entity';
import { matchesAnySecret } from '../endpoints/endpoint-secrets';
import { EndpointResolver, ResolvedEndpoint } from '../endpoints/endpoint.resolver';
import { dedupeKey, withoutSecret } from './dedupe-key';
import { IngestRow, IngestWriter, StoreUnavailableError } from './ingest.writer';
import { ReceiverStats } from './receiver.stats';
import {
  bodyFormatOf,
  eventTypeOf,
  fieldValues,
  isValidationEvent,
  parseWebhookBody,
  RejectReason,
  WebhookBodyError,
  WebhookEvent,
} from './webhook-body.parser';

export const RECEIVER_PATH = '/webhooks/socketlabs';

/** What the onRequest hook learned, for the handler. */
interface ReceiverRequest extends FastifyRequest {
  webhookEndpoint: ResolvedEndpoint | null;
  webhookFormat: BodyFormat | null;
}

/** The JSON acknowledgement of a 200 (endpoints without a legacy validation key). */
export interface ReceiverAck {
  received: number;
  stored: number;
  duplicates: number;
  validations: number;
}

const MESSAGES: Record<RejectReason, string> = {
  empty_body: 'The body is empty',
  unparseable_body: 'The body could not be parsed',
  unsupported_media_type: 'Send application/json or application/x-www-form-urlencoded',
  payload_too_large: 'The body is larger than the limit',
  bad_request: 'Bad request',
  unknown_endpoint: 'Unknown webhook endpoint',
  disabled_endpoint: 'This webhook endpoint is disabled',
  endpoint_not_configured: 'No webhook endpoint is configured at this address (WEBHOOK_SECRET_KEY is not set)',
  missing_secret: 'SecretKey is missing',
  wrong_secret: 'SecretKey does not match this endpoint',
  server_id_mismatch: 'ServerId does not match this endpoint',
  subaccount_id_mismatch: 'SubaccountId does not match this endpoint',
  event_store_unavailable: 'The event store is unavailable; the event was not stored, retry later',
  internal_error: 'Internal server error',
};

/**
 * The SocketLabs webhook receiver: `POST /webhooks/socketlabs/:endpointId` and `POST /webhooks/socketlabs`.
 *
 * Plain Fastify routes in an encapsulated plugin rather than a Nest controller: the receiver needs the raw
 * body (its own content-type parsers and body limit) and parses tolerantly by itself, and Nest's pipes and
 * interceptors would cost about half of its throughput (measured, issue 2). Registered from WebhooksModule
 * when the process has an HTTP server; a worker-only process has none and skips this.
 */
@Injectable()
export class WebhookReceiverRoutes implements OnModuleInit {
  private readonly logger = new Logger('WebhookReceiver');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: AppConfig,
    private readonly endpoints: EndpointResolver,
    private readonly writer: IngestWriter,
    private readonly stats: ReceiverStats,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost?.httpAdapter;
    if (!adapter) return;
    const fastify = adapter.getInstance<FastifyInstance>();
    void fastify.register((instance, _opts, done) => {
      this.configure(instance);
      done();
    });
  }

  private configure(instance: FastifyInstance): void {
    const bodyLimit = this.config.webhook.bodyLimit;
    // Only this plugin's context: the API keeps Nest's parsers. The body stays a Buffer until the handler.
    instance.removeAllContentTypeParsers();
    instance.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));
    instance.decorateRequest('webhookEndpoint', null);
    instance.decorateRequest('webhookFormat', null);
    instance.setErrorHandler((err: FastifyError, request, reply) => this.onError(err, request, reply));

    const handler = (request: FastifyRequest, reply: FastifyReply) => this.receive(request as ReceiverRequest, reply);
    instance.post<{ Params: { endpointId: string } }>(
      `${RECEIVER_PATH}/:endpointId`,
      {
        bodyLimit,
        // An async hook that has answered must return the reply, so that Fastify stops there.
        onRequest: async (request, reply) => {
          const endpoint = await this.lookup(request.params.endpointId, request, reply);
          if (endpoint) this.checkMediaType(endpoint, request as ReceiverRequest, reply);
          if (reply.sent) return reply;
        },
      },
      handler,
    );
    instance.post(
      RECEIVER_PATH,
      {
        bodyLimit,
        onRequest: async (request, reply) => {
          const endpoint = this.endpoints.environmentEndpoint();
          if (!endpoint) return this.reject(request, reply, 401, 'endpoint_not_configured', null);
          this.checkMediaType(endpoint, request as ReceiverRequest, reply);
          if (reply.sent) return reply;
        },
      },
      handler,
    );
  }

  /** The endpoint of the path, or null after answering 401 (unknown, disabled) or 503 (PostgreSQL cannot be asked). */
  private async lookup(id: string, request: FastifyRequest, reply: FastifyReply): Promise<ResolvedEndpoint | null> {
    let endpoint: ResolvedEndpoint | null;
    try {
      endpoint = await this.endpoints.resolve(id);
      if (!endpoint?.enabled) endpoint = await this.endpoints.resolveBeforeRefusing(id);
    } catch (err) {
      this.logger.error(`could not look up endpoint ${printable(id)}: ${(err as Error).message}`);
      this.reject(request, reply, 503, 'event_store_unavailable', id);
      return null;
    }
    if (!endpoint) this.reject(request, reply, 401, 'unknown_endpoint', id);
    else if (!endpoint.enabled) this.reject(request, reply, 401, 'disabled_endpoint', id);
    else return endpoint;
    return null;
  }

  /** Refuses an unsupported content type before reading the body. */
  private checkMediaType(endpoint: ResolvedEndpoint, request: ReceiverRequest, reply: FastifyReply): void {
    const contentType = request.headers['content-type'];
    const format = bodyFormatOf(contentType);
    if (!format) {
      const hasBody = request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
      if (contentType !== undefined || hasBody) {
        this.reject(request, reply, 415, 'unsupported_media_type', endpoint.id, `Unsupported content type ${printable(contentType ?? '(none)')}: send application/json or application/x-www-form-urlencoded`);
        return;
      }
    }
    request.webhookEndpoint = endpoint;
    request.webhookFormat = format;
  }

  private async receive(request: ReceiverRequest, reply: FastifyReply): Promise<FastifyReply> {
    let endpoint = request.webhookEndpoint!;
    const format = request.webhookFormat;
    let events: WebhookEvent[];
    try {
      if (!format) throw new WebhookBodyError(400, 'empty_body', MESSAGES.empty_body);
      events = parseWebhookBody(request.body as Buffer | undefined, format);
    } catch (err) {
      if (!(err instanceof WebhookBodyError)) throw err;
      return this.reject(request, reply, err.status, err.reason, endpoint.id, err.message);
    }

    // Every event of the body must pass before anything is stored: one bad event refuses the whole request.
    let refused = firstRefusal(events, endpoint);
    if (refused && endpoint.id !== null) {
      // The secret may have been added through another process moments ago: look once more before refusing.
      const fresh = await this.endpoints.resolveBeforeRefusing(endpoint.id).catch(() => null);
      if (fresh?.enabled) {
        endpoint = fresh;
        refused = firstRefusal(events, endpoint);
      }
    }
    if (refused) return this.reject(request, reply, 401, refused, endpoint.id);

    const receivedAt = new Date();
    const rows: IngestRow[] = [];
    let validations = 0;
    for (const event of events) {
      if (isValidationEvent(event)) {
        validations++;
        continue;
      }
      const clean = withoutSecret(event);
      rows.push({
        endpointId: endpoint.id,
        receivedAt,
        dedupeKey: dedupeKey(clean),
        format: format!,
        raw: JSON.stringify(clean),
        type: eventTypeOf(event),
      });
    }

    if (validations > 0) await this.markValidated(endpoint, request);

    let stored = 0;
    if (rows.length > 0) {
      try {
        const outcomes = await this.writer.write(rows);
        for (const o of outcomes) if (o.id !== null) stored++;
      } catch (err) {
        if (!(err instanceof StoreUnavailableError)) this.logger.error(`ingest failed: ${(err as Error).stack ?? err}`);
        void reply.header('retry-after', '30');
        return this.reject(request, reply, 503, 'event_store_unavailable', endpoint.id);
      }
    }
    this.stats.accepted(stored, rows.length - stored, validations);

    // The 2013 Notification API wants its validation key as the body of every 200, not only the handshake's.
    if (endpoint.validationKey) return reply.code(200).type('text/plain; charset=utf-8').send(endpoint.validationKey);
    const ack: ReceiverAck = { received: events.length, stored, duplicates: rows.length - stored, validations };
    return reply.code(200).send(ack);
  }

  private async markValidated(endpoint: ResolvedEndpoint, request: FastifyRequest): Promise<void> {
    this.logger.log(`validation handshake for endpoint ${endpoint.id ?? 'env'} [${request.id}]`);
    if (!endpoint.id) return;
    try {
      await this.dataSource.query('UPDATE webhook_endpoints SET validated_at = now() WHERE id = $1', [endpoint.id]);
    } catch (err) {
      // The handshake itself succeeded (nothing is stored for it): answer 200 and let the next one record it.
      this.logger.warn(`could not record the validation of endpoint ${endpoint.id}: ${(err as Error).message}`);
    }
  }

  /** Answers an error in the API's error shape, counts it and logs it (never the body, so never the secret). */
  private reject(request: FastifyRequest, reply: FastifyReply, status: number, reason: RejectReason, endpointId: string | null, message?: string): FastifyReply {
    this.stats.rejected(reason);
    const line = `webhook refused: ${status} ${reason} endpoint=${endpointId === null ? 'env' : printable(endpointId)} ip=${request.ip} [${request.id}]`;
    if (status >= 500) this.logger.error(line);
    else this.logger.warn(line);
    return reply
      .code(status)
      .type('application/json; charset=utf-8')
      .send(errorBody(status, String(request.id), message ?? MESSAGES[reason], reason.toUpperCase()));
  }

  /** Errors raised by Fastify on these routes: body over the limit, bad Content-Length, an aborted body. */
  private onError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
    const endpointId = (request as ReceiverRequest).webhookEndpoint?.id ?? null;
    if (status === 413) return this.reject(request, reply, 413, 'payload_too_large', endpointId, `The body is larger than ${this.config.webhook.bodyLimit} bytes`);
    if (status === 415) return this.reject(request, reply, 415, 'unsupported_media_type', endpointId);
    if (status < 500) return this.reject(request, reply, status, 'bad_request', endpointId, err.message);
    this.logger.error(`receiver error [${request.id}]: ${err.stack ?? err.message}`);
    return this.reject(request, reply, 500, 'internal_error', endpointId);
  }
}

/** Why an event may not be accepted by this endpoint, or null if it may. */
function firstRefusal(events: WebhookEvent[], endpoint: ResolvedEndpoint): RejectReason | null {
  for (const event of events) {
    const refused = authenticate(event, endpoint);
    if (refused) return refused;
  }
  return null;
}

export function authenticate(event: WebhookEvent, endpoint: ResolvedEndpoint): RejectReason | null {
  const secrets = fieldValues(event, 'secretkey').filter((v) => v !== undefined && v !== null && v !== '');
  if (secrets.length === 0) return 'missing_secret';
  // Every SecretKey the event carries (any case) must be right: an extra wrong one is not ignored.
  let ok = true;
  for (const s of secrets) if (typeof s !== 'string' || !matchesAnySecret(s, endpoint.secretDigests)) ok = false;
  if (!ok) return 'wrong_secret';
  if (endpoint.expectedServerId !== null && !idMatches(fieldValues(event, 'serverid'), endpoint.expectedServerId)) return 'server_id_mismatch';
  if (endpoint.expectedSubaccountId !== null && !idMatches(fieldValues(event, 'subaccountid'), endpoint.expectedSubaccountId)) {
    return 'subaccount_id_mismatch';
  }
  return null;
}

/** An absent or null id is accepted (SubaccountId is nullable); a present one must be the expected one. */
function idMatches(values: unknown[], expected: number): boolean {
  return values.every((v) => v === undefined || v === null || v === '' || String(v).trim() === String(expected));
}

/** A path parameter or header made safe for one log line. */
function printable(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?').slice(0, 80);
}
