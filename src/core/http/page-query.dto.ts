import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

/**
 * Paging as SocketLabs does it: `pageNumber` is 0-based. A list answers `{ data: [...], total: N }`.
 * Extend this class and add `sortField` (with the fields a list allows) and the filters.
 */
export class PageQueryDto {
  /** 0-based page number. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  pageNumber: number = 0;

  /** Rows per page (1 to 500). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  pageSize: number = 50;

  @IsOptional()
  @IsIn(['asc', 'desc'])
  sortDirection: 'asc' | 'desc' = 'desc';
}

export function pageWindow(q: PageQueryDto): { skip: number; take: number } {
  return { skip: q.pageNumber * q.pageSize, take: q.pageSize };
}
