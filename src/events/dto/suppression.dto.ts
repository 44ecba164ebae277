import { ListTotalDto } from '../../core/http/list-total';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, Length } from 'class-validator';
import { PageQueryDto } from '../../core/http/page-query.dto';
import { ErasedSuppressionEntity } from '../entities/erased-suppression.entity';
import { SUPPRESSION_REASONS, SuppressionEntity, SuppressionReason } from '../entities/suppression.entity';

export const SUPPRESSION_SORT_FIELDS = ['createdAt', 'updatedAt', 'occurredAt', 'address'] as const;
export type SuppressionSortField = (typeof SUPPRESSION_SORT_FIELDS)[number];

/** An address not to send to again, and the event that put it here. */
export class SuppressionResponseDto {
  /** Lower-cased recipient address. @example "jane@example.com" */
  address: string;

  /** The strongest reason seen: a complaint outranks a permanent failure, which outranks an unsubscribe. */
  @ApiProperty({ enum: SUPPRESSION_REASONS, example: 'permanent_failure' })
  reason: SuppressionReason;

  /** The event that caused it (see GET /api/v1/events/{id}); null once the address was erased. @example "1024" */
  eventId: string | null;
  /** When that event occurred. */
  occurredAt: Date | null;
  /** @example "order-8812" */
  messageId: string | null;
  /** @example 2001 */
  failureCode: number | null;
  createdAt: Date;
  updatedAt: Date;
  /**
   * True when the address was erased (DELETE /api/v1/addresses/{address}): the suppression is kept under its
   * fingerprint, without the address or its event, so that it is still not mailed. Only a lookup by address finds it.
   */
  erased: boolean;

  static from(this: void, s: SuppressionEntity): SuppressionResponseDto {
    return Object.assign(new SuppressionResponseDto(), {
      address: s.address,
      reason: s.reason,
      eventId: s.eventId,
      occurredAt: s.occurredAt,
      messageId: s.messageId,
      failureCode: s.failureCode,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
      erased: false,
    });
  }

  /** The suppression kept for an erased address, answered for the address it was looked up by. */
  static fromErased(address: string, s: ErasedSuppressionEntity): SuppressionResponseDto {
    return Object.assign(new SuppressionResponseDto(), {
      address,
      reason: s.reason,
      eventId: null,
      occurredAt: null,
      messageId: null,
      failureCode: null,
      createdAt: s.suppressedAt,
      updatedAt: s.erasedAt,
      erased: true,
    });
  }
}

export class SuppressionListResponseDto extends ListTotalDto {
  data: SuppressionResponseDto[];
}

export class ListSuppressionsQueryDto extends PageQueryDto {
  /** An address, case-insensitive. @example "jane@example.com" */
  @IsOptional()
  @IsString()
  @Length(1, 320)
  address?: string;

  @ApiPropertyOptional({ enum: SUPPRESSION_REASONS })
  @IsOptional()
  @Transform(({ value }): unknown => (typeof value === 'string' ? value.toLowerCase() : value))
  @IsIn(SUPPRESSION_REASONS)
  reason?: SuppressionReason;

  /** Ties are broken by address. */
  @ApiPropertyOptional({ enum: SUPPRESSION_SORT_FIELDS, default: 'createdAt' })
  @IsOptional()
  @IsIn(SUPPRESSION_SORT_FIELDS)
  sortField: SuppressionSortField = 'createdAt';
}
