import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../../core/http/page-query.dto';
import { toBoolean } from '../../../core/http/to-boolean';

export const WEBHOOK_ENDPOINT_SORT_FIELDS = ['createdAt', 'name'] as const;

export class ListWebhookEndpointsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: WEBHOOK_ENDPOINT_SORT_FIELDS, default: 'createdAt' })
  @IsOptional()
  @IsIn(WEBHOOK_ENDPOINT_SORT_FIELDS)
  sortField: (typeof WEBHOOK_ENDPOINT_SORT_FIELDS)[number] = 'createdAt';

  /** Only enabled (`true`) or only disabled (`false`) endpoints. */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  enabled?: boolean;
}
