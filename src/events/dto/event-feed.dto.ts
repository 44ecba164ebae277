import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { EventResponseDto } from './event.dto';

/**
 * A position in the change feed: the id of the transaction that wrote the event and the event id. Opaque to callers. At most
 * 18 digits each, so that anything it accepts is a bigint (a larger number would fail in PostgreSQL, not here).
 */
export const FEED_CURSOR = /^(0|[1-9]\d{0,17})\.([1-9]\d{0,17})$/;

export class EventFeedQueryDto {
  /**
   * Where to continue: the `nextCursor` of the previous page, as given. Without it the feed starts at its
   * beginning (the first event ever stored).
   * @example "1042.5531"
   */
  @IsOptional()
  @Matches(FEED_CURSOR, { message: 'after must be a cursor returned by this feed (nextCursor)' })
  after?: string;

  /** Events per page (1 to 1000). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit: number = 100;
}

export class EventFeedResponseDto {
  /** Events after the cursor, in feed order. */
  data: EventResponseDto[];
  /**
   * The cursor to ask for the next page with: after the last event of this page, or the cursor asked with when
   * there is nothing new (null only when nothing was ever processed). Keep it to resume after a restart.
   * @example "1057.5790"
   */
  nextCursor: string | null;
}
