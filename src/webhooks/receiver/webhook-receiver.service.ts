import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { valuesNamed } from '../../core/case-insensitive';
import { errorBody } from '../../core/http/all-exceptions.filter';
import { NO_DATE } from '../../events/entities/email-event.entity';
import { BodyFormat, storedEventType } from '../../events/event-names';
import { matchesAnySecret } from '../endpoints/endpoint-secrets';
import { EndpointResolver, ResolvedEndpoint } from '../endpoints/endpoint.resolver';
import { normalizedRow } from '../normalizing/event-columns';
import { normalizeEvent } from '../normalizing/event-normalizer';
import { dedupeKey } from './dedupe-key';
import { IngestRow, IngestWriter, StoreUnavailableError } from './ingest.writer';
import { ReceiverStats } from './receiver.stats';
import {
  bodyFormatOf,
  eventTypeOf,
  isValidationType,
  parseWebhookBody,
  ReceivedEvent,
  RejectReason,
  WebhookEvent,
  WebhookRefusal,
} from './webhook-body.parser';
import { errorMessage } from '../../core/error-message';

/** What the receiver answers: the transport writes it as it is. */
export interface WebhookAnswer {
  status: number;
  contentType: string;
  body: string;
  headers: Record<string, string>;
}

/** Who is asking, for the log lines of refusals. */
export interface WebhookContext {
  endpointId: string | null;
  requestId: string;
  ip: string;
}

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

export const refusal = (status: number, reason: RejectReason, message = MESSAGES[reason]) =>
  new WebhookRefusal(status, reason, message);

/**
 * What the SocketLabs receiver decides, apart from HTTP (webhook-receiver.transport.ts reads the request and writes
 * the answer): which endpoint, whether the body is one it takes, whether every event carries the endpoint's secret,
 * and the events, normalized and stored (IngestWriter) before the 200. Tested without a server.
 */
@Injectable()
export class WebhookReceiver {
  private readonly logger = new Logger('WebhookReceiver');

  constructor(
    private readonly endpoints: EndpointResolver,
    private readonly writer: IngestWriter,
    private readonly stats: ReceiverStats,
    private readonly dataSource: DataSource,
  ) {}

  /** The enabled endpoint of the path (null: the one configured from the environment); throws a WebhookRefusal. */
  async endpoint(id: string | null): Promise<ResolvedEndpoint> {
    if (id === null) {
      const endpoint = this.endpoints.environmentEndpoint();
      if (!endpoint) throw refusal(401, 'endpoint_not_configured');
      return endpoint;
    }
    let endpoint: ResolvedEndpoint | null;
    try {
      endpoint = await this.endpoints.resolve(id);
      if (!endpoint?.enabled) endpoint = await this.endpoints.resolveBeforeRefusing(id);
    } catch (err) {
      this.logger.error(`could not look up endpoint ${printable(id)}: ${errorMessage(err)}`);
      throw refusal(503, 'event_store_unavailable');
    }
    if (!endpoint) throw refusal(401, 'unknown_endpoint');
    if (!endpoint.enabled) throw refusal(401, 'disabled_endpoint');
    return endpoint;
  }

  /** The body's format from its Content-Type, before the body is read; null: no body at all. Throws a 415. */
  format(contentType: string | undefined, hasBody: boolean): BodyFormat | null {
    const format = bodyFormatOf(contentType);
    if (format) return format;
    if (contentType === undefined && !hasBody) return null;
    throw refusal(
      415,
      'unsupported_media_type',
      `Unsupported content type ${printable(contentType ?? '(none)')}: send application/json or application/x-www-form-urlencoded`,
    );
  }

  /** The 200 once every event of the body is committed; throws a WebhookRefusal for anything refused. */
  async receive(
    endpoint: ResolvedEndpoint,
    format: BodyFormat | null,
    body: Buffer,
    ctx: WebhookContext,
  ): Promise<WebhookAnswer> {
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
      rows.push({
        endpointId: endpoint.id,
        receivedAt,
        dedupeKey: dedupeKey(fields),
        format,
        raw,
        ...this.normalize(fields, type),
      });
    }

    if (validations > 0) await this.markValidated(endpoint, ctx);

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
    if (endpoint.validationKey) return answer(200, 'text/plain; charset=utf-8', endpoint.validationKey);
    const ack: ReceiverAck = { received: events.length, stored, duplicates: rows.length - stored, validations };
    return answer(200, 'application/json; charset=utf-8', JSON.stringify(ack));
  }

  /**
   * The typed columns, normalized here, in the request, so that the event is written once (docs/storage.md). The
   * normalizer never throws by design (it is fuzzed for that); should it ever, the event is still stored, raw, and
   * a worker normalizes it later, or shows why not.
   */
  private normalize(fields: WebhookEvent, type: string | null): Pick<IngestRow, 'columns' | 'normalize'> {
    try {
      return { columns: normalizedRow(normalizeEvent(fields)) };
    } catch (err) {
      this.logger.error(`normalizer failed, event stored raw: ${(err as Error).stack ?? err}`);
      return { columns: { type: storedEventType(type), occurred_at: NO_DATE }, normalize: true };
    }
  }

  /** The answer to a refusal, in the API's error shape; counted and logged (never the body, so never the secret). */
  refused(err: WebhookRefusal, ctx: WebhookContext): WebhookAnswer {
    const { status, reason } = err;
    this.stats.rejected(reason);
    const line = `webhook refused: ${status} ${reason} endpoint=${ctx.endpointId === null ? 'env' : printable(ctx.endpointId)} ip=${ctx.ip} [${ctx.requestId}]`;
    if (status >= 500) this.logger.error(line);
    else this.logger.warn(line);
    const headers: Record<string, string> = {};
    // A retry of what PostgreSQL could not store is welcome (it is deduplicated); after a body over the limit the
    // rest of it is not stored, so the connection cannot carry another request.
    if (status === 503) headers['retry-after'] = '30';
    if (status === 413) headers.connection = 'close';
    return answer(
      status,
      'application/json; charset=utf-8',
      JSON.stringify(errorBody(status, ctx.requestId, err.message, reason.toUpperCase())),
      headers,
    );
  }

  /** An error that is not a refusal: logged whole, answered 500 with nothing of it. */
  failed(err: unknown, ctx: WebhookContext): WebhookAnswer {
    this.logger.error(`receiver error [${ctx.requestId}]: ${(err as Error)?.stack ?? String(err)}`);
    return this.refused(refusal(500, 'internal_error'), ctx);
  }

  private async markValidated(endpoint: ResolvedEndpoint, ctx: WebhookContext): Promise<void> {
    this.logger.log(`validation handshake for endpoint ${endpoint.id ?? 'env'} [${ctx.requestId}]`);
    if (!endpoint.id) return;
    try {
      await this.dataSource.query('UPDATE webhook_endpoints SET validated_at = now() WHERE id = $1', [endpoint.id]);
    } catch (err) {
      // The handshake itself succeeded (nothing is stored for it): answer 200 and let the next one record it.
      this.logger.warn(`could not record the validation of endpoint ${endpoint.id}: ${errorMessage(err)}`);
    }
  }
}

function answer(
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): WebhookAnswer {
  return { status, contentType, body, headers };
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
  const secrets = valuesNamed(event, 'secretkey').filter((v) => v !== undefined && v !== null && v !== '');
  if (secrets.length === 0) return 'missing_secret';
  // Every SecretKey the event carries (any case) must be right: an extra wrong one is not ignored.
  let ok = true;
  for (const s of secrets) if (typeof s !== 'string' || !matchesAnySecret(s, endpoint.secretDigests)) ok = false;
  if (!ok) return 'wrong_secret';
  if (endpoint.expectedServerId !== null && !idMatches(valuesNamed(event, 'serverid'), endpoint.expectedServerId))
    return 'server_id_mismatch';
  if (
    endpoint.expectedSubaccountId !== null &&
    !idMatches(valuesNamed(event, 'subaccountid'), endpoint.expectedSubaccountId)
  ) {
    return 'subaccount_id_mismatch';
  }
  return null;
}

/** An absent or null id is accepted (SubaccountId is nullable); a present one must be the expected one. */
function idMatches(values: unknown[], expected: number): boolean {
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a value sent is compared as text, whatever it is
  return values.every((v) => v === undefined || v === null || v === '' || String(v).trim() === String(expected));
}

/** A path parameter or header made safe for one log line. */
export function printable(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?').slice(0, 80);
}
