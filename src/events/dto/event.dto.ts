import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';
import { ListTotalDto } from '../../core/http/list-total';
import { EVENT_STATES, EventState } from '../entities/email-event.entity';
import { STORED_FIELDS, StoredFieldValues } from '../event-fields';
import type { StoredEvent } from '../event-rows';
import { parseRawEvent, stripSecretKeys } from '../raw-event';

export class MetaEntryDto {
  /** @example "customerId" */
  key: string;
  /** @example "42" */
  value: string | null;
}

/**
 * A stored event, with its typed fields (the field catalogue, event-fields.ts: declared below the class). The receiver
 * fills them as it stores the event; an event it had to store raw has them null until a worker has normalized it.
 * The raw payload is on the single-event route only.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- fields typed by the interface below
export class EventResponseDto {
  /** Row id (a 64-bit integer, as a string). @example "1024" */
  id: string;

  /**
   * The canonical type (`Queued`, `Deferred`, `Delivered`, `Failed`, `Tracking`, `Complaint`); a type this service
   * does not know, lower-cased (the raw payload keeps it as sent).
   * @example "Delivered"
   */
  type: string | null;

  /** False for a type this service does not know; null until normalized. */
  knownType: boolean | null;

  /**
   * `pending` until processing has derived the message status and suppressions from it, `processed` then, `failed`
   * when processing gave up on it (see `lastError`; replayable).
   */
  @ApiProperty({ enum: EVENT_STATES, example: 'processed' })
  state: EventState;

  /** Failed processing attempts (of an event still pending, or failed). */
  attempts: number;

  /** Why processing failed (state `failed`, or `pending` after a failed attempt). */
  lastError: string | null;

  /** The receiver endpoint it came through; null for the endpoint configured from the environment. */
  endpointId: string | null;

  /** When this service received and stored it. */
  receivedAt: Date;

  /** When it happened at SocketLabs (the event's `DateTime`); null when it had no readable one. */
  occurredAt: Date | null;

  static from(this: void, e: StoredEvent): EventResponseDto {
    const dto = new EventResponseDto();
    fill(dto, e);
    return dto;
  }
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
export interface EventResponseDto extends StoredFieldValues {}

/** What Swagger says of each catalogue field (the TypeScript types come from the interface above). */
const API_TYPES: Record<string, ApiPropertyOptions> = {
  text: { type: String },
  integer: { type: Number },
  'text[]': { type: [String] },
};
for (const f of STORED_FIELDS) {
  const options: ApiPropertyOptions =
    f.property === 'meta'
      ? { type: [MetaEntryDto] }
      : f.property === 'extra'
        ? { type: 'object', additionalProperties: true }
        : 'values' in f && f.values
          ? { type: String, enum: [...f.values] }
          : API_TYPES[f.pg];
  ApiProperty({
    ...options,
    nullable: true,
    description: f.doc,
    ...(f.example === undefined ? {} : { example: f.example }),
  })(EventResponseDto.prototype, f.property);
}

export class EventDetailResponseDto extends EventResponseDto {
  /** The event exactly as SocketLabs posted it, without SecretKey (form bodies as an object of strings). */
  raw: Record<string, unknown> | null;

  static override from(e: StoredEvent): EventDetailResponseDto {
    const dto = new EventDetailResponseDto();
    fill(dto, e);
    dto.raw = parseRawEvent(e.raw, e.format);
    return dto;
  }
}

function fill(dto: EventResponseDto, e: StoredEvent): void {
  Object.assign(dto, {
    id: e.id,
    type: e.type,
    knownType: e.knownType,
    state: e.state,
    attempts: e.attempts,
    lastError: e.lastError,
    endpointId: e.endpointId,
    receivedAt: e.receivedAt,
    occurredAt: e.occurredAt,
  });
  const values = dto as unknown as Record<string, unknown>;
  for (const f of STORED_FIELDS) values[f.property] = e[f.property];
  dto.extra = e.extra ? stripSecretKeys(e.extra) : null;
}

export class EventListResponseDto extends ListTotalDto {
  data: EventResponseDto[];
}
