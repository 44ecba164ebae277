import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import type { SocketLabsQuery } from '../socketlabs.types';
import { SocketLabsShaped } from '../../core/http/validation';

/**
 * Paging, sorting and filters of a proxied SocketLabs list, passed through as SocketLabs expects them
 * (docs/socketlabs-wire-format.md §4). Only what the caller gives is sent, except the page (0 and 50 by default).
 */
@SocketLabsShaped()
export class SocketLabsPageQueryDto {
  /** 0-based page number. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  pageNumber?: number = 0;

  /** Rows per page (1 to 500). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  pageSize?: number = 50;

  /**
   * A field of the listed SocketLabs resource, as SocketLabs names it.
   * @example "IpAddress"
   */
  @IsOptional()
  @Matches(/^[A-Za-z][A-Za-z0-9_.]{0,63}$/, { message: 'sortField must be a field name such as IpAddress' })
  sortField?: string;

  /** `desc` is sent to SocketLabs as `dsc`, the value its API takes; `dsc` is accepted too. */
  @IsOptional()
  @IsIn(['asc', 'desc', 'dsc'])
  @ApiPropertyOptional({ enum: ['asc', 'desc', 'dsc'] })
  sortDirection?: 'asc' | 'desc' | 'dsc';

  /**
   * SocketLabs filters, `<Field>=<operator>:<value>`; repeat the parameter for several.
   * @example ["IpAddress=like:10.28.100"]
   */
  @IsOptional()
  @Transform(({ value }): unknown => (value === undefined || Array.isArray(value) ? value : [value]))
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(500, { each: true })
  @Matches(/^[A-Za-z][A-Za-z0-9_.]*=/, {
    each: true,
    message: 'each value in filters must look like <Field>=<operator>:<value>, e.g. IpAddress=like:10.28.100',
  })
  @ApiPropertyOptional({ type: [String], example: ['IpAddress=like:10.28.100'] })
  filters?: string[];
}

/** The query to hand to `SocketLabsClient.call/list` (the client spells `desc` as `dsc`). */
export function toSocketLabsQuery(q: SocketLabsPageQueryDto): SocketLabsQuery {
  return {
    pageNumber: q.pageNumber,
    pageSize: q.pageSize,
    sortField: q.sortField,
    sortDirection: q.sortDirection,
    filters: q.filters,
  };
}
