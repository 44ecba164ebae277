import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../core/config/app-config';
import { errorBody } from '../../core/http/all-exceptions.filter';
import type { BodyFormat } from '../../events/entities/email-event.entity';
import { matchesAnySecret } from '../endpoints/endpoint-secrets';
import { EndpointResolver, ResolvedEndpoint } from '../endpoints/endpoint.resolver';
import { dedupeKey } from './dedupe-key';
import { IngestRow, IngestWriter, StoreUnavailableError } from './ingest.writer';
import { ReceiverStats } from './receiver.stats';
import {
  bodyFormatOf,
  eventTypeOf,
  fieldValues,
  isValidationType,
  parseWebhookBody,
  ReceivedEvent,
  RejectReason,
  WebhookRefusal,
  WebhookEvent,
} from './webhook-body.parser';

export const RECEIVER_PATH = '/webhooks/socketlabs';

/** The JSON acknowledgement of a 200 (endpoints without a legacy validation key). */
interface ReceiverAck {
  received: number;
  stored: number;
  duplicates: number;
  validations: number;
}

const MESSAGES: Record<RejectReason, string> = {
  empty_body: 'The body is empty',
  unparseable_body: 'The body could not be parsed',
  nesting_too_deep: 'The body nests arrays and objects too deeply',
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

const refusal = (status: number, reason: RejectReason, message = MESSAGES[reason]) => new WebhookRefusal(status, reason, message);

/**
 * The SocketLabs webhook receiver: `POST /webhooks/socketlabs/:endpointId` and `POST /webhooks/socketlabs`.
 *
 * The routes are declared in Fastify (routing, request ids, `inject` in the tests all work as for the API), but
 * each answers from its onRequest hook: it hijacks the reply and reads and writes the raw request itself. None of
 * Fastify's body parsing, handler chain and reply pipeline is needed (the receiver reads one bounded body and
 * parses tolerantly by itself), and together they cost a third of the receiver's CPU (measured: 118 -> 78 us per
 * event); a Nest controller with pipes would cost more again. Registered from WebhooksModule when the process has
 * an HTTP server; a worker-only process has none and skips this.
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
    fastify.post<{ Params: { endpointId: string } }>(
      `${RECEIVER_PATH}/:endpointId`,
      { onRequest: (request, reply, done) => this.take(request, reply, done, request.params.endpointId) },
      unreachable,
    );
    fastify.post(RECEIVER_PATH, { onRequest: (request, reply, done) => this.take(request, reply, done, null) }, unreachable);
  }

  /** Takes the request over from Fastify: with the reply hijacked, Fastify stops after this hook. */
  private take(request: FastifyRequest, reply: FastifyReply, done: () => void, endpointId: string | null): void {
    reply.hijack();
    done();
    this.stats.inFlight.enter();
    this.receive(request, reply.raw, endpointId)
      .catch((err: unknown) => {
        if (err instanceof WebhookRefusal) return this.refuse(request, reply.raw, err, endpointId);
        this.logger.error(`receiver error [${request.id}]: ${(err as Error)?.stack ?? err}`);
        this.refuse(request, reply.raw, refusal(500, 'internal_error'), endpointId);
      })
      .finally(() => this.stats.inFlight.leave());
  }

  /** Answers 200 once every event is committed; throws a WebhookRefusal for anything it refuses. */
  private async receive(request: FastifyRequest, res: ServerResponse, endpointId: string | null): Promise<void> {
    let endpoint = endpointId === null ? this.environmentEndpoint() : await this.lookup(endpointId);
    const format = this.formatOf(request.raw);
    const body = await readBody(request.raw, this.config.webhook.bodyLimit);
    if (!format) throw refusal(400, 'empty_body');
    const events = parseWebhookBody(body, format);

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
    if (refused) throw refusal(401, refused);

    const receivedAt = new Date();
    const rows: IngestRow[] = [];
    let validations = 0;
    for (const { fields, raw } of events) {
      const type = eventTypeOf(fields);
      if (isValidationType(type)) {
        validations++;
        continue;
      }
      rows.push({ endpointId: endpoint.id, receivedAt, dedupeKey: dedupeKey(fields), format, raw, type });
    }

    if (validations > 0) await this.markValidated(endpoint, request);

    let stored = 0;
    if (rows.length > 0) {
      try {
        const outcomes = await this.writer.write(rows);
        for (const o of outcomes) if (o.id !== null) stored++;
      } catch (err) {
        if (!(err instanceof StoreUnavailableError)) this.logger.error(`ingest failed: ${(err as Error).stack ?? err}`);
        throw refusal(503, 'event_store_unavailable');
      }
    }
    this.stats.accepted(stored, rows.length - stored, validations);

    // The 2013 Notification API wants its validation key as the body of every 200, not only the handshake's.
    if (endpoint.validationKey) return send(request, res, 200, 'text/plain; charset=utf-8', endpoint.validationKey);
    const ack: ReceiverAck = { received: events.length, stored, duplicates: rows.length - stored, validations };
    send(request, res, 200, 'application/json; charset=utf-8', JSON.stringify(ack));
  }

  private environmentEndpoint(): ResolvedEndpoint {
    const endpoint = this.endpoints.environmentEndpoint();
    if (!endpoint) throw refusal(401, 'endpoint_not_configured');
    return endpoint;
  }

  /** The enabled endpoint of the path; 401 when it is unknown or disabled, 503 when PostgreSQL cannot be asked. */
  private async lookup(id: string): Promise<ResolvedEndpoint> {
    let endpoint: ResolvedEndpoint | null;
    try {
      endpoint = await this.endpoints.resolve(id);
      if (!endpoint?.enabled) endpoint = await this.endpoints.resolveBeforeRefusing(id);
    } catch (err) {
      this.logger.error(`could not look up endpoint ${printable(id)}: ${(err as Error).message}`);
      throw refusal(503, 'event_store_unavailable');
    }
    if (!endpoint) throw refusal(401, 'unknown_endpoint');
    if (!endpoint.enabled) throw refusal(401, 'disabled_endpoint');
    return endpoint;
  }

  /** The body's format; an unsupported content type is refused before the body is read. Null: no body at all. */
  private formatOf(req: IncomingMessage): BodyFormat | null {
    const contentType = req.headers['content-type'];
    const format = bodyFormatOf(contentType);
    if (format) return format;
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (contentType === undefined && !hasBody) return null;
    throw refusal(415, 'unsupported_media_type', `Unsupported content type ${printable(contentType ?? '(none)')}: send application/json or application/x-www-form-urlencoded`);
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

  /** Answers a refusal in the API's error shape, counts it and logs it (never the body, so never the secret). */
  private refuse(request: FastifyRequest, res: ServerResponse, err: WebhookRefusal, endpointId: string | null): void {
    const { status, reason } = err;
    this.stats.rejected(reason);
    const line = `webhook refused: ${status} ${reason} endpoint=${endpointId === null ? 'env' : printable(endpointId)} ip=${request.ip} [${request.id}]`;
    if (status >= 500) this.logger.error(line);
    else this.logger.warn(line);
    const headers: Record<string, string> = {};
    // A retry of what PostgreSQL could not store is welcome (it is deduplicated); after a body over the limit the
    // rest of it is not stored, so the connection cannot carry another request.
    if (status === 503) headers['retry-after'] = '30';
    if (status === 413) headers.connection = 'close';
    const body = JSON.stringify(errorBody(status, String(request.id), err.message, reason.toUpperCase()));
    send(request, res, status, 'application/json; charset=utf-8', body, headers, status !== 413);
    if (status === 413) endAfterDiscarding(request.raw, res);
  }
}

/** Never called: the onRequest hook answers every request of the receiver's routes. */
function unreachable(): never {
  throw new Error('the webhook receiver answers from its onRequest hook');
}

/** Writes a whole answer; with `end` false the response stays open (endAfterDiscarding closes it). */
function send(request: FastifyRequest, res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}, end = true): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...headers, 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'x-request-id': String(request.id) });
  if (end) res.end(body);
  else res.write(body);
}

/** How much of a body over the limit is read and thrown away after the 413, at most, and for how long. */
const DISCARD_MAX_BYTES = 16 * 1024 * 1024;
const DISCARD_MAX_MS = 5_000;

/**
 * Ends the 413 once the rest of the body has arrived (read and thrown away), or after DISCARD_MAX_BYTES or
 * DISCARD_MAX_MS. A client that writes its whole body before it reads the answer (most do) would otherwise meet a
 * closed socket mid-body (EPIPE, ECONNRESET) and never see the 413; the answer itself is already on the wire.
 */
function endAfterDiscarding(req: IncomingMessage, res: ServerResponse): void {
  if (req.complete || req.destroyed) {
    res.end();
    return;
  }
  let discarded = 0;
  const finish = (abort: boolean) => {
    clearTimeout(timer);
    req.off('data', onData).off('end', onEnd).off('error', onEnd).off('close', onEnd);
    res.end();
    if (abort) req.socket?.destroySoon();
  };
  const onData = (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_MAX_BYTES) finish(true);
  };
  const onEnd = () => finish(false);
  const timer = setTimeout(() => finish(true), DISCARD_MAX_MS);
  timer.unref();
  req.on('data', onData).on('end', onEnd).on('error', onEnd).on('close', onEnd);
  req.resume();
}

/** The body, at most `limit` bytes: a declared or actual size over it is refused (413) without reading further. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err: Error | null) => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (err) reject(err);
      else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(tooLarge(limit));
      else chunks.push(chunk);
    };
    const onEnd = () => finish(null);
    const onError = (err: Error) => finish(refusal(400, 'bad_request', `The body could not be read: ${err.message}`));
    const onClose = () => finish(refusal(400, 'bad_request', 'The connection closed before the body was complete'));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

function tooLarge(limit: number): WebhookRefusal {
  return refusal(413, 'payload_too_large', `The body is larger than ${limit} bytes`);
}

/** Why an event may not be accepted by this endpoint, or null if it may. */
function firstRefusal(events: ReceivedEvent[], endpoint: ResolvedEndpoint): RejectReason | null {
  for (const { fields } of events) {
    const refused = authenticate(fields, endpoint);
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
