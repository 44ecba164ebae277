import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayUnique, IsArray, IsBoolean, IsIn, IsOptional, IsString, IsUrl, Length, Matches } from 'class-validator';
import { EVENT_WEBHOOK_EVENT_TYPES, EventWebhookEventType } from '../socketlabs.types';
import { SocketLabsShaped } from '../../core/http/validation';

/**
 * Event webhook bodies and answers, shared by the account and the subaccount event webhooks. SocketLabs
 * documents neither the body nor the answer of these calls: the fields below are the ones its
 * documents name (endpoint URL, the event types of its table, the secret key) and are sent as they are.
 */

/** Maps any casing of an event type to SocketLabs' spelling (`sent` -> `Sent`); unknown values are left for the validator. */
const toEventType = (value: unknown) =>
  typeof value === 'string'
    ? (EVENT_WEBHOOK_EVENT_TYPES.find((t) => t.toLowerCase() === value.toLowerCase()) ?? value)
    : value;

@SocketLabsShaped()
export class CreateEventWebhookDto {
  /**
   * The HTTPS endpoint SocketLabs posts events to. It must answer 200 to SocketLabs' validation.
   * @example "https://mail-events.example.com/webhooks/socketlabs"
   */
  @IsUrl(
    { protocols: ['https'], require_protocol: true, require_tld: false },
    { message: 'url must be an https:// URL (SocketLabs requires HTTPS)' },
  )
  url: string;

  /**
   * Display name.
   * @example "Production events"
   */
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  /** Whether SocketLabs sends events to the URL. */
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  /** The events to send; SocketLabs' default when absent. */
  @IsOptional()
  @Transform(({ value }): unknown => (Array.isArray(value) ? value.map(toEventType) : value))
  @IsArray()
  @ArrayUnique()
  @IsIn(EVENT_WEBHOOK_EVENT_TYPES, { each: true })
  @ApiPropertyOptional({ enum: EVENT_WEBHOOK_EVENT_TYPES, isArray: true, example: ['Sent', 'Failed', 'Complaint'] })
  eventTypes?: EventWebhookEventType[];

  /**
   * The key SocketLabs puts in every event (`SecretKey`), e.g. from the generate-secret-key call.
   * Never logged; redacted in the audit log.
   * @example "n7BJk25EtAr39Sfa4K8R"
   */
  @IsOptional()
  @IsString()
  @Length(8, 200)
  secretKey?: string;
}

@SocketLabsShaped()
export class UpdateEventWebhookDto extends PartialType(CreateEventWebhookDto) {}

export class EventWebhookIdParamDto {
  /** SocketLabs' id of the event webhook. */
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'webhookId must be an id (letters, digits, - and _)' })
  webhookId: string;
}

@SocketLabsShaped()
export class TestEventWebhookQueryDto {
  /** The sample event to send (a `Sent` test arrives as `Type: "Delivered"`, the wire name). */
  @Transform(({ value }) => toEventType(value))
  @IsIn(EVENT_WEBHOOK_EVENT_TYPES)
  @ApiProperty({ enum: EVENT_WEBHOOK_EVENT_TYPES, example: 'Sent' })
  type: EventWebhookEventType;
}

/** A webhook as SocketLabs answers it (fields beyond these are passed through). */
export class EventWebhookResponseDto {
  @ApiPropertyOptional({
    oneOf: [{ type: 'integer' }, { type: 'string' }],
    example: 4321,
    description: "SocketLabs' id of the webhook.",
  })
  id?: number | string;
  /** @example "Production events" */
  name?: string;
  /** @example "https://mail-events.example.com/webhooks/socketlabs" */
  url?: string;
  enabled?: boolean;
  @ApiPropertyOptional({ enum: EVENT_WEBHOOK_EVENT_TYPES, isArray: true })
  eventTypes?: string[];
  /** @example "n7BJk25EtAr39Sfa4K8R" */
  secretKey?: string;
}

export class EventWebhookListResponseDto {
  data: EventWebhookResponseDto[];
  total: number;
}

export class EventWebhookSecretKeyResponseDto {
  /**
   * A new secret key to give to a webhook (`secretKey`).
   * @example "n7BJk25EtAr39Sfa4K8R"
   */
  secretKey: string;
}

/** The sample event SocketLabs sent to the webhook, as SocketLabs shows it (S-QS, S-ACCT). */
export class EventWebhookTestResponseDto {
  /** @example "Delivered" */
  Type: string;
  /** @example "2022-09-07T17:49:08.8139901Z" */
  DateTime: string;
  /** @example "SLNL-0-9999999-9999999" */
  MailingId?: string;
  /** @example "SampleMessageId" */
  MessageId?: string;
  /** @example "email@example.com" */
  Address?: string;
  /** @example 16332 */
  ServerId?: number;
  /** @example "n7BJk25EtAr39Sfa4K8R" */
  SecretKey?: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { Meta: [{ Key: 'x-mycustommetadata', Value: 'I am custom metadata' }], Tags: ['Sample Tag'] },
  })
  Data?: Record<string, unknown>;
}

/** The upstream body of a webhook create/update: the given fields, as SocketLabs names them [I]. */
export function toSocketLabsEventWebhookBody(dto: UpdateEventWebhookDto): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const key of ['name', 'url', 'enabled', 'eventTypes', 'secretKey'] as const) {
    if (dto[key] !== undefined) body[key] = dto[key];
  }
  return body;
}

/** SocketLabs' generate-secret-key answer is undocumented: `data` may be the key itself or `{ secretKey }`. */
export function toSecretKeyResponse(data: unknown): EventWebhookSecretKeyResponseDto {
  if (typeof data === 'string') return { secretKey: data };
  if (data && typeof data === 'object') {
    const record = data as Record<string, unknown>;
    const key = Object.keys(record).find((k) => /^(secret)?key$/i.test(k));
    if (key && typeof record[key] === 'string') return { ...record, secretKey: record[key] };
  }
  return data as EventWebhookSecretKeyResponseDto;
}
