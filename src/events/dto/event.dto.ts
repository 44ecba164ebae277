import { ApiProperty } from '@nestjs/swagger';
import { EmailEventEntity, EVENT_STATES, EventState } from '../entities/email-event.entity';
import { canonicalEventType } from '../event-names';
import { parseRawEvent, stripSecretKeys } from '../raw-event';

export class MetaEntryDto {
  /** @example "customerId" */
  key: string;
  /** @example "42" */
  value: string | null;
}

/**
 * A stored event. Typed fields are null until a worker has processed the event (`state` = `processed`);
 * the raw payload is on the single-event route only.
 */
export class EventResponseDto {
  /** Row id (a 64-bit integer, as a string). @example "1024" */
  id: string;

  /**
   * The canonical type (`Queued`, `Deferred`, `Delivered`, `Failed`, `Tracking`, `Complaint`) once processed;
   * before that, or for a type this service does not know, `Type` as SocketLabs sent it.
   * @example "Delivered"
   */
  type: string | null;

  /** False for a type this service does not know; null until processed. */
  knownType: boolean | null;

  @ApiProperty({ enum: EVENT_STATES, example: 'processed' })
  state: EventState;

  /** Processing attempts so far. */
  attempts: number;

  /** Why processing failed (state `failed`). */
  lastError: string | null;

  /** The receiver endpoint it came through; null for the endpoint configured from the environment. */
  endpointId: string | null;

  /** When this service received and stored it. */
  receivedAt: Date;
  processedAt: Date | null;
  /** When it happened at SocketLabs (the event's `DateTime`). */
  occurredAt: Date | null;

  /** @example 12345 */
  serverId: number | null;
  subaccountId: number | null;
  ipPoolId: number | null;
  /** Recipient address, trimmed and lower-cased (the raw payload keeps it as sent). @example "jane@example.com" */
  address: string | null;
  fromAddress: string | null;
  subject: string | null;
  /** @example "spring-sale" */
  mailingId: string | null;
  /** @example "order-8812" */
  messageId: string | null;
  messageSize: number | null;
  deferralCode: number | null;
  reason: string | null;
  /** The receiving server's SMTP response. */
  response: string | null;
  localIp: string | null;
  remoteMta: string | null;
  bounceStatus: string | null;
  diagnosticCode: string | null;

  @ApiProperty({ enum: ['Temporary', 'Permanent', 'Suppressed'], nullable: true, type: String })
  failureType: string | null;

  /** SocketLabs failure code, e.g. 2001 (bad address). */
  failureCode: number | null;

  @ApiProperty({ enum: ['Click', 'Open', 'Unsubscribe'], nullable: true, type: String })
  trackingType: string | null;

  userAgent: string | null;
  clientIp: string | null;
  /** The link clicked (Tracking, Click). */
  url: string | null;
  tag: string | null;
  fblType: string | null;
  fblFrom: string | null;
  fblTo: string | null;
  length: number | null;

  /** `Data.Meta` as key/value pairs, whatever shape SocketLabs sent it in. */
  meta: MetaEntryDto[] | null;

  /** `Data.Tags`. */
  tags: string[] | null;

  /** Fields SocketLabs sent that have no column here, by their name as sent. */
  extra: Record<string, unknown> | null;

  static from(e: EmailEventEntity): EventResponseDto {
    const dto = new EventResponseDto();
    fill(dto, e);
    return dto;
  }
}

export class EventDetailResponseDto extends EventResponseDto {
  /** The event exactly as SocketLabs posted it, without SecretKey (form bodies as an object of strings). */
  raw: Record<string, unknown> | null;

  static override from(e: EmailEventEntity): EventDetailResponseDto {
    const dto = new EventDetailResponseDto();
    fill(dto, e);
    dto.raw = parseRawEvent(e.raw, e.format);
    return dto;
  }
}

function fill(dto: EventResponseDto, e: EmailEventEntity): void {
  Object.assign(dto, {
    id: e.id,
    type: (e.state === 'processed' && canonicalEventType(e.type)) || e.type,
    knownType: e.knownType,
    state: e.state,
    attempts: e.attempts,
    lastError: e.lastError,
    endpointId: e.endpointId,
    receivedAt: e.receivedAt,
    processedAt: e.processedAt,
    occurredAt: e.occurredAt,
    serverId: e.serverId,
    subaccountId: e.subaccountId,
    ipPoolId: e.ipPoolId,
    address: e.address,
    fromAddress: e.fromAddress,
    subject: e.subject,
    mailingId: e.mailingId,
    messageId: e.messageId,
    messageSize: e.messageSize,
    deferralCode: e.deferralCode,
    reason: e.reason,
    response: e.response,
    localIp: e.localIp,
    remoteMta: e.remoteMta,
    bounceStatus: e.bounceStatus,
    diagnosticCode: e.diagnosticCode,
    failureType: e.failureType,
    failureCode: e.failureCode,
    trackingType: e.trackingType,
    userAgent: e.userAgent,
    clientIp: e.clientIp,
    url: e.url,
    tag: e.tag,
    fblType: e.fblType,
    fblFrom: e.fblFrom,
    fblTo: e.fblTo,
    length: e.length,
    meta: e.meta,
    tags: e.tags,
    extra: e.extra ? stripSecretKeys(e.extra) : null,
  });
}

export class EventListResponseDto {
  data: EventResponseDto[];
  /** Rows matching the filters, whatever the page. */
  total: number;
}
