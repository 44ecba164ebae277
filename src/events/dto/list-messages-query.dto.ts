import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { INT4_MAX } from '../../core/database/pg-limits';
import { PageQueryDto } from '../../core/http/page-query.dto';
import { MESSAGE_STATUSES, MessageStatus } from '../entities/message.entity';

export const MESSAGE_SORT_FIELDS = ['lastEventAt', 'statusAt', 'firstEventAt', 'id'] as const;
export type MessageSortField = (typeof MESSAGE_SORT_FIELDS)[number];

export class ListMessagesQueryDto extends PageQueryDto {
  /** SocketLabs MessageId. @example "order-8812" */
  @IsOptional()
  @IsString()
  @Length(1, 500)
  messageId?: string;

  /** @example "spring-sale" */
  @IsOptional()
  @IsString()
  @Length(1, 500)
  mailingId?: string;

  /** Recipient address, case-insensitive. @example "jane@example.com" */
  @IsOptional()
  @IsString()
  @Length(1, 320)
  address?: string;

  @ApiPropertyOptional({ enum: MESSAGE_STATUSES })
  @IsOptional()
  @Transform(({ value }): unknown => (typeof value === 'string' ? value.toLowerCase() : value))
  @IsIn(MESSAGE_STATUSES)
  status?: MessageStatus;

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

  /** Ties are broken by id. */
  @ApiPropertyOptional({ enum: MESSAGE_SORT_FIELDS, default: 'lastEventAt' })
  @IsOptional()
  @IsIn(MESSAGE_SORT_FIELDS)
  sortField: MessageSortField = 'lastEventAt';
}
