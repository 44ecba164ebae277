import { ApiProperty } from '@nestjs/swagger';

/**
 * A list's `total`, counted only as far as it is cheap. An exact COUNT(*) over tens of millions of rows reads them all
 * (hundreds of milliseconds, seconds with a filter); a count that stops after COUNT_LIMIT matching rows costs what
 * reading that many index entries costs. Lists answer the exact total when there are at most COUNT_LIMIT (or when it
 * is known otherwise: the event counters), and say when it is only a lower bound.
 */
export const COUNT_LIMIT = 10_000;

/**
 * The `total` and `totalExact` of a list answer. Documented with decorators: the Swagger plugin only reads `.dto.ts`
 * files, and without them neither property would be in the OpenAPI document (nor in the typed client).
 */
export class ListTotalDto {
  /**
   * Rows matching the filters, whatever the page: exact when `totalExact` is true; otherwise counting stopped at
   * 10,000 to keep the answer fast, and more match (page on until a page comes back short).
   */
  @ApiProperty({
    description:
      'Rows matching the filters, whatever the page: exact when `totalExact` is true; otherwise counting stopped at 10,000 to keep the answer fast, and more match (page on until a page comes back short).',
    example: 1200,
  })
  total: number;

  /** Whether `total` is the exact count (false: at least `total` rows match). */
  @ApiProperty({ description: 'Whether `total` is the exact count (false: at least `total` rows match).' })
  totalExact: boolean;
}

/** Counts the rows of `sql` (a SELECT, its ORDER BY and LIMIT left out) up to COUNT_LIMIT. */
export async function boundedCount(
  query: (sql: string, params: unknown[]) => Promise<unknown[]>,
  sql: string,
  params: unknown[],
): Promise<ListTotalDto> {
  const [{ n }] = (await query(`SELECT count(*)::int AS n FROM (${sql} LIMIT ${COUNT_LIMIT + 1}) c`, params)) as {
    n: number;
  }[];
  return n > COUNT_LIMIT ? { total: COUNT_LIMIT, totalExact: false } : { total: n, totalExact: true };
}
