import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { INT4_MAX } from '../../core/database/pg-limits';
import { PageQueryDto } from '../../core/http/page-query.dto';
import { EVENT_STATES, EventState } from '../entities/email-event.entity';
import {
  canonicalFailureType,
  canonicalTrackingType,
  FAILURE_TYPES,
  FailureType,
  TRACKING_TYPES,
  TrackingType,
} from '../event-names';

export const EVENT_SORT_FIELDS = ['occurredAt', 'receivedAt', 'id'] as const;
export type EventSortField = (typeof EVENT_SORT_FIELDS)[number];

export class ListEventsQueryDto extends PageQueryDto {
  /** Events that occurred at or after this time (ISO 8601, `occurredAt`). @example "2025-01-01T00:00:00Z" */
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date-time' })
  from?: string;

  /** Events that occurred before this time (ISO 8601, exclusive). @example "2025-02-01T00:00:00Z" */
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date-time' })
  to?: string;

  /**
   * Event type, any case: `Queued`, `Deferred`, `Delivered`, `Failed`, `Tracking`, `Complaint`, or the name of
   * a type this service does not know (matched against the type as SocketLabs sent it).
   * @example "Delivered"
   */
  @IsOptional()
  @IsString()
  @Length(1, 100)
  type?: string;

  /** `click`, `open`, `unsubscribe` (any case) or SocketLabs' codes `0`, `1`, `2`. @example "open" */
  @ApiPropertyOptional({ type: String })
  @IsOptional()
  @Transform(({ value }): unknown => canonicalTrackingType(value) ?? value)
  @IsIn(TRACKING_TYPES, { message: 'trackingType must be one of click, open, unsubscribe, 0, 1, 2' })
  trackingType?: TrackingType;

  /** Recipient address, exact but case-insensitive. @example "jane@example.com" */
  @IsOptional()
  @IsString()
  @Length(1, 320)
  address?: string;

  /** @example "order-8812" */
  @IsOptional()
  @IsString()
  @Length(1, 500)
  messageId?: string;

  /** @example "spring-sale" */
  @IsOptional()
  @IsString()
  @Length(1, 500)
  mailingId?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(INT4_MAX)
  serverId?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(INT4_MAX)
  subaccountId?: number;

  /** `temporary`, `permanent` or `suppressed` (any case). @example "permanent" */
  @ApiPropertyOptional({ type: String })
  @IsOptional()
  @Transform(({ value }): unknown => canonicalFailureType(value) ?? value)
  @IsIn(FAILURE_TYPES, { message: 'failureType must be one of temporary, permanent, suppressed' })
  failureType?: FailureType;

  /** Processing state: `pending` (message status and suppressions not derived yet), `processed`, `failed` (gave up, replayable). */
  @ApiPropertyOptional({ enum: EVENT_STATES })
  @IsOptional()
  @IsIn(EVENT_STATES)
  state?: EventState;

  /**
   * `occurredAt` (default; events without a readable DateTime come last in descending order, first in ascending),
   * `receivedAt` (arrival order: the same as `id`, which grows as events are stored) or `id`. Ties are broken by id.
   */
  @ApiPropertyOptional({ enum: EVENT_SORT_FIELDS, default: 'occurredAt' })
  @IsOptional()
  @IsIn(EVENT_SORT_FIELDS)
  sortField: EventSortField = 'occurredAt';
}

/** The same time window as the event list: `occurredAt`, or `receivedAt` for events not processed yet. */
/** A window of `occurredAt`, counted in whole hours: `from` is rounded down to the hour, `to` up. */
export class EventStatsQueryDto {
  /** Events that occurred at or after this time (ISO 8601), rounded down to the hour. @example "2025-01-01T00:00:00Z" */
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date-time' })
  from?: string;

  /** Events that occurred before this time (ISO 8601, exclusive), rounded up to the hour. @example "2025-02-01T00:00:00Z" */
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date-time' })
  to?: string;
}
